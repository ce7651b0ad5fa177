"""Drive running Duban servers over HTTP: p50/p95 per page, interleaved rounds, and requests per
second under concurrent clients (``python -m bench.measure --http …``, see bench/README.md).

For each target database it starts the production server the deployment guide uses (gunicorn,
2 workers × 4 threads by default), prepares a persona in a setup process (a county clerk with a
session cookie, an API token and a CSRF secret, the items and tracks it handles), then measures
every operation on every target in turn, round after round, so a noisy minute of a shared
machine spreads over all of them instead of deciding one row.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPERATIONS = (
    "page_item",
    "api_item",
    "page_queue",
    "api_queue",
    "page_report",
    # Quantitative targets, when the database has them (bench.generate --targets):
    "page_targets",  # GET /targets/ as the provincial supervisor: the 指标 list with class counts
    "page_target",  # GET /targets/<id>/ as the provincial supervisor
    "page_file_figure",  # POST /targets/<id>/file/ as the head of the unit owning the target
)
TARGET_OPERATIONS = {"page_targets", "page_target", "page_file_figure"}


def _log(msg: str) -> None:
    print(f"[http {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))]


# ---------------------------------------------------------------------------------------------
# Setup: runs inside a Django process on the target database


def session_for(user) -> str:
    """A signed-in session for ``user``, made directly in the session store (no login form:
    the bench measures pages, not logins)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The last backend loads users; axes' (first) only guards logins.
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def setup_persona(limit: int = 200) -> dict:
    """A county clerk with many open tracks: a session, an API token, a CSRF secret, and the
    items and reportable tracks it handles."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count, Q
    from django.middleware.csrf import _get_new_csrf_string

    from duban.api.auth import issue_token
    from duban.items.models import Track, TrackState
    from duban.orgs.models import Role, User

    unit = (
        User.objects.filter(role=Role.CLERK, unit__kind="county")
        .values("unit_id")
        .annotate(n=Count("unit__tracks", filter=Q(unit__tracks__state=TrackState.IN_PROGRESS)))
        .order_by("-n")
        .first()
    )
    clerk = User.objects.filter(role=Role.CLERK, unit_id=unit["unit_id"]).order_by("id").first()
    tracks = list(
        Track.objects.filter(
            unit_id=clerk.unit_id,
            state__in=[TrackState.IN_PROGRESS, TrackState.RETURNED],
            assignee__isnull=True,
        )
        .order_by("-id")
        .values_list("id", "item_id")[:limit]
    )

    _token, raw = issue_token(actor=None, user=clerk, name="bench.http")
    persona = {
        "user": clerk.username,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "session": session_for(clerk),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": _get_new_csrf_string(),
        "token": raw,
        "tracks": [t for t, _ in tracks],
        "items": sorted({i for _, i in tracks}),
    }
    # The targets' pages: the provincial supervisor reads, the head of a unit with many targets files.
    try:
        from bench.measure import _target_context
    except ImportError:  # an older code dir
        return persona
    prov_sup = User.objects.filter(unit__code="140000", role=Role.SUPERVISOR).order_by("id").first()
    tctx = _target_context(prov_sup) if prov_sup else {}
    if tctx:
        persona["targets"] = {
            "sup_session": session_for(prov_sup),
            "filer_session": session_for(tctx["filer"]),
            "filer": tctx["filer_label"],
            "pages": tctx["pages"],
            "files": tctx["files"],
            "period": tctx["period"].isoformat(),
        }
    return persona


# ---------------------------------------------------------------------------------------------
# The server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, env: dict, workers: int, threads: int, code_dir: Path = ROOT) -> None:
        self.name, self.port, self.code_dir = name, _free_port(), code_dir
        self.env = {**os.environ, **env, "DUBAN_ALLOWED_HOSTS": "127.0.0.1"}
        if not env.get("DATABASE_URL"):
            self.env.pop("DATABASE_URL", None)
        self.workers, self.threads = workers, threads
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "gunicorn", "duban.wsgi",
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--keep-alive", "30", "--no-control-socket",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=self.code_dir, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: gunicorn did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


# ---------------------------------------------------------------------------------------------
# The client


class Client:
    """One keep-alive connection; times each request from send to the last byte."""

    def __init__(self, port: int, persona: dict) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.p = persona
        self.cookie = (
            f"{persona['cookie_name']}={persona['session']}; {persona['csrf_cookie']}={persona['csrf']}"
        )

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple:
        h = {"Host": "127.0.0.1", **(headers or {})}
        for attempt in (1, 2):
            t0 = time.perf_counter()
            try:
                self.conn.request(method, url, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect, and do not time it.
                self.conn.close()
                if attempt == 2:
                    raise
                continue
            return (time.perf_counter() - t0) * 1000, r.status, data
        raise AssertionError("unreachable")

    def page(self, url: str, session: str | None = None):
        return self.request("GET", url, headers={"Cookie": self._cookie(session)})

    def _cookie(self, session: str | None) -> str:
        if session is None:
            return self.cookie
        return f"{self.p['cookie_name']}={session}; {self.p['csrf_cookie']}={self.p['csrf']}"

    def file_figure(self, target_id: int, n: int):
        t = self.p["targets"]
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.p["csrf"], "period_end": t["period"], "value": str(3000 + n)}
        ).encode()
        return self.request(
            "POST",
            f"/targets/{target_id}/file/",
            body=form,
            headers={
                "Cookie": self._cookie(t["filer_session"]),
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "http://127.0.0.1/",
            },
        )

    def api(self, url: str):
        return self.request("GET", url, headers={"Authorization": f"Bearer {self.p['token']}"})

    def report(self, track_id: int, n: int):
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.p["csrf"],
                "kind": "progress",
                "done": f"第{n}次进度：已完成阶段性工作，正在推进下一步。",
            }
        ).encode()
        return self.request(
            "POST",
            f"/tracks/{track_id}/report/",
            body=form,
            headers={
                "Cookie": self.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "http://127.0.0.1/",
            },
        )


def _op(client: Client, op: str, i: int):
    p = client.p
    if op == "page_item":
        return client.page(f"/items/{p['items'][i % len(p['items'])]}/"), 200
    if op == "api_item":
        return client.api(f"/api/v1/items/{p['items'][i % len(p['items'])]}"), 200
    if op == "page_queue":
        return client.page("/"), 200
    if op == "api_queue":
        return client.api("/api/v1/queue"), 200
    if op == "page_report":
        return client.report(p["tracks"][i % len(p["tracks"])], i), 302
    t = p.get("targets")
    if op == "page_targets":
        return client.page("/targets/", t["sup_session"]), 200
    if op == "page_target":
        return client.page(f"/targets/{t['pages'][i % len(t['pages'])]}/", t["sup_session"]), 200
    if op == "page_file_figure":
        # Redirects to the target's page either way: the page's message says whether it was filed
        # (bench.measure's http:file_figure checks that it lands).
        return client.file_figure(t["files"][i % len(t["files"])], i), 302
    raise ValueError(op)


def measure(client: Client, op: str, runs: int, warmup: int, offset: int) -> list[float]:
    times = []
    for i in range(warmup + runs):
        (ms, status, body), want = _op(client, op, offset + i)
        if status != want:
            raise RuntimeError(f"{op}: HTTP {status} (wanted {want}): {body[:300]!r}")
        if i >= warmup:
            times.append(ms)
    return times


def throughput(port: int, persona: dict, clients: int, seconds: float) -> dict:
    """``clients`` threads, each on its own connection, calling the API queue for ``seconds``."""
    counts, errors, lat = [0] * clients, [0] * clients, [[] for _ in range(clients)]
    stop = time.monotonic() + seconds

    def run(k: int) -> None:
        c = Client(port, persona)
        while time.monotonic() < stop:
            ms, status, _ = c.api("/api/v1/queue")
            counts[k] += 1
            errors[k] += status != 200
            lat[k].append(ms)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    all_lat = [x for xs in lat for x in xs]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": sum(counts),
        "errors": sum(errors),
        "rps": round(sum(counts) / elapsed, 1),
        "p50": round(statistics.median(all_lat), 1),
        "p95": round(pct(all_lat, 95), 1),
    }


# ---------------------------------------------------------------------------------------------
# Orchestration


def parse_targets(spec: str) -> list[tuple[str, dict, Path]]:
    """``[label=]sqlite:PATH[#CODE_DIR]`` or ``[label=]postgresql:URL[#CODE_DIR]``, comma-separated
    → (name, env, code dir). A code dir (a ``git worktree`` of another commit) serves that
    version of Duban on the same database, so before and after are measured in one run."""
    out = []
    for part in spec.split(","):
        label, sep, rest = part.strip().partition("=")
        if not sep or ":" in label:
            label, rest = "", part.strip()
        rest, _, code = rest.partition("#")
        kind, _, where = rest.partition(":")
        code_dir = Path(code).resolve() if code else ROOT
        if kind == "sqlite":
            env = {"DUBAN_SQLITE_PATH": where, "DATABASE_URL": ""}
            name = label or f"sqlite {Path(where).name}"
        elif kind == "postgresql":
            env = {"DATABASE_URL": where}
            name = label or f"postgresql {where.rsplit('/', 1)[-1]}"
        else:
            raise SystemExit(f"unknown target {part!r} (use sqlite:PATH or postgresql:URL)")
        out.append((name, env, code_dir))
    return out


def run(args) -> int:
    targets = parse_targets(args.targets)
    ops = [o for o in OPERATIONS if not args.only or o in args.only.split(",")]
    servers, personas = [], {}
    try:
        for name, env, code_dir in targets:
            env = {**env, "PYTHONPATH": str(code_dir)}
            clean = {**os.environ, **env}
            if not env.get("DATABASE_URL"):  # SQLite: no PostgreSQL URL may leak in from outside
                clean.pop("DATABASE_URL", None)
            out = subprocess.run(
                # By path, so the code dir's duban is the one imported (PYTHONPATH first).
                [sys.executable, str(Path(__file__).resolve()), "--setup"],
                cwd=code_dir,
                env=clean,
                capture_output=True,
                text=True,
                check=True,
            )
            personas[name] = json.loads(out.stdout)
            _log(f"{name}: persona {personas[name]['user']}, {len(personas[name]['items'])} items")
            server = Server(name, env, args.workers, args.threads, code_dir)
            server.start()
            servers.append(server)
            _log(f"{name}: gunicorn on :{server.port}")
        if any("targets" not in personas[s.name] for s in servers):
            ops = [o for o in ops if o not in TARGET_OPERATIONS]  # a database without targets
        results: dict = {s.name: {op: {"p50": [], "p95": []} for op in ops} for s in servers}
        clients = {s.name: Client(s.port, personas[s.name]) for s in servers}
        for r in range(args.repeat):
            for s in servers:  # interleaved: every target once per round
                for op in ops:
                    times = measure(clients[s.name], op, args.runs, args.warmup, offset=r * args.runs)
                    results[s.name][op]["p50"].append(statistics.median(times))
                    results[s.name][op]["p95"].append(pct(times, 95))
            _log(f"round {r + 1}/{args.repeat} done")
        load = {}
        if args.concurrency:
            for s in servers:
                load[s.name] = throughput(s.port, personas[s.name], args.concurrency, args.seconds)
                _log(f"{s.name}: {load[s.name]}")
    finally:
        for s in servers:
            s.stop()
    summary = {
        name: {op: {k: round(statistics.median(v), 1) for k, v in d.items()} for op, d in per.items()}
        for name, per in results.items()
    }
    print(table(summary, load, ops))
    if args.out:
        Path(args.out).write_text(
            json.dumps({"summary": summary, "rounds": results, "load": load, "args": vars(args)}, indent=2)
        )
    return 0


def table(summary: dict, load: dict, ops: list[str]) -> str:
    names = list(summary)
    lines = ["| operation | " + " | ".join(f"{n} p50 / p95 ms" for n in names) + " |"]
    lines.append("|---|" + "---|" * len(names))
    for op in ops:
        cells = [f"{summary[n][op]['p50']} / {summary[n][op]['p95']}" for n in names]
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    if load:
        cells = [
            f"{load[n]['rps']} req/s ({load[n]['clients']} clients, p95 {load[n]['p95']} ms)" for n in names
        ]
        lines.append("| api_queue under load | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--setup"]:
        print(json.dumps(setup_persona()))
    else:
        sys.path.insert(0, str(ROOT))
        from bench.measure import main

        sys.exit(main(["--http", *sys.argv[1:]]))
