from django.core.management.base import BaseCommand, CommandError

from duban.backup.db import BackupError
from duban.backup.services import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `duban backup` into an empty database and MEDIA_ROOT: every "
        "checksum is verified before anything is written, the result is checked against the "
        "manifest and the journal verified after. Stop the server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup directory or .tar")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that already has data (it is lost)"
        )

    def handle(self, *args, **options):
        try:
            result = restore_backup(options["source"], database=options["database"], force=options["force"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        self.stdout.write(
            f"restored the backup of {m['created_at']}: {sum(m['counts'].values())} rows in "
            f"{len(m['counts'])} tables, {result.files_written} files written, "
            f"{result.files_kept} already in place; journal: {result.journal}"
        )
        if result.pending_migrations:
            self.stdout.write(
                f"the backup predates {result.pending_migrations} migration(s) of this version: "
                "run `duban migrate` (or `duban serve`, which does) before serving"
            )
        if m.get("missing_files"):
            self.stderr.write(
                f"warning: {len(m['missing_files'])} file(s) were already missing when the backup was made"
            )
