from django.core.management.base import BaseCommand

from duban.notify import sweep


class Command(BaseCommand):
    help = "One pass of the reminder sweep: tell what has become due, release waiting deliveries, then exit."

    def handle(self, *args, **options):
        result = sweep.run_once()
        self.stdout.write(str(result))
