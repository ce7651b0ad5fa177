"""Load the department vocabulary (unit name → work keywords) into the editable table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.plans.services import load_vocabulary
from duban.workplan.units import read_vocabulary_file


class Command(BaseCommand):
    help = (
        "Load a unit,keywords CSV (default: the vocabulary shipped with the parser) into the editable table"
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?")

    def handle(self, *args, **opts):
        path = opts["csv"]
        if path and not Path(path).is_file():
            raise CommandError(f"找不到词表文件：{path}")
        written, unknown = load_vocabulary(rows=read_vocabulary_file(path))
        self.stdout.write(f"loaded {written} units")
        for name in unknown:
            self.stderr.write(f"unknown unit, skipped: {name}")
