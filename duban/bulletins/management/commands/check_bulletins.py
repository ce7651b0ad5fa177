from django.core.management.base import BaseCommand, CommandError

from duban.bulletins import selectors


class Command(BaseCommand):
    help = (
        "Recompute every published bulletin's figures from the items at its moment with the rules "
        "it used; exit non-zero naming those whose stored figures differ (a deadline moved after "
        "publication, or a changed record). The stored figures are never rewritten."
    )

    def handle(self, *args, **options):
        checked, wrong = selectors.recheck_bulletins()
        if not wrong:
            self.stdout.write(f"bulletins: {checked} checked, every one recomputes to its stored figures")
            return
        names = "; ".join(f"{pk} {title}" for pk, title in wrong[:20]) + (" …" if len(wrong) > 20 else "")
        raise CommandError(f"{len(wrong)} of {checked} bulletins recompute differently: {names}")
