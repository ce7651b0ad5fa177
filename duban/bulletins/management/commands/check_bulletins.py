"""duban check-bulletins [--fix]: recompute published bulletins, and check the settled figures of
closed tracks (``ClosedTrack``) against their histories."""

from django.core.management.base import BaseCommand, CommandError

from duban.bulletins import rollup, selectors


class Command(BaseCommand):
    help = (
        "Recompute every published bulletin's figures from the items at its moment with the rules "
        "it used, and every closed track's settled figures from its history; exit non-zero naming "
        "the bulletins whose stored figures differ (a deadline moved after publication, or a changed "
        "record) and the settled rows that differ. The stored figures of a bulletin are never "
        "rewritten; --fix rewrites the settled rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rewrite the settled rows of closed tracks")
        parser.add_argument(
            "--journal",
            action="store_true",
            help="also replay every published bulletin from the journal's events (reads the whole journal)",
        )

    def handle(self, *args, fix: bool = False, journal: bool = False, **options):
        problems = []
        diffs = rollup.differences()
        for pk, have, want in diffs[:20]:
            self.stdout.write(f"track {pk}: settled row {have or None}, its history says {want}")
        if len(diffs) > 20:
            self.stdout.write(f"… and {len(diffs) - 20} more")
        if diffs and fix:
            rollup.rebuild()
            self.stdout.write(f"rewrote the settled rows ({len(diffs)} differed)")
        elif diffs:
            problems.append(
                f"{len(diffs)} settled rows of closed tracks differ from their histories (run with --fix)"
            )
        else:
            self.stdout.write("settled rows of closed tracks agree with their histories")
        checked, wrong = selectors.recheck_bulletins()
        if wrong:
            names = "; ".join(f"{pk} {title}" for pk, title in wrong[:20]) + (" …" if len(wrong) > 20 else "")
            problems.append(f"{len(wrong)} of {checked} bulletins recompute differently: {names}")
        else:
            self.stdout.write(f"bulletins: {checked} checked, every one recomputes to its stored figures")
        if journal:
            checked, wrong = selectors.recheck_bulletins(from_journal=True)
            if wrong:
                names = "; ".join(f"{pk} {title}" for pk, title in wrong[:20])
                problems.append(
                    f"{len(wrong)} of {checked} bulletins replay from the journal differently: {names}"
                )
            else:
                self.stdout.write(f"bulletins: {checked} replayed from the journal to their stored figures")
        if problems:
            raise CommandError("; ".join(problems))
