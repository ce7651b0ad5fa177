"""The parser's output depends on its input only: a report that names no year gets no dated
deadlines, whatever day the parser runs."""

import datetime as dt
from unittest import mock

from duban.workplan import decompose

TEXT = "政府工作报告\n三、今年工作安排\n（一）加快城市更新。年底前完成老旧小区改造100个。\n".encode()


def test_a_yearless_report_is_not_dated_by_the_calendar():
    first = decompose(TEXT, name="report.txt")
    with mock.patch("datetime.date", wraps=dt.date) as fake:
        fake.today.return_value = dt.date(2031, 6, 1)
        second = decompose(TEXT, name="report.txt")
    assert first == second
    assert first["plan_year"] is None
    assert first["tasks"] and all(t["deadline"] is None for t in first["tasks"])
    # Given the year, the same text is dated.
    dated = decompose(TEXT, name="report.txt", year=2021)
    assert dated["plan_year"] == 2021
    assert dated["tasks"][0]["deadline"]["date"] == "2021-12-31"
