"""Measure p50/p95 latency of the hot paths on generated databases (see bench/README.md).

    .venv/bin/python -m bench.measure --sizes 10000,200000 --backends sqlite,postgresql \\
        --pg-url postgres://bench:bench@127.0.0.1:55433/ --generate --out /tmp/bench.json

For every backend × size it finds (or, with --generate, creates) the database, then runs a
worker process against it — Django's settings are per process — that picks personas from the
data, warms up, and times each operation ``--runs`` times. It prints one table with the
200k/10k ratio per operation.

Operations (``sel:`` = selectors evaluated without templates; ``http:`` = the web UI through
django.test.Client, measured only when duban/web has real views for those URLs):
  queue       a county clerk's queue: queue_counts + the overdue page (50 rows, lights computed)
  item        an item page: selectors.item_detail + every track's light and node states
  list_red    province supervisor: filtered_items(unit=<city>, light=red)[:50] with tracks
  list_cat    province supervisor: filtered_items(category=major)[:50] with tracks
  board_sup   light_board for the provincial supervisor
  board_lead  light_board for the provincial leader
  dashboard_prov  the 领导驾驶舱 of the province for its leader (dashboard.selectors.dashboard)
  dashboard_city  the same for Taiyuan, the biggest city, drilled down to by the provincial leader
  report      services.file_report (a progress report, committed) by the county clerk
  targets_list  province supervisor: the 指标 list with class counts (targets.selectors.target_list)
  target_page   a target page: get_target + status_of + figure_history + children_statuses
  file_figure   targets.services.file_figure (a correction of last month's figure, committed)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _log(msg: str) -> None:
    print(f"[measure {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# ---------------------------------------------------------------------------------------------
# Worker: runs inside one Django process against one database


def _worker(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    # Start up as the production entry point does (every view loaded, the start-up heap frozen
    # out of the cyclic collector's walks), so in-process numbers match a gunicorn worker's.
    from django.db import connection
    from django.db.backends.signals import connection_created

    import duban.wsgi  # noqa: F401

    if args.sqlite_pragmas:
        # Try page-cache settings without editing duban/settings.py.
        def _pragmas(sender, connection, **kwargs):
            if connection.vendor == "sqlite":
                with connection.cursor() as cur:
                    for pragma in args.sqlite_pragmas.split(";"):
                        cur.execute(f"PRAGMA {pragma}")

        connection_created.connect(_pragmas)
    from django.db.models import Count, Prefetch, Q
    from django.test.utils import CaptureQueriesContext

    from duban.items import selectors, services, status
    from duban.items.models import OPEN_STATES, Item, Track
    from duban.orgs.models import OrgUnit, User

    # -- personas ------------------------------------------------------------------------------
    province = OrgUnit.objects.get(code="140000")
    busiest = (
        Track.objects.filter(state__in=OPEN_STATES, unit__kind="county", assignee__isnull=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    clerk_unit = OrgUnit.objects.get(pk=busiest["unit_id"])
    clerk = User.objects.filter(unit=clerk_unit, role="clerk").order_by("id").first()
    prov_sup = User.objects.filter(unit=province, role="supervisor").order_by("id").first()
    prov_leader = User.objects.filter(unit=province, role="leader").order_by("id").first()
    city = OrgUnit.objects.get(code="140100")  # Taiyuan, the biggest city
    personas = {
        "clerk": f"{clerk.username} ({clerk_unit.name}, {busiest['n']} open unrouted tracks)",
        "supervisor": prov_sup.username,
        "leader": prov_leader.username,
        "city_filter": city.name,
    }
    item_ids = list(
        Track.objects.filter(unit=clerk_unit).order_by("-id").values_list("item_id", flat=True)[:200]
    )
    report_tracks = list(
        Track.objects.filter(unit=clerk_unit, state__in=["in_progress", "returned"])
        .filter(Q(assignee__isnull=True) | Q(assignee=clerk))
        .order_by("-id")
        .values_list("id", flat=True)[:200]
    )
    data = {
        "items": Item.objects.count(),
        "tracks": Track.objects.count(),
        "open_tracks": Track.objects.filter(state__in=OPEN_STATES).count(),
    }

    # -- operations ----------------------------------------------------------------------------
    counter = {"item": 0, "report": 0, "target": 0, "figure": 0, "http_target": 0, "http_figure": 0}

    def op_queue():
        counts = selectors.queue_counts(clerk)
        rows = selectors.queue_page(clerk, "overdue")
        return counts, [(t.item.title, t.unit.name, status.track_light(t)) for t in rows]

    def op_item():
        pk = item_ids[counter["item"] % len(item_ids)]
        counter["item"] += 1
        item = selectors.item_detail(clerk, pk)
        out = [status.item_light(item.track_list)]
        for t in item.track_list:
            out.append((t.unit.name, status.track_light(t), [status.node_status(n) for n in t.nodes.all()]))
            out.append([(r.kind, r.author_id, list(r.attachments.all())) for r in t.reports.all()])
            out.append([list(t.reviews.all()), list(t.extensions.all()), list(t.urges.all())])
        return out

    def _list(qs):
        page = list(
            qs.select_related("issuer_unit").prefetch_related(
                Prefetch("tracks", queryset=Track.objects.select_related("unit").order_by("id"))
            )[:50]
        )
        return [(i.title, i.issuer_unit.name, status.item_light(list(i.tracks.all()))) for i in page]

    def op_list_red():
        return _list(selectors.filtered_items(prov_sup, unit=city, light="red"))

    def op_list_cat():
        return _list(selectors.filtered_items(prov_sup, category="major"))

    def op_list_red_count():
        return selectors.filtered_items(prov_sup, unit=city, light="red").count()

    def op_board_sup():
        return selectors.light_board(prov_sup)

    def op_board_lead():
        return selectors.light_board(prov_leader)

    def op_workbench():
        # The supervisor's 督办工作台 as its page reads it: every section's counts, 已逾期 by
        # handling unit and its first page of rows.
        from duban.workbench.selectors import Workbench

        wb = Workbench(prov_sup)
        rows = wb.rows("overdue", 0, 50)
        return wb.counts(), wb.overdue_by_unit(), [(t.item.title, t.unit.name, t.urge_count) for t in rows]

    def op_dashboard_prov():
        from duban.dashboard import selectors as dsel

        return dsel.dashboard(prov_leader, province)

    def op_dashboard_city():
        from duban.dashboard import selectors as dsel

        return dsel.dashboard(prov_leader, city)

    # -- 通报: the last full quarter's preview, and the year's .docx ----------------------------
    from duban.bulletins import periods as bperiods
    from duban.bulletins import render as brender
    from duban.bulletins import selectors as bsel
    from duban.core.clock import local_today

    today = local_today()
    q = (today.month - 1) // 3  # the quarter before this one (0: last year's fourth)
    last_quarter = {"year": today.year if q else today.year - 1, "quarter": q or 4}
    quarter = bperiods.parse("quarter", **last_quarter)
    year = bperiods.parse("year", year=today.year)

    def op_bulletin_quarter():
        return bsel.preview(prov_sup, period=quarter)

    def op_bulletin_docx_year():
        # What publishing the province's year and downloading it costs, without the write.
        from duban.core.clock import now as clock_now

        data = bsel.preview(prov_sup, period=year)
        data.update(
            number=f"〔{today.year}〕X号",
            published_at=clock_now().isoformat(),
            date_label=bperiods.cn_date(today),
        )
        return brender.docx_bytes(data)

    def op_report():
        tid = report_tracks[counter["report"] % len(report_tracks)]
        counter["report"] += 1
        return services.file_report(
            actor=clerk,
            track_id=tid,
            kind="progress",
            done="本周完成现场督导，进度符合预期。",
            next_steps="继续推进。",
        )

    # -- quantitative targets (量化指标), when the database has them ----------------------------
    tctx = _target_context(prov_sup)
    data["targets"] = tctx.get("count", 0)
    if tctx:
        personas["target_filer"] = tctx["filer_label"]

    def op_targets_list():
        from duban.targets import selectors as tsel

        result = tsel.target_list(prov_sup)
        rows = result.rows[:50]  # a page of the list, with what each row shows
        return result.counts, [
            (s.target.indicator, s.target.unit.name, s.reading.label, s.reading.completion, s.confidence)
            for s in rows
        ]

    def op_target_page():
        from duban.targets import selectors as tsel

        pk = tctx["pages"][counter["target"] % len(tctx["pages"])]
        counter["target"] += 1
        target = tsel.get_target(prov_sup, pk)
        st = tsel.status_of(target)
        history = [
            (f.value, f.author.display_name, list(f.evidence.all())) for f in tsel.figure_history(target)
        ]
        kids = tsel.children_statuses(prov_sup, target) if st.children else []
        return st.reading, history, [(k.target.unit.name, k.reading.label) for k in kids]

    def op_file_figure():
        from duban.targets import services as tsvc

        n = counter["figure"]
        counter["figure"] += 1
        pk = tctx["files"][n % len(tctx["files"])]
        return tsvc.file_figure(
            actor=tctx["filer"],
            target_id=pk,
            period_end=tctx["period"],
            value=1000 + n,
            note="基准测试更正",
        )

    ops = {
        "sel:queue": op_queue,
        "sel:item": op_item,
        "sel:list_red": op_list_red,
        "sel:list_red_count": op_list_red_count,
        "sel:list_cat": op_list_cat,
        "sel:board_sup": op_board_sup,
        "sel:board_lead": op_board_lead,
        "sel:workbench": op_workbench,
        "sel:dashboard_prov": op_dashboard_prov,
        "sel:dashboard_city": op_dashboard_city,
        "sel:bulletin_quarter": op_bulletin_quarter,
        "doc:bulletin_docx_year": op_bulletin_docx_year,
        "svc:report": op_report,
    }
    if not report_tracks:
        del ops["svc:report"]
    if tctx:
        ops.update(
            {
                "sel:targets_list": op_targets_list,
                "sel:target_page": op_target_page,
                "svc:file_figure": op_file_figure,
            }
        )

    # -- the web UI, once it has real views ----------------------------------------------------
    http_note = "web views not measured"
    try:
        from django.test import Client
        from django.urls import resolve
        from django.views.generic import RedirectView

        def real(url: str) -> bool:
            match = resolve(url)
            return getattr(match.func, "view_class", None) is not RedirectView

        if real("/") and real("/items/") and real("/board/"):
            clients = {}
            for name, user in (("clerk", clerk), ("sup", prov_sup), ("lead", prov_leader)):
                c = Client()
                c.force_login(user)
                clients[name] = c

            def get(who: str, url: str):
                def run():
                    r = clients[who].get(url)
                    if r.status_code != 200:
                        raise RuntimeError(f"GET {url} as {who}: {r.status_code}")
                    return r.content

                return run

            def get_item():
                pk = item_ids[counter["item"] % len(item_ids)]
                counter["item"] += 1
                return get("clerk", f"/items/{pk}/")()

            ops.update(
                {
                    "http:queue": get("clerk", "/"),
                    "http:item": get_item,
                    "http:list_red": get("sup", f"/items/?unit={city.code}&light=red"),
                    "http:list_cat": get("sup", "/items/?category=major"),
                    "http:board_sup": get("sup", "/board/"),
                    "http:board_lead": get("lead", "/board/"),
                    "http:bulletin_quarter": get(
                        "sup",
                        f"/bulletins/new/?kind=quarter&year={last_quarter['year']}"
                        f"&quarter={last_quarter['quarter']}&preview=1",
                    ),
                }
            )
            if _has_url("dashboard:home"):
                ops["http:dashboard_prov"] = get("lead", "/dashboard/")
                ops["http:dashboard_city"] = get("lead", f"/dashboard/{city.code}/")
            http_note = "web views measured through django.test.Client"
        if tctx and _has_url("targets:list"):
            filer_client = Client()
            filer_client.force_login(tctx["filer"])

            def get_target_page():
                pk = tctx["pages"][counter["http_target"] % len(tctx["pages"])]
                counter["http_target"] += 1
                return get("sup", f"/targets/{pk}/")()

            def post_figure():
                n = counter["http_figure"]
                counter["http_figure"] += 1
                pk = tctx["files"][n % len(tctx["files"])]
                r = filer_client.post(
                    f"/targets/{pk}/file/", {"period_end": tctx["period"].isoformat(), "value": str(2000 + n)}
                )
                if r.status_code != 302:
                    raise RuntimeError(f"POST /targets/{pk}/file/: {r.status_code}")
                if n == 0:  # the page redirects on a refusal too: check the first one landed
                    from duban.targets.models import Figure

                    if not Figure.objects.filter(target_id=pk, value=2000 + n).exists():
                        raise RuntimeError(f"POST /targets/{pk}/file/ filed nothing")
                return r

            ops.update(
                {
                    "http:targets_list": get("sup", "/targets/"),
                    "http:target_page": get_target_page,
                    "http:file_figure": post_figure,
                }
            )
    except Exception as exc:  # a half-built UI must not stop the selector numbers
        http_note = f"web views not measured: {exc!r}"

    only = set(args.only.split(",")) if args.only else None
    results = {}
    for name, fn in ops.items():
        if only and not any(name.endswith(o) for o in only):
            continue
        for _ in range(args.warmup):
            fn()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries = len(ctx.captured_queries)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = {
            "p50": pct(times, 50),
            "p95": pct(times, 95),
            "max": max(times),
            "queries": queries,
            "runs": len(times),
        }
        _log(
            f"{name:22s} p50 {results[name]['p50']:7.1f}  p95 {results[name]['p95']:7.1f} ms  ({queries} queries)"
        )
    return {
        "vendor": connection.vendor,
        "server": str(connection.pg_version)
        if connection.vendor == "postgresql"
        else __import__("sqlite3").sqlite_version,
        "personas": personas,
        "data": data,
        "http": http_note,
        "results": results,
    }


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def _target_context(prov_sup) -> dict:
    """What the target operations need, picked from the data: the pages to rotate over (the
    province's allocated targets, city shares, and cities' and counties' own), the unit head who
    files (the unit with the most targets of its own) and the period filed (last month)."""
    try:
        from django.db.models import Count

        from duban.core.clock import local_today
        from duban.orgs.models import User
        from duban.targets import progress
        from duban.targets.models import Target
    except ImportError:
        return {}
    count = Target.objects.count()
    if not count:
        return {}
    parents = list(
        Target.objects.filter(parent__isnull=True, children__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)[:40]
    )
    shares = list(Target.objects.filter(parent__in=parents).order_by("id").values_list("id", flat=True)[:40])
    own = list(
        Target.objects.filter(parent__isnull=True, children__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)[:40]
    )
    busiest = (
        Target.objects.filter(children__isnull=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_id")
        .first()
    )
    filer = (
        User.objects.filter(unit_id=busiest["unit_id"], role="head")
        .select_related("unit")
        .order_by("id")
        .first()
    )
    files = list(
        Target.objects.filter(unit_id=busiest["unit_id"], children__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:50]
    )
    year = Target.objects.filter(pk=files[0]).values_list("plan_year", flat=True).get()
    today = local_today()
    ended = [e for e in progress.period_ends(year, "monthly") if e < today] or [
        progress.period_ends(year, "monthly")[0]
    ]
    return {
        "count": count,
        "pages": [x for trio in zip(parents, shares, own, strict=False) for x in trio] or own,
        "filer": filer,
        "filer_label": f"{filer.username} ({filer.unit.name}, {len(files)} targets)",
        "files": files,
        "period": ended[-1],
    }


# ---------------------------------------------------------------------------------------------
# Orchestrator


def _db_env(backend: str, size: int, args: argparse.Namespace) -> tuple[dict, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    label = f"{size // 1000}k" if size >= 1000 else str(size)
    if backend == "sqlite":
        path = str(Path(args.sqlite_dir) / f"bench-{label}.sqlite3")
        env.pop("DATABASE_URL", None)
        env["DUBAN_SQLITE_PATH"] = path
        return env, path
    url = args.pg_url.rstrip("/") + f"/bench_{label}"
    env["DATABASE_URL"] = url
    return env, url


def _exists(backend: str, where: str, args: argparse.Namespace) -> bool:
    if backend == "sqlite":
        return Path(where).exists()
    import psycopg

    name = where.rsplit("/", 1)[1]
    with psycopg.connect(args.pg_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _create_pg(where: str, args: argparse.Namespace) -> None:
    import psycopg

    name = where.rsplit("/", 1)[1]
    with psycopg.connect(args.pg_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _orchestrate(args: argparse.Namespace) -> int:
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "runs": args.runs, "results": {}}
    for backend in backends:
        for size in sizes:
            env, where = _db_env(backend, size, args)
            if args.regenerate or not _exists(backend, where, args):
                if not (args.generate or args.regenerate):
                    raise SystemExit(f"{where} does not exist: pass --generate")
                _log(f"generating {size} items into {where}")
                gen = [sys.executable, "-m", "bench.generate", "--items", str(size), "--seed", str(args.seed)]
                if backend == "sqlite":
                    gen += ["--sqlite", where, "--fresh"]
                else:
                    _create_pg(where, args)
                t0 = time.monotonic()
                subprocess.run(gen, env=env, cwd=ROOT, check=True)
                report.setdefault("generate_seconds", {})[f"{backend}:{size}"] = round(time.monotonic() - t0)
    # Measure every database --repeat times, interleaved, and keep the median of each statistic:
    # the machine may be shared, and one noisy minute should not decide a row of the table.
    raw: dict[str, list[dict]] = {}
    for rep in range(args.repeat):
        for backend in backends:
            for size in sizes:
                env, _ = _db_env(backend, size, args)
                _log(f"measuring {backend} {size} items (round {rep + 1}/{args.repeat})")
                cmd = [sys.executable, "-m", "bench.measure", "--worker", "--runs", str(args.runs)]
                cmd += ["--warmup", str(args.warmup)] + (["--only", args.only] if args.only else [])
                if args.sqlite_pragmas:
                    cmd += ["--sqlite-pragmas", args.sqlite_pragmas]
                out = subprocess.run(
                    cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
                ).stdout
                raw.setdefault(f"{backend}:{size}", []).append(json.loads(out.strip().splitlines()[-1]))
    for key, rounds in raw.items():
        merged = dict(rounds[0])
        merged["results"] = {}
        for op in rounds[0]["results"]:
            stats = [r["results"][op] for r in rounds if op in r["results"]]
            merged["results"][op] = {
                "p50": statistics.median(s["p50"] for s in stats),
                "p95": statistics.median(s["p95"] for s in stats),
                "max": max(s["max"] for s in stats),
                "queries": stats[0]["queries"],
                "runs": sum(s["runs"] for s in stats),
                "rounds": [(round(s["p50"], 1), round(s["p95"], 1)) for s in stats],
            }
        report["results"][key] = merged
    table = _table(report, backends, sizes)
    print(table)
    report["table"] = table
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _table(report: dict, backends: list[str], sizes: list[int]) -> str:
    small, big = min(sizes), max(sizes)
    lines = []
    header = "| operation | database |"
    sep = "|---|---|"
    for size in sizes:
        header += f" p50 @{size // 1000}k | p95 @{size // 1000}k |"
        sep += "---:|---:|"
    if len(sizes) > 1:
        header += f" p95 ratio {big // 1000}k/{small // 1000}k | queries |"
        sep += "---:|---:|"
    lines += [header, sep]
    ops: list[str] = []
    for r in report["results"].values():
        ops += [o for o in r["results"] if o not in ops]
    for op in ops:
        for backend in backends:
            row = f"| {op} | {backend} |"
            cells = [report["results"].get(f"{backend}:{s}", {}).get("results", {}).get(op) for s in sizes]
            for c in cells:
                row += f" {c['p50']:.1f} | {c['p95']:.1f} |" if c else " – | – |"
            if len(sizes) > 1:
                a, b = cells[0], cells[-1]
                row += f" {b['p95'] / a['p95']:.2f}× | {b['queries']} |" if a and b else " – | – |"
            lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,200000")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--pg-url", default="postgres://bench:bench@127.0.0.1:55433/")
    p.add_argument("--sqlite-dir", default="/tmp")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeat", type=int, default=1, help="measure every database this many times (median)")
    p.add_argument("--seed", type=int, default=13710)
    p.add_argument("--generate", action="store_true", help="generate missing databases")
    p.add_argument("--regenerate", action="store_true", help="generate every database afresh")
    p.add_argument("--only", help="comma-separated operation names (suffix match), e.g. board_sup,queue")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--sqlite-pragmas", help='extra PRAGMAs per SQLite connection, e.g. "cache_size=-65536"')
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    h = p.add_argument_group("--http: drive gunicorn servers over HTTP (bench/over_http.py)")
    h.add_argument("--http", action="store_true", help="measure pages and API through gunicorn")
    h.add_argument(
        "--targets",
        default="sqlite:/tmp/bench-200k.sqlite3,postgresql:postgres://bench:bench@127.0.0.1:55433/bench_200k",
        help="comma-separated sqlite:PATH or postgresql:URL",
    )
    h.add_argument("--workers", type=int, default=2)
    h.add_argument("--threads", type=int, default=4)
    h.add_argument("--concurrency", type=int, default=8, help="clients for the throughput run (0: none)")
    h.add_argument("--seconds", type=float, default=15.0, help="length of the throughput run")
    args = p.parse_args(argv)
    if args.worker:
        result = _worker(args)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    if args.http:
        from bench import over_http

        return over_http.run(args)
    return _orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
