"""The parser's output depends on its input only: a report that names no year is refused
(``bad_year``) whatever day the parser runs, never dated as the current year's plan."""

import datetime as dt
from unittest import mock

import pytest

from duban.workplan import ParseError, decompose

TEXT = "政府工作报告\n三、今年工作安排\n（一）加快城市更新。年底前完成老旧小区改造100个。\n".encode()


def test_a_yearless_report_is_not_dated_by_the_calendar():
    with pytest.raises(ParseError) as first:
        decompose(TEXT, name="report.txt")
    with mock.patch("datetime.date", wraps=dt.date) as fake:
        fake.today.return_value = dt.date(2031, 6, 1)
        with pytest.raises(ParseError) as second:
            decompose(TEXT, name="report.txt")
    assert first.value.code == second.value.code == "bad_year"
    assert first.value.message == second.value.message
    # Given the year, the same text is dated.
    dated = decompose(TEXT, name="report.txt", year=2021)
    assert dated["plan_year"] == 2021
    assert dated["tasks"][0]["deadline"]["date"] == "2021-12-31"
