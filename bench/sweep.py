"""The reminder sweep and the delivery worker at province scale (see docs/PERFORMANCE.md).

    .venv/bin/python -m bench.sweep --sqlite /tmp/bench-200k.sqlite3 \\
        --pg-url postgres://bench:bench@127.0.0.1:55433/bench_200k --rounds 3

Each round works on a fresh copy of every database (a file copy for SQLite, ``CREATE DATABASE …
TEMPLATE`` for PostgreSQL), rounds interleaved across backends. In each copy a worker process
times:

  first   one sweep pass over a database that was never swept: every open track is looked at
          (the generator sets each open track's ``Watch.sweep_at`` to its last change)
  second  the pass right after, with nothing new
  minute  a pass one minute later (what ``duban worker`` does every minute)
  day     a pass one day later: all that became due in a day at once (a worker down for a day)

and counts the SQL queries of each. With ``--deliveries N`` it then measures the worker:
N webhook deliveries to a local HTTP robot and N e-mails to a local SMTP server (aiosmtpd),
queued and drained through django-tasks-db, reported as deliveries per second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _log(msg: str) -> None:
    print(f"[sweep {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Worker: one Django process on one database copy


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _timed(fn):
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        out = fn()
        dt_ = time.perf_counter() - t0
    return out, dt_, counter.n


def _robot_server() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/robot/send?access_token=bench"


def _deliveries(n: int) -> dict:
    """Queue ``n`` deliveries per channel on existing alerts and drain them; deliveries/s."""
    from django.conf import settings
    from django.db import transaction

    from duban.core.clock import now
    from duban.notify.models import Alert, Channel, Delivery, DeliveryState, Flavour, Robot
    from duban.notify.tasks import enqueue
    from duban.notify.worker import drain
    from duban.orgs.models import OrgUnit, User

    httpd, url = _robot_server()
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "250 OK"

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
    smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.DUBAN_EMAIL_ENABLED = True
    out = {}
    try:
        alerts = list(Alert.objects.order_by("id").values_list("id", flat=True)[:n])
        unit = OrgUnit.objects.get(code="140000")
        at = now()
        robot = Robot.objects.create(
            unit=unit, name="bench", flavour=Flavour.DINGTALK, url=url, secret="SECbench", created_at=at
        )
        users = list(User.objects.filter(is_active=True).order_by("id")[: len(alerts)])
        for u in users:
            u.email = f"u{u.pk}@bench.local"
        User.objects.bulk_update(users, ["email"])
        for channel in (Channel.WEBHOOK, Channel.EMAIL):
            rows = []
            for i, alert_id in enumerate(alerts):
                user = users[i % len(users)]
                rows.append(
                    Delivery(
                        alert_id=alert_id,
                        channel=channel,
                        target=f"r{robot.pk}" if channel == Channel.WEBHOOK else f"u{user.pk}",
                        robot=robot if channel == Channel.WEBHOOK else None,
                        recipient=None if channel == Channel.WEBHOOK else user,
                        address=url if channel == Channel.WEBHOOK else user.email,
                        state=DeliveryState.QUEUED,
                        not_before=at,
                        created_at=at,
                        updated_at=at,
                    )
                )
            with transaction.atomic():
                made = Delivery.objects.bulk_create(rows, batch_size=500)
            ids = (
                [d.pk for d in made]
                if made and made[0].pk
                else list(
                    Delivery.objects.filter(channel=channel, created_at=at).values_list("id", flat=True)
                )
            )
            t0 = time.perf_counter()
            enqueue(ids)
            t_enqueue = time.perf_counter() - t0
            t0 = time.perf_counter()
            drain()
            t_drain = time.perf_counter() - t0
            sent = Delivery.objects.filter(pk__in=ids, state=DeliveryState.SENT).count()
            out[channel] = {
                "n": len(ids),
                "sent": sent,
                "enqueue_s": round(t_enqueue, 3),
                "drain_s": round(t_drain, 3),
                "per_s": round(sent / t_drain, 1) if t_drain else None,
            }
    finally:
        smtp.stop()
        httpd.shutdown()
    return out


def _worker(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    import datetime as dt

    from django.db import connection

    from duban.core.clock import now, travel_to
    from duban.items.models import Track
    from duban.notify import sweep
    from duban.notify.models import Alert, Delivery, Notification, Watch

    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode=WAL")
    start = now()
    open_tracks = Track.objects.exclude(state="closed").count()
    due = Watch.objects.filter(sweep_at__lte=start).count()
    result: dict = {"vendor": connection.vendor, "open_tracks": open_tracks, "to_look_at": due}
    with travel_to(start):
        first, t1, q1 = _timed(sweep.run_once)
        second, t2, q2 = _timed(sweep.run_once)
    with travel_to(start + dt.timedelta(minutes=1)):
        third, t3, q3 = _timed(sweep.run_once)
    # A day later: everything that became due over a day at once (a worker down for a day).
    with travel_to(start + dt.timedelta(days=1)):
        fourth, t4, q4 = _timed(sweep.run_once)
    result["passes"] = {
        "first": {"s": round(t1, 3), "queries": q1, "tracks": first.tracks, "claimed": first.claimed,
                  "alerts": sum(first.alerts.values()), "by_kind": dict(first.alerts)},
        "second": {"s": round(t2, 3), "queries": q2, "tracks": second.tracks, "alerts": sum(second.alerts.values())},
        "minute": {"s": round(t3, 3), "queries": q3, "tracks": third.tracks, "alerts": sum(third.alerts.values())},
        "day": {"s": round(t4, 3), "queries": q4, "tracks": fourth.tracks, "alerts": sum(fourth.alerts.values())},
    }  # fmt: skip
    result["inbox_rows"] = Notification.objects.count()
    result["alerts"] = Alert.objects.count()
    result["deliveries_from_sweep"] = Delivery.objects.count()
    result["inbox_rows_per_s"] = round(result["inbox_rows"] / t1, 1) if t1 else None
    if args.deliveries:
        result["worker"] = _deliveries(args.deliveries)
    return result


# ---------------------------------------------------------------------------------------------
# Orchestrator


def _copy_sqlite(src: str, work: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(work + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(src)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(src, work)


def _pg(url: str, sql: str) -> None:
    import psycopg

    base, _name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _run(backend: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="duban.settings")
    cleanup = None
    if backend == "sqlite":
        work = str(Path(args.sqlite).with_name("sweep-work.sqlite3"))
        _copy_sqlite(args.sqlite, work)
        env.pop("DATABASE_URL", None)
        env["DUBAN_SQLITE_PATH"] = work
    else:
        base, name = args.pg_url.rsplit("/", 1)
        work_name = f"{name}_sweepwork"
        _pg(args.pg_url, f'DROP DATABASE IF EXISTS "{work_name}"')
        _pg(args.pg_url, f'CREATE DATABASE "{work_name}" TEMPLATE "{name}"')
        env["DATABASE_URL"] = f"{base}/{work_name}"

        def cleanup():
            _pg(args.pg_url, f'DROP DATABASE IF EXISTS "{work_name}"')

    cmd = [sys.executable, "-m", "bench.sweep", "--worker"]
    if args.deliveries:
        cmd += ["--deliveries", str(args.deliveries)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    finally:
        if cleanup:
            cleanup()
    if proc.returncode != 0:
        raise SystemExit(f"worker failed on {backend}:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqlite", help="the generated SQLite database (left untouched; a copy is swept)")
    p.add_argument("--pg-url", help="the generated PostgreSQL database (used as a template)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--deliveries", type=int, default=0, help="also measure the worker on N deliveries per channel"
    )
    p.add_argument("--out", help="write every round's results as JSON here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args), ensure_ascii=False))
        return 0
    backends = [b for b, where in (("sqlite", args.sqlite), ("postgresql", args.pg_url)) if where]
    rounds: dict[str, list[dict]] = {b: [] for b in backends}
    for r in range(args.rounds):
        for b in backends:  # interleaved: the machine's speed drifts between rounds
            _log(f"round {r + 1}/{args.rounds} on {b}")
            res = _run(b, args)
            rounds[b].append(res)
            _log(json.dumps(res["passes"], ensure_ascii=False))
    if args.out:
        Path(args.out).write_text(json.dumps(rounds, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"{'backend':<11} {'pass':<7} {'median s':>9} {'min s':>7} {'max s':>7} {'queries':>8} {'tracks':>7} {'alerts':>7}"
    )
    for b, results in rounds.items():
        for name in ("first", "second", "minute", "day"):
            secs = [x["passes"][name]["s"] for x in results]
            last = results[-1]["passes"][name]
            print(
                f"{b:<11} {name:<7} {statistics.median(secs):>9.3f} {min(secs):>7.3f} {max(secs):>7.3f} "
                f"{last['queries']:>8} {last['tracks']:>7} {last['alerts']:>7}"
            )
        last = results[-1]
        print(
            f"{b}: open tracks {last['open_tracks']}, inbox rows {last['inbox_rows']}, alerts {last['alerts']}"
        )
        if "worker" in last:
            for channel, w in last["worker"].items():
                rates = [x["worker"][channel]["per_s"] for x in results]
                print(
                    f"{b}: worker {channel}: {w['sent']}/{w['n']} sent, median {statistics.median(rates)} /s"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
