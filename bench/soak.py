"""The soak test: mixed reads and writes by many users against the production server, bounded.

    python -m bench.soak --database-url postgres://…/bench_200k [--users 30] [--seconds 300]

Prepares personas on the database (county clerks with open tracks, provincial and city
supervisors, the provincial leader, API scripts; each a session or a token), starts gunicorn as
the deployment guide does (2 workers × 4 threads), runs locust headless (``bench/soak_locust.py``)
for the given time, then stops the server and checks:

- no request failed (any status other than the one the page answers with, any connection error);
- every progress report the server accepted is in the database exactly once (counted back by the
  run's mark in the report text), with its journal row;
- the journal's head moved by exactly as many rows as the run wrote (nothing else writes).

Prints a table of p50/p95/p99 per request kind and writes it as JSON (``--out``). Needs the
``bench`` extra (locust). Data from ``bench.generate``; the writes stay in the database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.over_http import Server, session_for

ROOT = Path(__file__).resolve().parent.parent


def _log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()


def prepare(users: int, run: str) -> dict:
    """Sessions and tokens for a mix of people: half clerks, the rest supervisors, leaders and
    scripts. Clerks are taken from the county units with the most open tracks."""
    _django()
    from django.conf import settings
    from django.db.models import Count, Q
    from django.middleware.csrf import _get_new_csrf_string

    from duban.api.auth import issue_token
    from duban.core.clock import local_today
    from duban.items.models import Track, TrackState
    from duban.journal.models import Head
    from duban.orgs.models import OrgUnit, Role, User

    n_clerks = max(1, users // 2)
    n_api = max(1, users // 10)
    n_leaders = max(1, users // 10)
    n_sups = max(1, users - n_clerks - n_api - n_leaders)
    units = (
        User.objects.filter(role=Role.CLERK, unit__kind="county")
        .values("unit_id")
        .annotate(n=Count("unit__tracks", filter=Q(unit__tracks__state=TrackState.IN_PROGRESS)))
        .order_by("-n")[: n_clerks + n_api]
    )
    province = OrgUnit.objects.get(parent__isnull=True)
    cities = list(OrgUnit.objects.filter(parent=province, kind="city").order_by("code"))
    people = []
    for k, row in enumerate(units):
        clerk = User.objects.filter(role=Role.CLERK, unit_id=row["unit_id"]).order_by("id").first()
        tracks = list(
            Track.objects.filter(unit_id=clerk.unit_id, state=TrackState.IN_PROGRESS, assignee__isnull=True)
            .order_by("-id")
            .values_list("id", "item_id")[:100]
        )
        if not tracks:
            continue
        person = {
            "user": clerk.username,
            "tracks": [t for t, _ in tracks],
            "items": sorted({i for _, i in tracks}),
        }
        if k < n_clerks:
            people.append({**person, "role": "clerk", "session": session_for(clerk)})
        else:
            _token, raw = issue_token(actor=None, user=clerk, name=f"soak {run}")
            people.append({**person, "role": "api", "session": "", "token": raw})
    today = local_today()
    q = (today.month - 1) // 3
    bulletin = (
        f"/bulletins/new/?kind=quarter&year={today.year if q else today.year - 1}&quarter={q or 4}&preview=1"
    )
    sups = list(
        User.objects.filter(role=Role.SUPERVISOR, unit__in=[province, *cities]).order_by("unit__code", "id")
    )
    for k in range(n_sups):
        sup = sups[k % len(sups)]
        city = cities[k % len(cities)]
        items = list(
            Track.objects.filter(unit_path__startswith=city.path, item__issuer_unit=sup.unit)
            .order_by("-id")
            .values_list("item_id", flat=True)[:100]
        ) or list(
            Track.objects.filter(unit_path__startswith=city.path)
            .order_by("-id")
            .values_list("item_id", flat=True)[:100]
        )
        people.append(
            {
                "role": "supervisor",
                "user": sup.username,
                "session": session_for(sup),
                "city": city.code,
                "items": items,
                "bulletin": bulletin,
            }
        )
    leaders = list(User.objects.filter(role=Role.LEADER, unit=province).order_by("id")) or list(
        User.objects.filter(role=Role.LEADER).order_by("id")
    )
    for k in range(n_leaders):
        leader = leaders[k % len(leaders)]
        people.append(
            {
                "role": "leader",
                "user": leader.username,
                "session": session_for(leader),
                "city": cities[k % len(cities)].code,
            }
        )
    head = Head.objects.filter(id=1).first()
    return {
        "run": run,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": _get_new_csrf_string(),
        "people": people,
        "head": head.seq if head else 0,
    }


def count_back(run: str, marks: list[str], head_before: int) -> dict:
    """What the database holds of the run's writes."""
    _django()
    from collections import Counter

    from duban.items.models import Report
    from duban.journal.models import Event, Head

    texts = Report.objects.filter(done__contains=f"压测进度 {run}-").values_list("done", "id")
    found = Counter(t.split(" ", 1)[1].split("：", 1)[0] for t, _ in texts)
    ids = [i for _, i in texts]
    journaled = Event.objects.filter(action="report.progress", object_id__in=ids).count() if ids else 0
    head = Head.objects.get(id=1).seq
    sent = Counter(marks)
    return {
        "accepted": len(marks),
        "in_database": sum(found.values()),
        "missing": sorted(m for m in sent if found[m] < sent[m])[:20],
        "duplicated": sorted(m for m, n in found.items() if n > 1)[:20],
        "unexpected": sorted(m for m in found if m not in sent)[:20],
        "journal_rows": journaled,
        "head_moved": head - head_before,
    }


def _stats(prefix: str) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append(
                {
                    "name": r["Name"],
                    "requests": int(r["Request Count"]),
                    "failures": int(r["Failure Count"]),
                    "p50": float(r["50%"] or 0),
                    "p95": float(r["95%"] or 0),
                    "p99": float(r["99%"] or 0),
                    "rps": float(r["Requests/s"] or 0),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="PostgreSQL URL (default: the SQLite file of DUBAN_SQLITE_PATH)")
    p.add_argument("--users", type=int, default=30)
    p.add_argument("--seconds", type=int, default=300)
    p.add_argument("--spawn-rate", type=float, default=5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    run = uuid.uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix="duban-soak-"))
    personas = prepare(args.users, run)
    (work / "personas.json").write_text(json.dumps(personas, ensure_ascii=False), encoding="utf-8")
    roles = {
        r: sum(1 for x in personas["people"] if x["role"] == r)
        for r in ("clerk", "supervisor", "leader", "api")
    }
    _log(f"run {run}: {len(personas['people'])} personas {roles}")
    env = {"DATABASE_URL": args.database_url} if args.database_url else {}
    server = Server("soak", env, args.workers, args.threads)
    server.start()
    _log(f"gunicorn {args.workers}×{args.threads} on :{server.port}")
    writes = work / "writes.txt"
    try:
        cmd = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "soak_locust.py"), "--headless",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
            "--host", f"http://127.0.0.1:{server.port}", "--csv", str(work / "locust"), "--only-summary",
            "--stop-timeout", "30", "--loglevel", "WARNING",
        ]  # fmt: skip
        lenv = {**os.environ, "SOAK_PERSONAS": str(work / "personas.json"), "SOAK_WRITES": str(writes)}
        t0 = time.monotonic()
        subprocess.run(cmd, env=lenv, cwd=ROOT, check=False)
        elapsed = time.monotonic() - t0
    finally:
        server.stop()
    marks = writes.read_text(encoding="utf-8").split() if writes.exists() else []
    stats = _stats(str(work / "locust"))
    back = count_back(run, marks, personas["head"])
    total = next((s for s in stats if s["name"] == "Aggregated"), None)
    ok = (
        total is not None
        and total["failures"] == 0
        and back["accepted"] == back["in_database"] == back["journal_rows"] == back["head_moved"]
        and not (back["missing"] or back["duplicated"] or back["unexpected"])
    )
    result = {
        "run": run,
        "users": args.users,
        "seconds": round(elapsed),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "database": "postgresql" if args.database_url else "sqlite",
        "roles": roles,
        "stats": stats,
        "writes": back,
        "passed": ok,
    }
    print("| request | count | failures | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for s in stats:
        print(
            f"| {s['name']} | {s['requests']} | {s['failures']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} |"
        )
    print(json.dumps(back, ensure_ascii=False))
    print("PASSED" if ok else "FAILED")
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
