from django.core.management.base import BaseCommand, CommandError

from duban.backup.db import BackupError
from duban.backup.services import create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent snapshot) and every stored file it refers to, with a "
        "manifest of checksums, into OUT: a new directory, or a .tar file. The journal key is not "
        "included; keep it apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="a path that does not exist yet (e.g. /var/backups/duban/2026-12-06)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            result = create_backup(options["out"], database=options["database"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        head = m["journal_head"]
        self.stdout.write(
            f"backup written to {result.path}: {m['database']['vendor']} database "
            f"({m['database']['size']} bytes), {m['files']['count']} files ({m['files']['bytes']} bytes), "
            f"journal head seq {head.get('seq')}"
        )
        if result.missing:
            # The backup is complete and faithful; the instance itself has lost these files.
            self.stderr.write(
                f"warning: {len(result.missing)} file(s) named by rows were not on disk and are not in the backup:"
            )
            for name in result.missing:
                self.stderr.write(f"  {name}")
        if result.damaged:
            self.stderr.write(
                f"warning: {len(result.damaged)} stored file(s) no longer match their checksum "
                "(backed up as they are; restore them from an older backup):"
            )
            for name in result.damaged:
                self.stderr.write(f"  {name}")
