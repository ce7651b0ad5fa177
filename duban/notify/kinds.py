"""Every kind of thing Duban tells people about, who hears of it by default, and the words.

An issuing unit may change the audiences of a kind (``KindSetting``); these are the defaults
the issue of the 13710 rules asks for. Audience names are resolved to people in ``audiences``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    audiences: tuple[str, ...]
    reminder: bool = False  # from the sweep (time), not from someone's action
    urgent: bool = False  # SMS by default


AUDIENCES = {
    "handlers": "承办单位承办人和第一责任人",
    "handling_heads": "承办单位第一责任人",
    "handling_leaders": "承办单位（本级政府）领导",
    "reviewers": "交办单位督查员（审核人）",
    "issuer_leaders": "交办单位领导",
    "admins": "系统管理员",
}

_ALL = [
    # From people's actions (items.signals.item_event)
    Kind("assigned", "新交办事项", ("handlers",)),
    Kind("routed", "事项批转", ("handlers",)),
    Kind("urged", "催办", ("handlers",), urgent=True),
    Kind("returned", "办结申请被退回", ("handlers",)),
    Kind("closed", "事项已办结", ("handlers",)),
    Kind("extension.decided", "延期申请已审批", ("handlers",)),
    Kind("instructed", "领导批示", ("handlers",)),
    Kind("closure.requested", "申请办结待审核", ("reviewers",)),
    Kind("extension.requested", "延期申请待审批", ("reviewers",)),
    # From time (the sweep)
    Kind("due_soon", "即将到期", ("handlers",), reminder=True),
    Kind("overdue", "已逾期", ("handling_heads",), reminder=True, urgent=True),
    Kind("overdue.1", "逾期 1 个工作日", ("reviewers",), reminder=True, urgent=True),
    Kind("overdue.3", "逾期 3 个工作日", ("issuer_leaders", "handling_leaders"), reminder=True, urgent=True),
    Kind("progress_missed", "进度报告未按期报送", ("handlers", "reviewers"), reminder=True, urgent=True),
    Kind("review.waiting", "办结申请待审核超过 2 个工作日", ("reviewers",), reminder=True),
    Kind("review.waiting.5", "办结申请待审核超过 5 个工作日", ("issuer_leaders",), reminder=True),
    Kind("returned.idle", "退回后 2 个工作日未重新报送", ("handling_heads",), reminder=True),
    Kind("calendar.missing", "下一年节假日安排未录入", ("admins",), reminder=True),
    Kind("figure.due", "指标数据即将到报送日", ("handlers",), reminder=True),
    Kind("figure.missing", "指标数据逾期未报送", ("handlers", "reviewers"), reminder=True, urgent=True),
]
KINDS: dict[str, Kind] = {k.code: k for k in _ALL}
# Kinds an issuing unit may configure (the calendar belongs to the whole installation).
CONFIGURABLE = [k for k in _ALL if k.code != "calendar.missing"]


def label(code: str) -> str:
    k = KINDS.get(code)
    return k.label if k else code
