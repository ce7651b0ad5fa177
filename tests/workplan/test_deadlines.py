import datetime

from duban.workplan.deadlines import find_deadlines
from duban.workplan.normalize import normalize


def deadlines(sentence, plan_year=2026, previous=None):
    norm = normalize(sentence)
    return find_deadlines(norm, 0, len(norm), plan_year=plan_year, previous=previous)


def test_month_end():
    (d,) = deadlines("9月底前全面完成清理。")
    assert (d.date, d.kind, d.text) == (datetime.date(2026, 9, 30), "by", "9月底前")


def test_from_date():
    (d,) = deadlines("自10月1日起施行新标准。")
    assert (d.date, d.kind) == (datetime.date(2026, 10, 1), "from")


def test_vague_words_are_not_deadlines():
    assert deadlines("尽快建成，早日投用，适时推出，按期完成，今年全年推进。") == []
