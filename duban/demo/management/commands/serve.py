"""``duban serve``: migrate, collect the static files, then serve the web UI and API with gunicorn.

The production path (docs/DEPLOY.md): gunicorn workers × threads, static files from the app itself
(whitenoise), request line and header caps at the HTTP parser. It refuses to start with the
public fallback secret key; an embedded install (SQLite, one host) gets a key of its own written
to ``$DUBAN_DATA_DIR/secret_key`` on its first start instead. ``--demo`` (what ``duban demo``
runs) accepts the fallback key; ``--dev`` is Django's development server, as before.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.utils import get_random_secret_key
from django.db import connections

DEFAULT_ADDR = "127.0.0.1:8000"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
# gunicorn's own defaults: a request line (method, path and query) of 4094 bytes and 100 header
# fields. The longest line the UI makes is a filtered list's query string, far below.
DEFAULT_LIMIT_REQUEST_LINE = 4094
DEFAULT_LIMIT_REQUEST_FIELDS = 100
# A request taking longer than this is killed with its worker: an export of the largest allowed
# item list (DUBAN_EXPORT_MAX_ROWS) or a province's 通报 stays well inside it.
DEFAULT_TIMEOUT = 120


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
    return host.strip("[]") or "127.0.0.1", port


def url_for(addr: str) -> str:
    host, port = split_addr(addr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


# --- The secret key -----------------------------------------------------------------------------


def weak_key(key: str) -> bool:
    """Django's own test (check --deploy's security.W009) plus our public fallback."""
    return (
        key == settings.INSECURE_SECRET_KEY
        or len(key) < 50
        or len(set(key)) < 5
        or key.startswith("django-insecure-")
    )


def ensure_secret_key() -> str | None:
    """Make sure the server signs sessions with a key of its own; returns a line to print, if any.

    Refused (CommandError): a weak DUBAN_SECRET_KEY or key file, and no key at all on PostgreSQL,
    where several app hosts must share one key, so none of them may invent its own. An embedded
    install (SQLite: one host by nature) gets a random key written 0600 to its data directory."""
    if os.environ.get("DUBAN_SECRET_KEY"):
        if weak_key(settings.SECRET_KEY):
            raise CommandError(
                "DUBAN_SECRET_KEY 不安全（公开的默认值，或少于 50 个字符）：请换成至少 50 个随机字符，"
                '例如 python -c "import secrets; print(secrets.token_urlsafe(50))" 的输出。',
                returncode=2,
            )
        return None
    path = Path(settings.SECRET_KEY_FILE)
    if path.exists():
        if weak_key(settings.SECRET_KEY):
            raise CommandError(
                f"密钥文件 {path} 中的密钥不安全（少于 50 个字符）：请删除它后重新启动，或换成新的密钥。",
                returncode=2,
            )
        return None
    if os.environ.get("DUBAN_SECRET_KEY_FILE"):
        raise CommandError(f"DUBAN_SECRET_KEY_FILE 指向的密钥文件 {path} 不存在。", returncode=2)
    if not is_sqlite():
        raise CommandError(
            "未设置密钥：使用 PostgreSQL 时请设置环境变量 DUBAN_SECRET_KEY 或 DUBAN_SECRET_KEY_FILE"
            "（多台应用服务器必须使用同一个密钥）。见 docs/DEPLOY.md。",
            returncode=2,
        )
    key = get_random_secret_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two servers starting at once never overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    settings.SECRET_KEY = key
    return f"已生成本机密钥：{path}（权限 0600；备份数据目录时一并备份，丢失后所有人需重新登录）。"


# --- A database built by the demo ---------------------------------------------------------------


def demo_logins() -> list[str]:
    """Demo usernames that still log in with the demo's published password.

    The hash is checked without ``User.check_password``, which would upgrade and save it."""
    from duban.demo.builder import DEMO_PASSWORD, USERS
    from duban.orgs.models import User

    users = User.objects.filter(username__in=[u[0] for u in USERS], is_active=True).order_by("id")
    return [
        u.username for u in users if u.has_usable_password() and check_password(DEMO_PASSWORD, u.password)
    ]


def demo_warning(names: list[str]) -> str:
    shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
    bar = "!" * 78
    return "\n".join(
        [
            bar,
            f"警告：此数据库含有 duban demo 创建的演示账号，其中 {len(names)} 个仍可用公开的演示密码登录"
            f"（{shown}）。",
            "正式使用前请在 管理 → 人员 中停用这些账号或为其重设密码，或改用新建的数据库。",
            bar,
        ]
    )


# --- Serving ------------------------------------------------------------------------------------


def collect_static() -> None:
    """Copy the apps' static files (with gzip copies) into STATIC_ROOT and serve them from there."""
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.WHITENOISE_USE_FINDERS = False


def _allow_bound_host(host: str) -> None:
    # Requests to an address we were told to bind must not be refused as a bad Host header.
    if host not in ("0.0.0.0", "::") and host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]


def leave_interrupt_to_master(worker) -> None:
    """gunicorn's post_worker_init hook: a worker ignores SIGINT; the master stops it.

    A terminal's Ctrl-C reaches every process of the group, and the master then sends each
    worker SIGQUIT as well. A gthread worker taking the second signal inside its handler for the
    first deadlocks on its thread pool's lock, and the demo hung until the master's SIGKILL."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def gunicorn_options(
    addr: str,
    *,
    workers: int = DEFAULT_WORKERS,
    threads: int = DEFAULT_THREADS,
    timeout: int = DEFAULT_TIMEOUT,
    limit_request_line: int = DEFAULT_LIMIT_REQUEST_LINE,
    limit_request_fields: int = DEFAULT_LIMIT_REQUEST_FIELDS,
    access_log: bool = True,
) -> dict:
    host, port = split_addr(addr)
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        # More than one thread makes gunicorn use its gthread worker.
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "limit_request_line": limit_request_line,
        "limit_request_fields": limit_request_fields,
        "limit_request_field_size": 8190,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "duban",
        # gunicorn's runtime control socket defaults to one path per user ($HOME/.gunicorn), which
        # a second server (another host's demo, the bench) would take over; systemd manages ours.
        "control_socket_disable": True,
        "post_worker_init": leave_interrupt_to_master,
    }


def run_gunicorn(options: dict) -> None:
    """gunicorn in this process: its workers fork from here and inherit the settings as they are
    now (the demo's mail and SMS files, DEMO_MODE, the collected static files, a new key)."""
    from gunicorn.app.base import BaseApplication

    class Duban(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from duban.wsgi import application

            return application

    connections.close_all()  # no connection may be shared by the forked workers
    Duban().run()


def run_dev_server(addr: str) -> None:
    host, port = split_addr(addr)
    _allow_bound_host(host)
    connections.close_all()  # the server's threads open their own
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True, insecure_serving=True)


def run_server(addr: str, **options) -> None:
    """Serve on ``addr`` the production way: static files collected, then gunicorn."""
    host, _port = split_addr(addr)
    _allow_bound_host(host)
    collect_static()
    run_gunicorn(gunicorn_options(addr, **options))


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise ValueError(value)
    return n


class Command(BaseCommand):
    help = "Apply migrations and serve Duban (web UI, API and static files) with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default=DEFAULT_ADDR, help=f"host:port to bind (default {DEFAULT_ADDR})"
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=DEFAULT_WORKERS,
            help=f"worker processes (default {DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--threads",
            type=_positive,
            default=DEFAULT_THREADS,
            help=f"threads per worker (default {DEFAULT_THREADS})",
        )
        parser.add_argument(
            "--timeout",
            type=_positive,
            default=DEFAULT_TIMEOUT,
            help=f"seconds before a stuck request's worker is restarted (default {DEFAULT_TIMEOUT})",
        )
        parser.add_argument(
            "--limit-request-line",
            type=_positive,
            default=DEFAULT_LIMIT_REQUEST_LINE,
            help=f"longest request line in bytes (default {DEFAULT_LIMIT_REQUEST_LINE})",
        )
        parser.add_argument(
            "--limit-request-fields",
            type=_positive,
            default=DEFAULT_LIMIT_REQUEST_FIELDS,
            help=f"most header fields in a request (default {DEFAULT_LIMIT_REQUEST_FIELDS})",
        )
        parser.add_argument("--no-access-log", action="store_true", help="do not log each request to stdout")
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not apply migrations (several app hosts: migrate once)",
        )
        parser.add_argument(
            "--demo", action="store_true", help="serve a demo: the public fallback secret key is accepted"
        )
        parser.add_argument(
            "--dev", action="store_true", help="Django's development server instead of gunicorn"
        )

    def handle(self, *args, addr: str, dev: bool, demo: bool, no_migrate: bool, **options):
        split_addr(addr)
        if not (dev or demo):
            note = ensure_secret_key()
            if note:
                self.stdout.write(note)
        if not no_migrate:
            prepare_database(verbosity=max(0, options["verbosity"] - 1))
        if demo:
            settings.DEMO_MODE = True  # the sign-in page lists the demo logins
        else:
            names = demo_logins()
            if names:
                self.stderr.write(self.style.ERROR(demo_warning(names)))
        if addr.startswith(("0.0.0.0", "::", "[::]")):
            self.stdout.write(
                "提示：绑定所有网卡时，请用环境变量 DUBAN_ALLOWED_HOSTS 列出访问本机所用的域名或地址。"
            )
        sys.stdout.flush()
        if dev:
            run_dev_server(addr)
            return
        run_server(
            addr,
            workers=options["workers"],
            threads=options["threads"],
            timeout=options["timeout"],
            limit_request_line=options["limit_request_line"],
            limit_request_fields=options["limit_request_fields"],
            access_log=not options["no_access_log"],
        )
