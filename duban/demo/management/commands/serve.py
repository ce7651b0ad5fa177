"""``duban serve [--addr 127.0.0.1:8000]``: migrate the database, then serve the web UI and API.

Django's threaded runserver without the reloader, serving static files itself (``--insecure``),
so a single command runs the embedded install with nothing to collect or configure.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

DEFAULT_ADDR = "127.0.0.1:8000"


def is_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def prepare_database(*, verbosity: int = 0) -> None:
    """Create the SQLite file's directory if needed and bring the schema up to date."""
    if is_sqlite():
        sqlite_path().parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=verbosity)


def split_addr(addr: str) -> tuple[str, str]:
    """ "8000" → ("127.0.0.1", "8000"); "0.0.0.0:80" → ("0.0.0.0", "80")."""
    host, sep, port = addr.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", addr
    if not port.isdigit():
        raise CommandError(f"地址格式应为 主机:端口，例如 {DEFAULT_ADDR}")
    return host or "127.0.0.1", port


def url_for(addr: str) -> str:
    host, port = split_addr(addr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


def run_server(addr: str) -> None:
    host, port = split_addr(addr)
    # Requests to an address we were told to bind must not be refused as a bad Host header.
    if host not in ("0.0.0.0", "::") and host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    connections.close_all()  # the server's threads open their own
    call_command(
        "runserver",
        f"{host}:{port}",
        use_reloader=False,
        use_threading=True,
        insecure_serving=True,
    )


class Command(BaseCommand):
    help = "Apply migrations and serve Duban (web UI, API and static files) on one address."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default=DEFAULT_ADDR, help=f"host:port to bind (default {DEFAULT_ADDR})"
        )

    def handle(self, *args, addr: str, **options):
        split_addr(addr)
        prepare_database(verbosity=max(0, options["verbosity"] - 1))
        if addr.startswith(("0.0.0.0", "::")):
            self.stdout.write(
                "提示：绑定所有网卡时，请用环境变量 DUBAN_ALLOWED_HOSTS 列出访问本机所用的域名或地址。"
            )
        run_server(addr)
