from django.core.management.base import BaseCommand, CommandError

from duban.core.clock import to_local
from duban.core.errors import DubanError
from duban.orgs.models import User
from duban.orgs.rules import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX
from duban.orgs.services import create_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it once (only its SHA-256 is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the script's name")
        parser.add_argument(
            "--days",
            type=int,
            default=TOKEN_DAYS_DEFAULT,
            help=f"Days until the token expires (1–{TOKEN_DAYS_MAX}, default {TOKEN_DAYS_DEFAULT})",
        )

    def handle(self, *args, username, name, days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        try:
            token, raw = create_token(actor=None, user=user, name=name, days=days)
        except DubanError as exc:
            raise CommandError(exc.message) from exc
        expires = to_local(token.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stderr.write(
            f"已为 {user.username} 创建令牌“{token.name}”，{expires} 到期（只显示这一次，请妥善保存）："
        )
        self.stdout.write(raw)
