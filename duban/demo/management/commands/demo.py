"""``duban demo [--addr 127.0.0.1:8000] [--no-serve] [--reset]``: a ready-to-try Duban.

Creates the database under DUBAN_DATA_DIR (SQLite) or uses DATABASE_URL, loads the Shanxi org
tree, creates demo logins and a few dozen items in every state, prints the logins, then serves
them the way production does (``duban serve --demo``: gunicorn, static files collected) with the
task worker beside it. Running it again on a demo database adds nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from duban.notify import sweep, worker
from duban.notify.worker import drain

from .serve import DEFAULT_ADDR, is_sqlite, prepare_database, run_server, split_addr, sqlite_path, url_for


def demo_channels(addr: str) -> str:
    """Unless real ones are configured, e-mail and SMS go to files under the data directory,
    so a demo user's reminders are there to read. Returns where the e-mails go."""
    settings.DUBAN_BASE_URL = url_for(addr).rstrip("/")
    if not settings.DUBAN_EMAIL_ENABLED:
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(settings.DATA_DIR / "outbox")
        settings.DUBAN_EMAIL_ENABLED = True
    if not settings.DUBAN_SMS_BACKEND:
        settings.DUBAN_SMS_BACKEND = "duban.notify.channels.FileSmsBackend"
    return getattr(settings, "EMAIL_FILE_PATH", "") or settings.EMAIL_HOST


def start_worker(addr: str):
    """The task worker and the sweep beside the server, so a demo user sees notifications arrive
    as they would in production. Returns the function that stops it.

    A process of its own (``duban demo --worker``), not a thread: gunicorn forks its workers from
    this process, and a fork taken while another thread holds a lock inherits the lock held."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "duban", "demo", "--worker", "--addr", addr], stdin=subprocess.DEVNULL
    )
    owner = os.getpid()

    def halt() -> None:
        if os.getpid() != owner:
            return  # a gunicorn worker leaving: the worker process is the server's to stop
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    return halt


def run_worker(addr: str) -> None:
    """``duban demo --worker``: the worker loop with the demo's mail and SMS files, until SIGTERM
    or SIGINT (Ctrl-C reaches the whole process group), or until the demo that started it is gone."""
    demo_channels(addr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()

    def orphaned() -> None:
        while not stop.wait(1):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=orphaned, name="demo-parent-watch", daemon=True).start()
    worker.run(stop)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "Build (or reuse) a demo database with Shanxi's org tree, demo logins and items, then serve it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default=DEFAULT_ADDR, help=f"host:port to bind (default {DEFAULT_ADDR})"
        )
        parser.add_argument("--no-serve", action="store_true", help="build the demo data and exit")
        parser.add_argument("--reset", action="store_true", help="delete the SQLite demo database first")
        parser.add_argument(
            "--worker", dest="worker_only", action="store_true", help=argparse.SUPPRESS
        )  # start_worker's

    def handle(self, *args, addr: str, no_serve: bool, reset: bool, worker_only: bool, **options):
        from duban.demo.builder import DEMO_PASSWORD, build_demo, logins

        split_addr(addr)
        if worker_only:
            run_worker(addr)
            return
        if reset:
            self._reset()
        prepare_database(verbosity=max(0, options["verbosity"] - 1))
        outbox = demo_channels(addr)
        result = build_demo()
        if result.failures:
            for message in result.failures:
                self.stderr.write(_("演示数据中有一步未能完成：%(message)s") % {"message": message})
        if result.skipped:
            self.stdout.write(_("演示数据已存在，未重复创建。"))
        else:
            self.stdout.write(
                _("已创建演示事项 %(items)d 项（工作报告任务来源：%(source)s）。")
                % {"items": result.items_created, "source": result.work_report_source}
            )
        if is_sqlite():
            self.stdout.write(_("数据库：%(path)s") % {"path": sqlite_path()})
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
        rows = [[_("用户名"), _("姓名"), _("单位"), _("角色")]]
        rows += [[r["username"], r["name"], r["unit"], r["role"]] for r in logins()]
        for line in table(rows):
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write(_("访问地址：%(url)s") % {"url": url_for(addr)})
        # Reminders that are due now, and the deliveries the build queued, before anyone logs in.
        told = sweep.run_once()
        drain()
        self.stdout.write(
            _("提醒：已生成 %(n)d 条定时提醒；邮件存于 %(mail)s，短信存于 %(sms)s。")
            % {"n": sum(told.alerts.values()), "mail": outbox, "sms": settings.DUBAN_SMS_FILE}
        )
        if no_serve:
            self.stdout.write(_("运行 duban serve 或 duban demo 启动服务。"))
            return
        # The web layer shows demo hints (logins on the sign-in page) only in demo mode.
        settings.DEMO_MODE = True
        stop = start_worker(addr)
        try:
            # The production path, with the public key a demo may keep and no access log
            # drowning the logins printed above.
            run_server(addr, access_log=False)
        finally:
            stop()

    def _reset(self) -> None:
        if not is_sqlite():
            raise CommandError(
                _("--reset 只用于 SQLite 演示数据库；PostgreSQL 数据库请自行清理。"), returncode=2
            )
        connections.close_all()
        path = sqlite_path()
        for suffix in ("", "-wal", "-shm", "-journal"):
            target = path.with_name(path.name + suffix)
            if target.exists():
                target.unlink()
        self.stdout.write(_("已删除 %(path)s") % {"path": path})
