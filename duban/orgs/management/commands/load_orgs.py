from django.core.management.base import BaseCommand

from duban.orgs.services import load_shanxi


class Command(BaseCommand):
    help = "Load the shipped Shanxi org tree (divisions and provincial departments); idempotent."

    def handle(self, *args, **options):
        units, depts = load_shanxi()
        self.stdout.write(f"divisions created: {units}, departments created: {depts}")
