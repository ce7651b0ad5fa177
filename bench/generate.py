"""Generate a province-scale Duban database for benchmarking.

Every Shanxi unit, ≈20,000 users, N items with 1–3 tracks each (some passed down to lower
units), their 13710 nodes, reports, reviews, urges and pending extensions, ≈5,000 quantitative
targets on work-report items with a year of monthly figures (``--targets``), and one journal
event per state change with a valid hash chain — the rows the services would have written,
simulated through each track's life up to "now", but written in bulk (executemany on SQLite,
COPY on PostgreSQL) because going through the services would take hours at this scale.

    # SQLite (a fresh file; --fresh deletes an existing one first)
    .venv/bin/python -m bench.generate --items 200000 --sqlite /tmp/bench-200k.sqlite3 --fresh
    # PostgreSQL (an empty database)
    DATABASE_URL=postgres://bench:bench@127.0.0.1:55433/bench200k .venv/bin/python -m bench.generate --items 200000

Afterwards ``duban verify-journal`` passes on the generated database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

UTC = dt.UTC
LOCAL_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai has no DST
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _log(msg: str) -> None:
    print(f"[generate {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=10000, help="number of items (default 10000)")
    p.add_argument("--users", type=int, default=20000, help="approximate number of users (default 20000)")
    p.add_argument("--seed", type=int, default=13710)
    p.add_argument("--days", type=int, default=365, help="items are spread over this many past days")
    p.add_argument("--now", help="simulate up to this moment (ISO, Asia/Shanghai if naive); default: now")
    p.add_argument("--sqlite", help="SQLite file to create (sets DUBAN_SQLITE_PATH)")
    p.add_argument("--database-url", help="PostgreSQL URL (sets DATABASE_URL)")
    p.add_argument("--fresh", action="store_true", help="delete the SQLite file first if it exists")
    p.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after loading")
    p.add_argument(
        "--targets",
        type=int,
        default=5000,
        help="quantitative targets on work-report items, shares included (default 5000; 0: none)",
    )
    return p.parse_args(argv)


def _setup_django(args: argparse.Namespace) -> None:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["DUBAN_SQLITE_PATH"] = str(Path(args.sqlite).resolve())
        if args.fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(args.sqlite + suffix).unlink(missing_ok=True)
        Path(args.sqlite).resolve().parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------
# Bulk writing


class Writer:
    """Inserts tuples in a fixed column order: executemany on SQLite, COPY on PostgreSQL.

    Values are already database-ready: datetimes are naive UTC (the connection's time zone is
    UTC on both backends, and this is the text Django itself stores on SQLite), JSON is text.
    """

    def __init__(self, connection):
        self.connection = connection
        connection.ensure_connection()
        self.raw = connection.connection
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}

    def columns(self, model) -> list[str]:
        return [f.column for f in model._meta.concrete_fields]

    def insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        expected = set(self.columns(model))
        if set(columns) != expected:  # the schema moved on: fail loudly rather than write half rows
            raise SystemExit(
                f"{model.__name__}: columns {sorted(expected ^ set(columns))} differ from the model"
            )
        table = model._meta.db_table
        cols = ", ".join(f'"{c}"' for c in columns)
        cur = self.raw.cursor()
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        else:
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        cur.close()
        self.counts[table] = self.counts.get(table, 0) + len(rows)


def _ts(d: dt.datetime | None) -> str | None:
    # Django stores SQLite datetimes as str(naive UTC); PostgreSQL parses the same text in UTC.
    return None if d is None else str(d)


def _aware(d: dt.datetime) -> dt.datetime:
    return d.replace(tzinfo=UTC)


def _jdump(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Working days (cached: the calendar is asked the same questions millions of times)


class Cal:
    def __init__(self):
        from duban.workcal import calendar

        self.calendar = calendar
        self._wd: dict[dt.date, bool] = {}
        self._known: dict[int, bool] = {}
        self._add: dict[tuple[dt.date, int], dt.date] = {}
        self._nodes: dict[tuple[dt.date, str], list[tuple[str, dt.datetime, bool]]] = {}

    def is_working(self, day: dt.date) -> bool:
        v = self._wd.get(day)
        if v is None:
            v = self._wd[day] = self.calendar.is_working_day(day)
        return v

    def known(self, year: int) -> bool:
        v = self._known.get(year)
        if v is None:
            v = self._known[year] = self.calendar.schedule_known(year)
        return v

    def add(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        v = self._add.get(key)
        if v is None:
            v = self._add[key] = self.calendar.add_working_days(day, n)
        return v

    def standard(self, local_day: dt.date, category: str) -> list[tuple[str, dt.datetime, bool]]:
        """standard_nodes for an assignment on ``local_day`` (the time of day does not matter)."""
        key = (local_day, category)
        v = self._nodes.get(key)
        if v is None:
            at = dt.datetime(local_day.year, local_day.month, local_day.day, 12, tzinfo=UTC) - LOCAL_OFFSET
            v = self._nodes[key] = [
                (n.node, n.due.astimezone(UTC).replace(tzinfo=None), n.assumed_calendar)
                for n in self.calendar.standard_nodes(at, category)
            ]
        return v


def _local_date(d: dt.datetime) -> dt.date:
    return (d + LOCAL_OFFSET).date()


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - DAY


def _end_of_day(day: dt.date) -> dt.datetime:
    # 23:59:59 Asia/Shanghai, naive UTC — duban.core.clock.end_of_day without the tz round trip
    return dt.datetime(day.year, day.month, day.day, 15, 59, 59)


# ---------------------------------------------------------------------------------------------
# Text

_VERBS = ["推进", "落实", "完成", "加快", "开展", "深化", "健全", "实施", "强化", "组织"]
_TOPICS = [
    "老旧小区改造",
    "5G基站建设",
    "高新技术企业认定",
    "“三制”改革",
    "煤矿智能化改造",
    "跨省通办事项",
    "农村人居环境整治",
    "汾河流域生态修复",
    "营商环境优化",
    "重点项目开工",
    "专班推进机制",
    "安全生产专项整治",
    "城镇新增就业",
    "义务教育薄弱环节改善",
    "乡村振兴示范创建",
    "不可降解塑料制品禁用",
    "政务服务“一网通办”",
    "开发区“三化三制”改革",
]
_DONE = [
    "已召开专题会议研究部署，明确责任分工和时间节点。",
    "已制定工作方案，成立工作专班，逐项推进落实。",
    "各项工作按计划推进，阶段性目标已完成。",
    "已完成全部任务，相关资料已归档，申请办结。",
]
_NEXT = ["下一步将继续加强调度，确保按期完成。", "持续跟踪问效，巩固工作成果。", ""]
_REASONS = ["办理结果不完整，请补充佐证材料后重新报送。", "未达到预期目标，请继续推进。"]


# ---------------------------------------------------------------------------------------------
# The generator


class Generator:
    ROLES_PER_KIND = {
        # supervisors, leaders, heads, clerks (township clerks are scaled to reach --users)
        "province": (20, 6, 2, 10),
        "city": (6, 3, 1, 12),
        "county": (3, 2, 1, 10),
        "township": (1, 0, 1, None),
        "department": (1, 0, 1, 12),
    }

    def __init__(self, args: argparse.Namespace, writer: Writer):
        from duban.core import clock

        self.args = args
        self.w = writer
        self.rng = random.Random(args.seed)
        if args.now:
            moment = dt.datetime.fromisoformat(args.now)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=clock.SHANGHAI)
        else:
            moment = clock.now()
        self.now = moment.astimezone(UTC).replace(tzinfo=None)
        self.cal = Cal()
        self.events: list[tuple] = []
        self.next_id = {"item": 1, "track": 1, "node": 1, "report": 1, "review": 1, "urge": 1, "extension": 1,
                        "target": 1, "figure": 1}  # fmt: skip
        self.work_report: list[dict] = []
        self.buf: dict[str, list[tuple]] = {
            k: [] for k in ("item", "track", "watch", "node", "report", "review", "urge", "extension")
        }

    def _id(self, kind: str) -> int:
        v = self.next_id[kind]
        self.next_id[kind] = v + 1
        return v

    # -- org tree and people ------------------------------------------------------------------

    def load_units(self) -> None:
        from duban.orgs.models import OrgUnit
        from duban.orgs.services import load_shanxi

        if not OrgUnit.objects.filter(code="140000").exists():
            from duban.core.clock import travel_to

            # Loaded (and journaled) before the simulated year, so the journal reads forward in time.
            before = self.now - dt.timedelta(days=self.args.days + 1)
            with travel_to(before.replace(tzinfo=UTC)):
                load_shanxi()
        self.units = {u.id: u for u in OrgUnit.objects.all()}
        self.children: dict[int, list] = {}
        for u in self.units.values():
            if u.parent_id:
                self.children.setdefault(u.parent_id, []).append(u)
        for kids in self.children.values():
            kids.sort(key=lambda u: u.code)
        self.province = next(u for u in self.units.values() if u.kind == "province")
        self.cities = [u for u in self.children[self.province.id] if u.kind == "city"]
        self.depts = [u for u in self.children[self.province.id] if u.kind == "department"]
        self.counties = [u for u in self.units.values() if u.kind == "county"]
        _log(f"{len(self.units)} units")

    def load_users(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.utils import timezone

        from duban.orgs.models import User

        kinds: dict[str, int] = {}
        for u in self.units.values():
            kinds[u.kind] = kinds.get(u.kind, 0) + 1
        fixed = sum(sum(v or 0 for v in self.ROLES_PER_KIND[k]) * n for k, n in kinds.items())
        townships = kinds.get("township", 0)
        per_town = max(1.0, (self.args.users - fixed) / townships) if townships else 0
        password = make_password("bench-pass-13710")  # one hash for all: hashing 20k would take minutes
        joined = timezone.now()
        rows = []
        for u in sorted(self.units.values(), key=lambda u: u.path):
            sup, lead, head, clerk = self.ROLES_PER_KIND[u.kind]
            if clerk is None:
                clerk = int(per_town) + (1 if self.rng.random() < per_town - int(per_town) else 0)
            for role, n in (("supervisor", sup), ("leader", lead), ("head", head), ("clerk", clerk)):
                for i in range(1, n + 1):
                    name = f"b{u.code}_{role}{i}"
                    rows.append(
                        User(
                            username=name,
                            password=password,
                            unit_id=u.id,
                            role=role,
                            display_name=f"{u.short_name or u.name}{role}{i}",
                            date_joined=joined,
                        )
                    )
        User.objects.bulk_create(rows, batch_size=2000)
        self.by_unit: dict[int, dict[str, list[tuple[int, str]]]] = {}
        for pk, unit_id, role, name in User.objects.filter(username__startswith="b").values_list(
            "pk", "unit_id", "role", "display_name"
        ):
            self.by_unit.setdefault(unit_id, {}).setdefault(role, []).append((pk, name))
        _log(f"{len(rows)} users")

    def people(self, unit_id: int, role: str) -> list[tuple[int, str]]:
        return self.by_unit.get(unit_id, {}).get(role, [])

    # -- journal ------------------------------------------------------------------------------

    def event(
        self, at, actor_id, unit_id, action, item_id, track_id, otype, oid, old=None, new=None, payload=None
    ):
        self.events.append(
            (at, actor_id, unit_id, action, item_id, track_id, otype, oid, old, new, payload or {})
        )

    # -- items --------------------------------------------------------------------------------

    def _created_times(self) -> list[dt.datetime]:
        rng, out = self.rng, []
        first_day = _local_date(self.now) - dt.timedelta(days=self.args.days)
        span = self.args.days
        while len(out) < self.args.items:
            day = first_day + dt.timedelta(days=rng.randrange(span + 1))
            if not self.cal.is_working(day):
                continue
            local = dt.datetime(day.year, day.month, day.day) + dt.timedelta(
                minutes=rng.randint(8 * 60 + 30, 18 * 60)
            )
            at = local - LOCAL_OFFSET + dt.timedelta(microseconds=rng.randrange(1_000_000))
            if at < self.now - dt.timedelta(minutes=30):
                out.append(at)
        out.sort()
        return out

    def _issuer_and_targets(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            issuer = self.province
            pool = lambda: rng.choice(  # noqa: E731
                self.depts if rng.random() < 0.55 else self.cities if rng.random() < 0.78 else self.counties
            )
        elif r < 0.55:
            issuer = rng.choice(self.cities)
            kids = [u for u in self.children.get(issuer.id, []) if u.kind == "county"]
            pool = lambda: rng.choice(kids)  # noqa: E731
        else:
            issuer = rng.choice(self.counties)
            kids = self.children.get(issuer.id, [])
            if not kids:
                return self._issuer_and_targets()
            pool = lambda: rng.choice(kids)  # noqa: E731
        n = rng.choices((1, 2, 3), weights=(60, 28, 12))[0]
        units: list = []
        for _ in range(n * 3):
            u = pool()
            if u not in units:
                units.append(u)
            if len(units) == n:
                break
        return issuer, units

    def run(self) -> None:
        from duban.items.services import monthly_progress_days

        rng = self.rng
        times = self._created_times()
        _log(f"simulating {len(times)} items up to {self.now:%Y-%m-%d %H:%M} UTC")
        started = time.monotonic()
        for n, created in enumerate(times, start=1):
            issuer, units = self._issuer_and_targets()
            category = rng.choices(("general", "major", "continuous"), weights=(58, 32, 10))[0]
            source = rng.choices(
                ("meeting", "instruction", "work_report", "key_project", "reform", "public_lead"),
                weights=(35, 20, 20, 10, 10, 5),
            )[0]
            final_due, progress = None, []
            if category == "continuous":
                start = _local_date(created)
                final_due = start + dt.timedelta(days=rng.randint(60, 330))
                progress = [d.isoformat() for d in monthly_progress_days(start=start, final_due=final_due)]
            sup_id, _ = rng.choice(self.people(issuer.id, "supervisor"))
            item_id = self._id("item")
            title = f"{rng.choice(_VERBS)}{rng.choice(_TOPICS)}（{issuer.short_name or issuer.name}第{item_id}号）"
            self.buf["item"].append(
                (
                    item_id,
                    title,
                    "按照省委省政府部署，" + title + "，确保按期完成。",
                    source,
                    category,
                    issuer.id,
                    issuer.path,
                    sup_id,
                    _ts(created),
                    _ts(created),
                    final_due.isoformat() if final_due else None,
                    json.dumps(progress),
                    None,
                    "{}",
                    2,  # register, then assign bumps it
                    False,  # not on the public progress page
                )
            )
            self.event(
                created,
                sup_id,
                issuer.id,
                "item.register",
                item_id,
                None,
                "item",
                item_id,
                new={
                    "title": title,
                    "category": category,
                    "source": source,
                    "issuer": issuer.code,
                    "final_due": final_due.isoformat() if final_due else None,
                    "progress_days": progress,
                },
            )
            item = {
                "id": item_id,
                "category": category,
                "final_due": final_due,
                "progress": [dt.date.fromisoformat(d) for d in progress],
                "issuer": issuer,
                "units": {u.id for u in units},  # one track per (item, unit)
            }
            lead_tid = self.next_id["track"]
            for i, unit in enumerate(units):
                role = "lead" if i == 0 or rng.random() < 0.4 else "coop"
                closed = self.track(item, unit, role, created, (sup_id, issuer.id), parent=None)
                if i == 0 and source == "work_report":
                    # Candidates for quantitative targets (see targets()); no draw from rng here,
                    # so the rest of the data is the same with or without targets.
                    self.work_report.append(
                        {"item": item, "created": created, "sup": sup_id, "track": lead_tid,
                         "unit": unit, "closed": closed}
                    )  # fmt: skip
            if n % 10000 == 0 or n == len(times):
                self.flush()
                rate = n / (time.monotonic() - started)
                _log(f"{n} items, {len(self.events)} events ({rate:.0f} items/s)")

    def _nodes_for(self, item: dict, assigned: dt.datetime) -> list[list]:
        day = _local_date(assigned)
        rows = [[kind, due, assumed] for kind, due, assumed in self.cal.standard(day, item["category"])]
        if item["category"] == "continuous":
            for d in item["progress"]:
                if day < d < item["final_due"]:
                    rows.append(["progress", _end_of_day(d), not self.cal.known(d.year)])
            rows.append(["result", _end_of_day(item["final_due"]), False])
        return rows

    def _when(self, prev: dt.datetime, due: dt.datetime, late_p: float) -> dt.datetime:
        """When a step happens: mostly before its due time, sometimes late."""
        rng = self.rng
        if rng.random() < late_p:
            return max(prev, due) + dt.timedelta(seconds=rng.randint(3600, 6 * 86400))
        room = (due - prev).total_seconds()
        if room <= 600:
            return prev + dt.timedelta(seconds=rng.randint(300, 7200))
        # Most work is done well before the deadline; bias towards the first part of the window.
        return prev + dt.timedelta(seconds=min(room - 60, max(300.0, room * rng.random() ** 2)))

    def track(
        self, item: dict, unit, role: str, assigned: dt.datetime, assigner: tuple[int, int], parent
    ) -> dt.datetime | None:
        """Simulate one track from assignment to now; returns when it closed (None if open)."""
        rng, now = self.rng, self.now
        item_id = item["id"]
        tid = self._id("track")
        nodes = []
        for seq, (kind, due, assumed) in enumerate(self._nodes_for(item, assigned), start=1):
            nodes.append([self._id("node"), kind, seq, due, due, None, assumed])
        t = {
            "state": "assigned",
            "assignee": None,
            "signed_at": None,
            "signed_by": None,
            "requested_by": None,
            "closed_at": None,
            "rating": "",
            "last_urged_at": None,
            "version": 2,  # created, then committed with its next_due_at
        }
        self.event(
            assigned,
            assigner[0],
            assigner[1],
            "track.assign" if parent is None else "track.pass_down",
            item_id,
            tid,
            "track",
            tid,
            new={"unit": unit.code, "role": role, "state": "assigned", "parent": parent},
        )
        # Who reviews and chases: the issuer's supervisors, or for a passed-down track the unit
        # that passed it down (its head may review, see services.can_review).
        if parent is None:
            review_unit = item["issuer"].id
            reviewers = self.people(review_unit, "supervisor")
        else:
            review_unit = assigner[1]
            reviewers = self.people(review_unit, "head") + self.people(review_unit, "supervisor")
        clerks = self.people(unit.id, "clerk")
        heads = self.people(unit.id, "head")
        handler = rng.choice(clerks) if clerks else rng.choice(heads)
        last = assigned
        late_p = rng.choice((0.03, 0.1, 0.3))
        stall = rng.randrange(5) if rng.random() < 0.03 else None  # this unit stops at that step
        children_closed: list[dt.datetime | None] = []

        def node_of(kind: str):
            open_ = [n for n in nodes if n[1] == kind and n[5] is None]
            return min(open_, key=lambda n: (n[3], n[2])) if open_ else None

        def report(kind: str, at: dt.datetime, new_state: str | None) -> None:
            node = node_of(kind)
            if node is not None:
                node[5] = at
            rid = self._id("report")
            self.buf["report"].append(
                (
                    rid,
                    kind,
                    rng.choice(_DONE),
                    rng.choice(_NEXT),
                    "",
                    "",
                    _ts(at),
                    handler[0],
                    node[0] if node else None,
                    tid,
                )
            )
            old = t["state"]
            if new_state:
                t["state"] = new_state
            t["version"] += 1
            self.event(
                at,
                handler[0],
                unit.id,
                f"report.{kind}",
                item_id,
                tid,
                "report",
                rid,
                old={"state": old},
                new={"state": t["state"]},
                payload={
                    "attachments": [],
                    "late": node is not None and at > node[3],
                    "node_due": _aware(node[3]).isoformat() if node else None,
                },
            )

        def due(kind: str) -> dt.datetime:
            node = node_of(kind)
            return node[3] if node else last + 3 * DAY

        # 批转: the head routes some tracks to a named clerk.
        if heads and clerks and rng.random() < 0.15:
            at = last + dt.timedelta(minutes=rng.randint(10, 240))
            if at < now:
                handler = rng.choice(clerks)
                t["assignee"] = handler[0]
                t["version"] += 1
                self.event(
                    at,
                    heads[0][0],
                    unit.id,
                    "track.route",
                    item_id,
                    tid,
                    "track",
                    tid,
                    old={"assignee": None},
                    new={"assignee": handler[0], "assignee_name": handler[1]},
                )
                last = at

        while True:  # one pass; `break` is "nothing more happened before now"
            # sign
            at = self._when(last, due("sign"), late_p)
            if stall == 0 or at >= now:
                break
            node_of("sign")[5] = at
            t.update(state="signed", signed_at=at, signed_by=handler[0])
            t["version"] += 1
            self.event(
                at, handler[0], unit.id, "track.sign", item_id, tid, "track", tid,
                old={"state": "assigned"}, new={"state": "signed"},
            )  # fmt: skip
            last = at
            # 下派: cities and counties pass some items down to their own lower units.
            kids = [
                u
                for u in self.children.get(unit.id, [])
                if u.kind in ("county", "township") and u.id not in item["units"]
            ]
            if parent is None and kids and rng.random() < 0.15:
                at = last + dt.timedelta(minutes=rng.randint(30, 600))
                if at < now:
                    for child in rng.sample(kids, min(len(kids), rng.choice((1, 2, 3)))):
                        item["units"].add(child.id)
                        children_closed.append(
                            self.track(item, child, "lead", at, (handler[0], unit.id), parent=tid)
                        )
                    t["version"] += 1
                    last = at
            # deploy, feedback
            at = self._when(last, due("deploy"), late_p)
            if stall == 1 or at >= now:
                break
            report("deploy", at, "deployed")
            last = at
            at = self._when(last, due("feedback"), late_p)
            if stall == 2 or at >= now:
                break
            report("feedback", at, "in_progress")
            last = at
            # progress: every node of a continuous item, now and then on the others
            stopped = False
            for _ in range(sum(1 for n in nodes if n[1] == "progress")):
                at = self._when(last, due("progress"), late_p)
                if at >= now:
                    stopped = True
                    break
                report("progress", at, None)
                last = at
            if stopped:
                break
            if rng.random() < 0.1:
                at = last + dt.timedelta(hours=rng.randint(4, 200))
                if at >= now:
                    break
                report("progress", at, None)
                last = at
            # result (申请办结), review, maybe one return
            returned = False
            while True:
                if children_closed and None in children_closed:
                    break  # a passed-down unit is still working: no closure request yet
                floor = max([last, *(c for c in children_closed if c)])
                at = self._when(floor, due("result"), late_p)
                if stall == 3 or at >= now:
                    break
                report("result", at, "requested")
                t["requested_by"] = handler[0]
                if t["last_urged_at"]:
                    t["last_urged_at"] = None
                last = at
                at = last + dt.timedelta(seconds=rng.randint(2 * 3600, 4 * 86400))
                if stall == 4 or at >= now:
                    break
                reviewer = rng.choice(reviewers)
                if not returned and rng.random() < 0.12:
                    returned = True
                    reason = rng.choice(_REASONS)
                    new_due = _end_of_day(self.cal.add(_local_date(at), 3))
                    nodes.append(
                        [
                            self._id("node"),
                            "result",
                            max(n[2] for n in nodes) + 1,
                            new_due,
                            new_due,
                            None,
                            False,
                        ]
                    )
                    self.buf["review"].append(
                        (self._id("review"), "return", "", reason, _ts(at), reviewer[0], tid)
                    )
                    t.update(state="returned", requested_by=None)
                    t["version"] += 1
                    self.event(
                        at, reviewer[0], review_unit, "track.return", item_id, tid, "track", tid,
                        old={"state": "requested"},
                        new={"state": "returned", "result_due": _aware(new_due).isoformat()},
                        payload={"reason": reason},
                    )  # fmt: skip
                    last = at
                    continue
                rating = rng.choices(("excellent", "good", "pass", "fail"), weights=(25, 45, 25, 5))[0]
                self.buf["review"].append(
                    (self._id("review"), "close", rating, "", _ts(at), reviewer[0], tid)
                )
                t.update(state="closed", closed_at=at, rating=rating)
                t["version"] += 1
                self.event(
                    at, reviewer[0], review_unit, "track.close", item_id, tid, "track", tid,
                    old={"state": "requested"}, new={"state": "closed", "rating": rating},
                )  # fmt: skip
                last = at
                break
            break

        open_nodes = [n for n in nodes if n[5] is None]
        next_due = None
        if t["state"] not in ("closed", "requested") and open_nodes:
            next_due = min(open_nodes, key=lambda n: (n[3], n[2]))[3]
        # 催办: issuers chase some overdue tracks; 延期申请: some units ask for time before a due.
        if next_due is not None and next_due < now - DAY and rng.random() < 0.5:
            at = max(last, next_due) + dt.timedelta(seconds=rng.randint(3600, 3 * 86400))
            if at < now:
                urger = rng.choice(reviewers)
                uid = self._id("urge")
                self.buf["urge"].append((uid, "请抓紧办理", _ts(at), urger[0], tid))
                t["last_urged_at"] = at
                t["version"] += 1
                self.event(
                    at, urger[0], review_unit, "track.urge", item_id, tid, "urge", uid,
                    payload={"message": "请抓紧办理"},
                )  # fmt: skip
        elif next_due is not None and next_due > now and rng.random() < 0.04:
            at = max(last, now - 2 * DAY) + dt.timedelta(seconds=rng.randint(60, 3600))
            if at < min(now, next_due):
                node = min(open_nodes, key=lambda n: (n[3], n[2]))
                proposed = _local_date(node[3]) + dt.timedelta(days=rng.randint(3, 20))
                reason = "受客观因素影响，需延长办理时限。"
                eid = self._id("extension")
                self.buf["extension"].append(
                    (
                        eid,
                        reason,
                        proposed.isoformat(),
                        "pending",
                        _ts(at),
                        None,
                        "",
                        handler[0],
                        None,
                        node[0],
                        tid,
                    )
                )
                t["version"] += 1
                self.event(
                    at, handler[0], unit.id, "extension.request", item_id, tid, "extension", eid,
                    new={"node": node[1], "due": _aware(node[3]).isoformat(), "proposed": proposed.isoformat()},
                    payload={"reason": reason},
                )  # fmt: skip

        self.buf["track"].append(
            (
                tid,
                unit.path,
                role,
                t["state"],
                _ts(assigned),
                _ts(t["signed_at"]),
                _ts(t["closed_at"]),
                t["rating"],
                _ts(next_due),
                _ts(t["last_urged_at"]),
                t["version"],
                assigner[0],
                t["assignee"],
                item_id,
                parent,
                t["requested_by"],
                t["signed_by"],
                unit.id,
            )
        )
        if t["state"] != "closed":
            # Never swept yet: the first sweep pass looks at every open track.
            self.buf["watch"].append((tid, _ts(last)))
        for node_id, kind, seq, due_at, original, done_at, assumed in nodes:
            self.buf["node"].append(
                (node_id, kind, seq, _ts(due_at), _ts(original), _ts(done_at), assumed, tid)
            )
        return t["closed_at"]

    # -- quantitative targets (量化指标) and their monthly figures -----------------------------

    # (indicator, unit label, kind, comparator, value, baseline, higher is better)
    INDICATORS = [
        ("新建5G基站", "座", "cumulative", "=", 15000, None, True),
        ("城镇新增就业", "万人", "cumulative", ">=", 45, None, True),
        ("改造老旧小区", "个", "cumulative", "=", 1866, None, True),
        ("新增高标准农田", "万亩", "cumulative", "=", 200, None, True),
        ("完成营造林", "万亩", "cumulative", "=", 300, None, True),
        ("完成固定资产投资", "亿元", "cumulative", ">=", 8000, None, True),
        ("新增规上工业企业", "户", "cumulative", ">=", 1000, None, True),
        ("农村改厕", "万户", "cumulative", "=", 30, None, True),
        ("城镇化率", "%", "level", ">=", 64.0, 62.5, True),
        ("森林覆盖率", "%", "level", ">=", 24.0, 23.2, True),
        ("单位GDP能耗", "吨标准煤/万元", "level", "<=", 1.2, 1.3, False),
        ("地区生产总值增长", "%", "growth", "~", 8.0, None, True),
        ("一般公共预算收入增长", "%", "growth", "~", 6.5, None, True),
        ("规上工业增加值增长", "%", "growth", ">=", 8.0, None, True),
        ("城镇调查失业率", "%", "ceiling", "<=", 5.5, None, False),
        ("居民消费价格涨幅", "%", "ceiling", "<=", 3.0, None, False),
    ]
    KIND_WEIGHTS = {"cumulative": 60, "level": 20, "growth": 15, "ceiling": 5}
    CONFIDENCE_REASONS = {
        "sure": "",
        "likely": "",
        "at_risk": "受项目审批和资金到位影响，后几个月进度存在不确定性。",
        "unlikely": "主要项目推迟开工，全年目标完成难度较大。",
    }

    def targets(self) -> None:
        """≈``--targets`` targets on work-report items, as ``duban.targets.services`` would
        have written them, each with a year of monthly figures:

        - the province's own (≈3%), each allocated (分解) to the 11 cities — the city shares are a
          third of all targets; one city share in 20 is split again among the city's counties;
        - the rest on cities' and counties' own work-report items.

        The plan year is this year; a figure is filed in the month after its period, by the
        10th mostly, sometimes late, now and then never; some are corrected (a second version),
        some carry the unit's 完成预判, and a tenth of the province's and cities' targets get
        quarterly statistics figures (统计数) entered by a supervisor above. Shares are tracks
        passed down from the target's track, simulated like every other track.
        """
        rng = random.Random(self.args.seed * 31 + 7)  # its own stream: the items do not move
        total = self.args.targets
        local_now = self.now + LOCAL_OFFSET
        self.plan_year = local_now.year if local_now.month > 1 else local_now.year - 1
        self.t_rows: list[tuple] = []
        self.f_rows: list[tuple] = []
        self.share_tracks: dict[tuple[int, int], int] = {}  # (item, unit) → the passed-down track
        pool = sorted(self.work_report, key=lambda w: w["created"])  # the report's tasks come first
        province = [
            w for w in pool if w["item"]["issuer"].id == self.province.id and w["unit"].kind == "department"
        ]
        own = [w for w in pool if w["item"]["issuer"].kind in ("city", "county")]
        n_province = max(1, round(total * 0.03))
        made = {"province": 0, "city": 0, "county": 0, "own": 0}
        city_shares: list[tuple[dict, tuple]] = []
        for w in province:
            if made["province"] >= n_province:
                break
            if any(
                c.id in w["item"]["units"] and (w["item"]["id"], c.id) not in self.share_tracks
                for c in self.cities
            ):
                continue  # a city already handles it directly: services.allocate would refuse
            for _ in range(rng.choice((1, 1, 2, 3))):
                if made["province"] >= n_province:
                    break
                parent = self._target(rng, w, w["track"], w["unit"], None, None, w["created"])
                made["province"] += 1
                city_shares += [(w, s) for s in self._allocate(rng, w, parent, self.cities)]
                made["city"] += len(self.cities)
        for w, share in city_shares:
            if rng.random() < 0.05:
                city = share[4]
                counties = [u for u in self.children.get(city.id, []) if u.kind == "county"]
                taken = [u for u in counties if u.id in w["item"]["units"]]
                if counties and all((w["item"]["id"], u.id) in self.share_tracks for u in taken):
                    made["county"] += len(self._allocate(rng, w, share, counties))
        left = total - sum(made.values())
        for w in own:
            if left <= 0:
                break
            for _ in range(rng.choice((1, 1, 2, 3))):
                if left <= 0:
                    break
                self._target(rng, w, w["track"], w["unit"], None, None, w["created"])
                made["own"] += 1
                left -= 1
        self.flush()  # the shares' tracks before the targets that point at them
        from django.db import transaction

        from duban.targets.models import Figure, Target

        with transaction.atomic():
            self.t_rows.sort()  # parents before their shares
            self.w.insert(Target, self.T_COLUMNS, self.t_rows)
            for start in range(0, len(self.f_rows), 50000):
                self.w.insert(Figure, self.F_COLUMNS, self.f_rows[start : start + 50000])
            # Each target's stored copy of its current figures, as the services keep it.
            from duban.targets.services import series_from_figures

            for tid, series in series_from_figures([row[0] for row in self.t_rows]).items():
                if series:
                    Target.objects.filter(pk=tid).update(series=series)
        _log(
            f"targets for {self.plan_year}: {made['province']} provincial, {made['city']} city shares, "
            f"{made['county']} county shares, {made['own']} of cities and counties; {len(self.f_rows)} figures"
        )
        self.t_rows, self.f_rows = [], []

    T_COLUMNS = [
        "id", "item_id", "track_id", "parent_id", "unit_id", "issuer_path", "unit_path", "indicator", "unit_label",
        "kind", "comparator", "value", "value_max", "higher_is_better", "plan_year", "baseline", "last_year", "period",
        "due_day", "profile", "tolerance", "source_text", "source_ref", "created_by_id", "created_at", "version",
        "series",
    ]  # fmt: skip
    F_COLUMNS = [
        "id", "target_id", "period_end", "source", "version", "value", "note", "confidence", "confidence_reason",
        "report_id", "author_id", "created_at",
    ]  # fmt: skip

    def _target(
        self, rng, w: dict, track_id: int, unit, parent: tuple | None, value, at: dt.datetime
    ) -> tuple:
        """One target row (a share when ``parent`` is given), its journal event and its figures.
        Returns (id, definition, track id, at, unit) for allocating it further."""
        item = w["item"]
        if parent is None:
            kinds = list(self.KIND_WEIGHTS)
            kind = rng.choices(kinds, weights=list(self.KIND_WEIGHTS.values()))[0]
            name, label, kind, comparator, base_value, baseline, up = rng.choice(
                [i for i in self.INDICATORS if i[2] == kind]
            )
            scale = (
                1.0 if item["issuer"].kind == "province" else (0.1 if item["issuer"].kind == "city" else 0.01)
            )
            value = (
                base_value if kind in ("growth", "ceiling", "level") else round(base_value * scale, 2) or 1
            )
            defn = {"indicator": name, "unit_label": label, "kind": kind, "comparator": comparator,
                    "value": float(value), "baseline": baseline, "higher_is_better": up}  # fmt: skip
            at = at + dt.timedelta(minutes=rng.randint(5, 90))
            actor, actor_unit, action = w["sup"], item["issuer"].id, "target.create"
        else:
            defn = dict(parent[1], value=float(value))
            actor, actor_unit, action = parent[5], parent[6], "target.allocate"
        tid = self._id("target")
        self.t_rows.append(
            (
                tid, item["id"], track_id, parent[0] if parent else None, unit.id, item["issuer"].path, unit.path,
                defn["indicator"], defn["unit_label"], defn["kind"], defn["comparator"], defn["value"], None,
                defn["higher_is_better"], self.plan_year, defn["baseline"], None, "monthly", 10, None, 0.05,
                f"{defn['indicator']}{defn['value']:g}{defn['unit_label']}", "{}", actor, _ts(at), 1,
                "{}",  # series: filled from the figures once they are written
            )
        )  # fmt: skip
        if parent is None:
            new = {**defn, "plan_year": self.plan_year, "period": "monthly", "due_day": 10, "tolerance": 0.05}
        else:
            new = {"parent": parent[0], "unit": unit.code, "value": defn["value"], "value_max": None}
        self.event(at, actor, actor_unit, action, item["id"], track_id, "target", tid, new=new)
        self._figures(rng, tid, defn, item, track_id, unit, at)
        return (tid, defn, track_id, at, unit, None, None)

    def _allocate(self, rng, w: dict, parent: tuple, units: list) -> list[tuple]:
        """分解 among ``units``: a track passed down from the parent's track to each (simulated
        from then on like any other), and a share whose values add up to the whole."""
        item = w["item"]
        at = parent[3] + dt.timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
        if at >= self.now:
            return []
        owner = parent[4]
        if owner.kind == "department":  # the province allocates: its supervisor
            actor, actor_unit = rng.choice(self.people(self.province.id, "supervisor"))[0], self.province.id
        else:  # a city splits its share: its supervisor (or head)
            who = self.people(owner.id, "supervisor") or self.people(owner.id, "head")
            actor, actor_unit = rng.choice(who)[0], owner.id
        defn = parent[1]
        summable = defn["kind"] in ("cumulative", "level") and "%" not in defn["unit_label"]
        weights = [rng.uniform(0.5, 1.5) for _ in units]
        out = []
        for unit, weight in zip(units, weights, strict=True):
            if summable:
                value = round(defn["value"] * weight / sum(weights) * 1.02, 2)  # a little over the whole
            else:
                value = defn["value"]
            child_tid = self.share_tracks.get((item["id"], unit.id))
            if child_tid is None:  # the unit's first share of this item: its track is passed down
                item["units"].add(unit.id)
                child_tid = self.share_tracks[item["id"], unit.id] = self.next_id["track"]
                self.track(item, unit, "lead", at, (actor, actor_unit), parent=parent[2])
            share = self._target(
                rng, w, child_tid, unit, (parent[0], defn, None, None, None, actor, actor_unit), value, at
            )
            out.append(share)
        return out

    def _figures(
        self, rng, tid: int, defn: dict, item: dict, track_id: int, unit, created: dt.datetime
    ) -> None:
        """A year of monthly figures, each filed in the month after its period (or never)."""
        filers = self.people(unit.id, "clerk")[:3] + self.people(unit.id, "head")
        if not filers:
            return
        author = rng.choice(filers)[0]
        kind, target, base = defn["kind"], defn["value"], defn["baseline"]
        pace = rng.gauss(1.0, 0.12)
        stops = rng.randint(3, 11) if rng.random() < 0.04 else 13  # stops reporting after that month
        stats_by = None
        if rng.random() < 0.1 and unit.kind in ("department", "city"):
            stats_by = rng.choice(self.people(self.province.id, "supervisor"))[0]
        last_at = created
        value = 0.0
        for month in range(1, 13):
            if month > stops:
                break
            share = month / 12
            noise = rng.gauss(0, 0.03)
            if kind == "cumulative":
                value = max(value, round(target * share * pace * (1 + noise), 2))
            elif kind == "level":
                start = base if base is not None else 0.0
                value = round(start + (target - start) * share * pace * (1 + noise), 3)
            elif kind == "growth":
                value = round(target * pace + noise * 10, 2)
            else:
                value = round(target * rng.uniform(0.85, 1.05), 2)
            end = _month_end(self.plan_year, month)
            nxt = end + DAY
            day = rng.randint(1, 10) if rng.random() < 0.9 else rng.randint(11, 25)
            local = dt.datetime(nxt.year, nxt.month, day, rng.randint(9, 17), rng.randint(0, 59))
            at = local - LOCAL_OFFSET
            if rng.random() < 0.03:
                continue  # this month never reported
            at = max(at, last_at + dt.timedelta(minutes=rng.randint(10, 240)))  # catching up
            if at >= self.now:
                break
            last_at = at
            confidence = ""
            if rng.random() < 0.25:
                confidence = rng.choices(list(self.CONFIDENCE_REASONS), weights=(45, 35, 15, 5))[0]
            self._figure(tid, end, "unit", 1, value, confidence, author, at, item, track_id, unit.id, None)
            if rng.random() < 0.05:
                fixed = round(value * rng.uniform(0.97, 1.03), 2)
                again = at + dt.timedelta(hours=rng.randint(2, 96))
                if again < self.now:
                    self._figure(tid, end, "unit", 2, fixed, confidence, author, again, item, track_id,
                                 unit.id, value)  # fmt: skip
                    last_at = again
            if stats_by and month % 3 == 0:
                stat_at = at + dt.timedelta(days=rng.randint(5, 15))
                if stat_at < self.now:
                    stat = round(value * rng.gauss(1.0, 0.02), 2)
                    self._figure(tid, end, "stats", 1, stat, "", stats_by, stat_at, item, track_id,
                                 self.province.id, None)  # fmt: skip

    def _figure(self, tid, end, source, version, value, confidence, author, at, item, track_id, unit_id, old):
        fid = self._id("figure")
        reason = self.CONFIDENCE_REASONS.get(confidence, "")
        self.f_rows.append((fid, tid, end.isoformat(), source, version, value, "", confidence, reason, None,
                            author, _ts(at)))  # fmt: skip
        self.event(
            at, author, unit_id, "figure.correct" if old is not None else "figure.file", item["id"], track_id,
            "figure", fid,
            old={"value": old, "version": version - 1} if old is not None else None,
            new={"target": tid, "period": end.isoformat(), "source": source, "value": value},
            payload={"confidence": confidence} if confidence else None,
        )  # fmt: skip

    # -- writing ------------------------------------------------------------------------------

    COLUMNS = {
        "item": [
            "id", "title", "body", "source", "category", "issuer_unit_id", "issuer_path", "created_by_id",
            "created_at", "assigned_at", "final_due", "progress_days", "external_id", "source_ref", "version",
            "public",
        ],
        "track": [
            "id", "unit_path", "role", "state", "assigned_at", "signed_at", "closed_at", "rating", "next_due_at",
            "last_urged_at", "version", "assigned_by_id", "assignee_id", "item_id", "parent_id", "requested_by_id",
            "signed_by_id", "unit_id",
        ],
        "watch": ["track_id", "sweep_at"],
        "node": ["id", "kind", "seq", "due_at", "original_due_at", "done_at", "assumed_calendar", "track_id"],
        "report": [
            "id", "kind", "done", "next_steps", "problems", "support_needed", "created_at", "author_id", "node_id",
            "track_id",
        ],
        "review": ["id", "decision", "rating", "comment", "created_at", "reviewer_id", "track_id"],
        "urge": ["id", "message", "created_at", "by_id", "track_id"],
        "extension": [
            "id", "reason", "proposed_due", "state", "requested_at", "decided_at", "decision_note",
            "requested_by_id", "decided_by_id", "node_id", "track_id",
        ],
    }  # fmt: skip

    def flush(self) -> None:
        from django.db import transaction

        from duban.items import models as m
        from duban.notify.models import Watch

        models = {
            "watch": Watch,
            "item": m.Item,
            "track": m.Track,
            "node": m.Node,
            "report": m.Report,
            "review": m.Review,
            "urge": m.Urge,
            "extension": m.Extension,
        }
        with transaction.atomic():
            for key in ("item", "track", "watch", "node", "report", "review", "urge", "extension"):
                rows = self.buf[key]
                if key == "track":
                    rows.sort()  # parents before their passed-down children
                self.w.insert(models[key], self.COLUMNS[key], rows)
                self.buf[key] = []

    def write_journal(self) -> None:
        from django.db import transaction

        from duban.journal.models import Event, Head
        from duban.journal.services import GENESIS, compute_hash

        _log(f"hashing and writing {len(self.events)} journal events")
        self.events.sort(key=lambda e: e[0])  # stable: same-moment events keep their causal order
        columns = [
            "id", "seq", "at", "action", "object_type", "object_id", "old", "new", "payload", "prev_hash", "hash",
            "actor_id", "actor_unit_id", "item_id", "track_id",
        ]  # fmt: skip
        # The chain goes on from what is already there (the org tree's load is journaled).
        head = Head.objects.filter(id=1).first()
        start, prev = (head.seq, head.hash) if head and head.seq else (0, GENESIS)
        batch: list[tuple] = []
        for seq, (at, actor, unit, action, item, track, otype, oid, old, new, payload) in enumerate(
            self.events, start + 1
        ):
            digest = compute_hash(
                seq=seq,
                at=_aware(at),
                actor_id=actor,
                actor_unit_id=unit,
                action=action,
                item_id=item,
                track_id=track,
                object_type=otype,
                object_id=oid,
                old=old,
                new=new,
                payload=payload,
                prev_hash=prev,
            )
            batch.append(
                (seq, seq, _ts(at), action, otype, oid, _jdump(old), _jdump(new), _jdump(payload), prev, digest,
                 actor, unit, item, track)
            )  # fmt: skip
            prev = digest
            if len(batch) >= 50000:
                with transaction.atomic():
                    self.w.insert(Event, columns, batch)
                batch = []
        with transaction.atomic():
            self.w.insert(Event, columns, batch)
            Head.objects.update_or_create(id=1, defaults={"seq": start + len(self.events), "hash": prev})
        self.events = []

    def finish(self) -> None:
        from django.db import connection

        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                for table in ("items_item", "items_track", "items_node", "items_report", "items_review",
                              "items_urge", "items_extension", "journal_event", "targets_target",
                              "targets_figure"):  # fmt: skip
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                    )
        if not self.args.no_analyze:
            _log("ANALYZE")
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    cur.execute("VACUUM ANALYZE") if connection.connection.autocommit else cur.execute(
                        "ANALYZE"
                    )
                else:
                    cur.execute("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _setup_django(args)
    from django.core.management import call_command
    from django.db import connection

    from duban.items.models import Item

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    if Item.objects.exists():
        raise SystemExit(
            "the database already has items: generate into a fresh database (--fresh for SQLite)"
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            # Bulk load: durability does not matter until the end (a crash means regenerate).
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-400000")
    writer = Writer(connection)
    gen = Generator(args, writer)
    gen.load_units()
    gen.load_users()
    # A bench assigns ids itself (parents must be known before children are written).
    gen.run()
    if args.targets:
        gen.targets()
    gen.write_journal()
    gen.finish()
    # The stored roll-ups, as the services would have kept them closing each track: the
    # dashboard's closed counts and the bulletins' settled rows.
    from duban.bulletins import rollup as settled
    from duban.dashboard import rollup

    rollup.rebuild()
    _log("settling closed tracks for bulletins")
    settled.rebuild()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    summary = ", ".join(f"{k}={v}" for k, v in sorted(writer.counts.items()))
    _log(f"done in {time.monotonic() - t0:.0f}s: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
