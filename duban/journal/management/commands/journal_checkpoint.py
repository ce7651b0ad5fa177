from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.core.clock import now
from duban.core.errors import DubanError
from duban.journal import keys
from duban.journal.models import Checkpoint
from duban.journal.services import Anchor, signature_ok, take_checkpoint, verify


class Command(BaseCommand):
    help = (
        "Sign the journal's head (seq, hash, time) with the journal key, store it and print it as one "
        "DUBAN-CP line to keep outside the database; --export FILE writes every stored checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--export", metavar="FILE", help="write all stored checkpoints to FILE ('-' = stdout); takes none"
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="sign the head without first verifying the chain (a checkpoint vouches for all before it)",
        )

    def handle(self, *args, export=None, no_verify=False, **options):
        try:
            if export:
                return self.export(export)
            if not no_verify:
                # Outside the head's lock: verifying millions of rows must not hold up writers.
                # Rows appended meanwhile are the application's own, written under the key.
                verdict = verify()
                if not verdict.ok:
                    where = f"第 {verdict.broken_seq} 行：" if verdict.broken_seq is not None else ""
                    raise CommandError(f"日志校验未通过，拒绝签署检查点：{where}{verdict.reason}")
            cp = take_checkpoint(actor=None)
            fp = keys.fingerprint(keys.load())
        except keys.JournalKeyError as exc:
            raise CommandError(str(exc)) from exc
        except DubanError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(Anchor.of(cp).line)
        self.stderr.write(
            f"已签署日志第 {cp.seq} 行（密钥指纹 {fp}）。请把上面这一行保存在系统之外（印在通报里、发邮件），"
            f"以后用 duban verify-journal --since '<这一行>' 核对日志。"
        )

    def export(self, target: str) -> None:
        key = keys.load()
        anchors = [Anchor.of(cp) for cp in Checkpoint.objects.order_by("seq")]
        forged = [a.seq for a in anchors if not signature_ok(a, key)]
        if forged:
            raise CommandError(f"这些检查点的签名不符，拒绝导出：第 {', '.join(map(str, forged))} 行")
        text = "".join(
            [
                f"# Duban journal checkpoints, exported {now().strftime('%Y-%m-%d %H:%M %z')}, "
                f"key fingerprint {keys.fingerprint(key)}\n",
                "# check with: duban verify-journal --since THIS_FILE\n",
                *(a.line + "\n" for a in anchors),
            ]
        )
        if target == "-":
            self.stdout.write(text, ending="")
            return
        Path(target).write_text(text, encoding="utf-8")
        self.stderr.write(f"已导出 {len(anchors)} 个检查点到 {target}")
