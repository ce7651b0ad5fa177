"""duban check-dashboard [--fix]: compare the dashboard's stored roll-up (closed tracks and those
closed on time, per unit and month) with what the tracks and their nodes say."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from duban.dashboard import rollup


class Command(BaseCommand):
    help = "Compare the dashboard's closed-track roll-up with the tracks; --fix rewrites it."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rewrite the roll-up from the tracks")

    def handle(self, *args, fix: bool = False, **options):
        diffs = rollup.differences()
        for (unit_id, month), have, want in diffs[:50]:
            self.stdout.write(
                f"unit {unit_id} {month:%Y-%m}: stored {have[:4] if have else None}, "
                f"tracks say {want[:4] if want else None} (closed, on time, work-report closed, on time)"
            )
        if len(diffs) > 50:
            self.stdout.write(f"… and {len(diffs) - 50} more")
        if not diffs:
            self.stdout.write("dashboard roll-up agrees with the tracks")
            return
        if fix:
            rollup.rebuild()
            self.stdout.write(f"rewrote the roll-up ({len(diffs)} rows differed)")
            return
        raise CommandError(f"{len(diffs)} roll-up rows differ from the tracks (run with --fix)")
