from django.core.management.base import BaseCommand, CommandError

from duban.journal.services import verify


class Command(BaseCommand):
    help = "Re-compute the journal's hash chain and name the first broken row."

    def handle(self, *args, **options):
        verdict = verify()
        if verdict.ok:
            self.stdout.write(f"OK: {verdict.checked} events, chain intact")
            return
        raise CommandError(
            f"BROKEN at seq {verdict.broken_seq}: {verdict.reason} (verified {verdict.checked} rows before it)"
        )
