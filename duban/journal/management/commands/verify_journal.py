from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.journal import keys
from duban.journal.models import Checkpoint
from duban.journal.services import LINE_PREFIX, Anchor, parse_line, verify

MAX_FILE_BYTES = 10 * 1024 * 1024


def anchors_from(value: str) -> list[Anchor]:
    """--since takes a checkpoint's seq, a DUBAN-CP line, or a file of them (an export)."""
    value = value.strip()
    if value.isdigit():
        cp = Checkpoint.objects.filter(seq=int(value)).first()
        if cp is None:
            raise CommandError(
                f"没有第 {value} 行的检查点（被删除了？请改用保存在系统之外的 {LINE_PREFIX} 行）"
            )
        return [Anchor.of(cp)]
    try:
        if value.startswith(LINE_PREFIX):
            return [parse_line(value)]
        path = Path(value)
        if not path.is_file():
            raise CommandError(f"--since 应为检查点的行号、{LINE_PREFIX} 行或检查点文件：{value[:80]}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"检查点文件太大（最多 {MAX_FILE_BYTES // 1024 // 1024} MB）：{path}")
        lines = [
            line for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")
        ]
        if not lines:
            raise CommandError(f"检查点文件里没有检查点：{path}")
        return [parse_line(line) for line in lines]
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Re-compute the journal's keyed hash chain and name the first broken row; every stored "
        "checkpoint (and those given with --since) must still match and lie within the chain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="CHECKPOINT",
            help=f"a checkpoint kept outside the database: its seq, a '{LINE_PREFIX} …' line, or an exported file",
        )

    def handle(self, *args, since=None, **options):
        anchors = anchors_from(since) if since else []
        try:
            verdict = verify(since=anchors)
        except keys.JournalKeyError as exc:
            raise CommandError(str(exc)) from exc
        if not verdict.ok:
            where = f" at seq {verdict.broken_seq}" if verdict.broken_seq is not None else ""
            raise CommandError(f"BROKEN{where}: {verdict.reason} (verified {verdict.checked} rows before it)")
        notes = []
        if verdict.checked:
            notes.append(f"key {keys.fingerprint(keys.load())}")
        if verdict.keyed_from > 1:
            notes.append(f"rows 1–{verdict.keyed_from - 1} predate the key (plain SHA-256)")
        if verdict.anchors:
            notes.append(f"{verdict.anchors} checkpoints hold")
        self.stdout.write(f"OK: {verdict.checked} events, chain intact" + "".join(f"; {n}" for n in notes))
