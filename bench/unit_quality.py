"""How often the suggested lead unit is one a clerk would accept, on the seed's plan-year tasks.

    .venv/bin/python -m bench.unit_quality [--verbose] [--json] [--labels FILE]

The labels are ``tests/workplan/fixtures/units/seed_units.json``: for each task the parser
produces for the 2021 plan section of Shanxi's 2021 report, the set of lead units a provincial
supervision clerk would accept (labelled by hand; its ``about`` says how). The report is decomposed
with the shipped vocabulary, exactly as an import without an admin-edited vocabulary does.

Printed, over the labelled tasks found in the parser's output (matched by text):
- ``top1``: of the tasks given a suggestion, the share whose first suggestion is acceptable
  (on a task with no acceptable unit, any suggestion is wrong);
- ``coverage``: the share of tasks given any suggestion;
- ``useful``: the share of all tasks whose first suggestion is acceptable (top1 × coverage);
- ``silent_ok``: of the tasks with no acceptable unit, the share given no suggestion.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LABELS = ROOT / "tests" / "workplan" / "fixtures" / "units" / "seed_units.json"
REPORT = ROOT / "duban" / "data" / "shanxi_2021_government_work_report.txt"


def score(labels_path: Path = LABELS, report_path: Path = REPORT) -> dict:
    from duban.workplan import decompose

    labels = json.loads(labels_path.read_text("utf-8"))
    d = decompose(report_path.read_bytes(), name=report_path.name)
    by_text = {t["text"].strip(): t for t in d["tasks"] if t["plan_year"] == labels["plan_year"]}
    rows = []
    for g in labels["tasks"]:
        t = by_text.get(g["text"])
        if t is None:
            rows.append({"id": g["id"], "text": g["text"], "found": False})
            continue
        sugg = [s["name"] for s in t["suggested_units"]]
        top = sugg[0] if sugg else None
        rows.append(
            {
                "id": g["id"],
                "text": g["text"],
                "found": True,
                "accept": g["accept"],
                "top": top,
                "because": t["suggested_units"][0]["because"] if sugg else [],
                "ok": top is not None and top in g["accept"],
                "any_ok": any(s in g["accept"] for s in sugg),
            }
        )
    found = [r for r in rows if r["found"]]
    suggested = [r for r in found if r["top"] is not None]
    empty = [r for r in found if not r["accept"]]
    ok = sum(r["ok"] for r in suggested)
    return {
        "tasks": len(labels["tasks"]),
        "found": len(found),
        "suggested": len(suggested),
        "accepted": ok,
        "top1": ok / len(suggested) if suggested else 0.0,
        "coverage": len(suggested) / len(found) if found else 0.0,
        "useful": ok / len(found) if found else 0.0,
        "in_list": sum(r["any_ok"] for r in found) / len(found) if found else 0.0,
        "silent_ok": sum(r["top"] is None for r in empty) / len(empty) if empty else 1.0,
        "rows": rows,
    }


def _short(name: str | None) -> str:
    return "—" if name is None else name.replace("山西省人民政府", "").replace("山西省", "")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.unit_quality", description=__doc__.split("\n")[0])
    p.add_argument("--labels", type=Path, default=LABELS)
    p.add_argument(
        "--verbose", action="store_true", help="list every task whose first suggestion is wrong or missing"
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    s = score(args.labels)
    if args.json:
        print(json.dumps({k: v for k, v in s.items() if k != "rows"}, ensure_ascii=False))
        return 0
    print(
        f"tasks {s['tasks']} (found {s['found']})  top1 {s['top1']:.3f} ({s['accepted']}/{s['suggested']})  "
        f"coverage {s['coverage']:.3f}  useful {s['useful']:.3f}  in_list {s['in_list']:.3f}  "
        f"silent_ok {s['silent_ok']:.3f}"
    )
    if args.verbose:
        for r in s["rows"]:
            if not r["found"]:
                print(f"  MISSING {r['id']} {r['text'][:40]}")
            elif not r["ok"]:
                accept = "、".join(_short(a) for a in r["accept"]) or "（无）"
                print(
                    f"  {r['id']:<9} {_short(r['top']):<14} {','.join(r['because'])[:30]:<30} "
                    f"want {accept} | {r['text'][:40]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
