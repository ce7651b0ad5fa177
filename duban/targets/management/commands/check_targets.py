from django.core.management.base import BaseCommand, CommandError

from duban.targets import services


class Command(BaseCommand):
    help = (
        "Compare every target's stored copy of its current figures (Target.series) with its Figure "
        "rows; exit non-zero naming those that differ. --fix rewrites them from the rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="rewrite the differing copies from the figures"
        )

    def handle(self, *args, fix=False, **options):
        wrong = services.check_series(fix=fix)
        if not wrong:
            self.stdout.write("targets: every stored series equals its figures")
            return
        ids = ", ".join(str(i) for i in wrong[:50]) + (" …" if len(wrong) > 50 else "")
        if fix:
            self.stdout.write(f"targets: rewrote {len(wrong)} series from their figures: {ids}")
            return
        raise CommandError(f"{len(wrong)} targets' stored series differ from their figures: {ids}")
