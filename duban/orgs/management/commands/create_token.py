from django.core.management.base import BaseCommand, CommandError

from duban.api.auth import issue_token
from duban.core.errors import DubanError
from duban.orgs.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print it once (only its SHA-256 is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the script's name")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        try:
            token, raw = issue_token(actor=None, user=user, name=name)
        except DubanError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"已为 {user.username} 创建令牌“{token.name}”（只显示这一次，请妥善保存）：")
        self.stdout.write(raw)
