"""How a draft plan's tasks and targets read to a clerk: one place for the page, the item's
body and anything else that names a task or states a target."""

from __future__ import annotations

from typing import Any

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (larger numbers stay Arabic)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def _ordinals(task_id: str) -> list[int | None]:
    # "3.2.4.1" (section.part.paragraph.sentence), "3.2.4.1-2" after a split.
    out: list[int | None] = []
    for piece in str(task_id).split("-", 1)[0].split(".")[:4]:
        out.append(int(piece) if piece.isdigit() else None)
    return out + [None] * (4 - len(out))


def reference(task) -> str:
    """三（二）第4段: the task's section, part and paragraph, as a clerk cites a report.

    Section and part take the report's own labels where the parser kept them; the paragraph
    comes from the task id, which stays stored as it is."""
    sec_n, part_n, para_n, _ = _ordinals(task.task_id)
    section = (task.section or "").strip() or (chinese_number(sec_n) if sec_n else "")
    part = (task.part or "").strip().strip("()（）.．、 ")
    if part:
        part = f"（{part}）"  # 一 of （一）, 1 of "1." or "(1)": one shape in a reference
    elif part_n:
        part = f"（{chinese_number(part_n)}）"
    para = f"第{para_n}段" if para_n else ""
    if not (section or part or para):
        return str(task.task_id)
    joiner = "、" if section and not part and para and not section.startswith("第") else ""
    return f"{section}{part}{joiner}{para}"


_COMPARATOR_WORDS = {">=": "以上", "<=": "以内", "~": "左右", ">": "以上", "<": "以内"}


def _number(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def target_value(target: dict) -> str:
    """A target's quantity in Chinese: 6%以上, 3%以内, 5%左右, 5%—5.5%; "=" adds no word."""
    value = target.get("value")
    if value is None:
        return ""
    unit = target.get("unit") or ""
    low = _number(value) + unit
    comparator = str(target.get("comparator") or "=")
    high = target.get("value_max")
    if high is not None and (comparator == "range" or high != value):
        return f"{low}—{_number(high)}{unit}"
    return low + _COMPARATOR_WORDS.get(comparator, "")
