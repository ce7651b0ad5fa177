"""Load the department vocabulary (unit name → work keywords) into the editable table."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.plans.services import load_vocabulary

SHIPPED = Path(__file__).resolve().parents[3] / "workplan" / "data" / "unit_vocabulary.csv"


class Command(BaseCommand):
    help = (
        "Load a unit,keywords CSV (default: the vocabulary shipped with the parser) into the editable table"
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(SHIPPED))

    def handle(self, *args, **opts):
        path = Path(opts["csv"])
        if not path.is_file():
            raise CommandError(f"找不到词表文件：{path}")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [(r[0], r[1]) for r in csv.reader(fh) if len(r) >= 2 and not r[0].startswith("#")]
        if rows and rows[0][0].strip().lower() in {"unit", "name", "单位"}:
            rows = rows[1:]
        written, unknown = load_vocabulary(rows=rows)
        self.stdout.write(f"loaded {written} units")
        for name in unknown:
            self.stderr.write(f"unknown unit, skipped: {name}")
