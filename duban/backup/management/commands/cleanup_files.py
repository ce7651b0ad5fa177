from django.core.management.base import BaseCommand

from duban.items import blobs


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


class Command(BaseCommand):
    help = (
        "List the stored files (under MEDIA_ROOT/attachments) that no row refers to, with their "
        "sizes; --delete removes them, journaled. Files younger than an hour are never removed: "
        "they may belong to an upload whose transaction has not committed yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove them (default: only list)")

    def handle(self, *args, **options):
        result = blobs.cleanup(delete=options["delete"])
        listed = result.removed if options["delete"] else result.orphans
        for o in listed:
            self.stdout.write(f"{o.name}\t{o.size}")
        total = sum(o.size for o in listed)
        if options["delete"]:
            self.stdout.write(
                f"removed {len(result.removed)} unreferenced file(s), {_size(total)} "
                f"({result.batches} journal row(s))"
            )
        else:
            self.stdout.write(
                f"would remove {len(listed)} unreferenced file(s), {_size(total)} (dry run: pass --delete)"
            )
        if result.young:
            self.stdout.write(
                f"kept {len(result.young)} unreferenced file(s) younger than an hour "
                f"({_size(sum(o.size for o in result.young))}): possibly uploads in flight"
            )
