"""``flush`` empties every table, the journal included: the one deliberate way past the
journal's append-only triggers. They are lifted for this command and put back after it."""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from duban.journal import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        triggers.drop(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.install(connection)
