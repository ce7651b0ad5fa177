"""The demo database: Shanxi's org tree, a handful of logins, and a few dozen items in every state.

Histories are made by travelling the clock and calling the real services, so every report,
review and reminder is in the journal exactly as if people had done it over the past weeks.
Each item's history is a generator that yields the moments it acts at; a scheduler runs all of
them in time order, so the journal reads forward in time like a real one.

Everything is relative to the moment the builder runs: lights are derived at read time, so an
item built "due today" is yellow today and red next week, as a real one would be.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from duban.core.clock import SHANGHAI, now, travel_to
from duban.core.errors import DubanError
from duban.items import services
from duban.items.models import Category, Item, Node, NodeKind, ReportKind, Source, Track
from duban.orgs.models import OrgUnit, Role, User
from duban.targets import progress as target_progress
from duban.targets import services as target_services
from duban.targets.models import Confidence, FigureSource, Kind, Target
from duban.workcal.calendar import add_working_days, is_working_day, next_working_day_on_or_after

DEMO_PASSWORD = "duban2021"
MARKER = "demo:"  # external_id prefix of every demo item
REPORT_FILE = "shanxi_2021_government_work_report.txt"
REPORT_TITLE = "山西省2021年政府工作报告"
PROVINCE = "140000"
TAIYUAN = "140100"
XIAODIAN = "140105"
YINGZE = "140106"
LIUJIABU = "140105001"
DATONG = "140200"

# (username, display name, unit: division code or provincial department short name, role)
USERS: list[tuple[str, str, str, str]] = [
    ("prov_sup", "王敏", PROVINCE, Role.SUPERVISOR),
    ("prov_leader", "赵志刚", PROVINCE, Role.LEADER),
    ("office_admin", "孙丽", "省政府办公厅", Role.ADMIN),
    ("ty_sup", "刘洋", TAIYUAN, Role.SUPERVISOR),
    ("ty_leader", "陈建华", TAIYUAN, Role.LEADER),
    ("ty_clerk", "杨帆", TAIYUAN, Role.CLERK),
    ("xd_head", "周强", XIAODIAN, Role.HEAD),
    ("xd_clerk", "吴静", XIAODIAN, Role.CLERK),
    ("yz_head", "郑伟", YINGZE, Role.HEAD),
    ("yz_clerk", "冯雪", YINGZE, Role.CLERK),
    ("ljb_clerk", "何亮", LIUJIABU, Role.CLERK),
    ("gxt_head", "高峰", "省工信厅", Role.HEAD),
    ("gxt_clerk", "林晓", "省工信厅", Role.CLERK),
    ("fgw_head", "马骏", "省发展改革委", Role.HEAD),
    ("fgw_clerk", "胡婷", "省发展改革委", Role.CLERK),
    ("kjt_clerk", "郭磊", "省科技厅", Role.CLERK),
    ("nync_clerk", "罗兰", "省农业农村厅", Role.CLERK),
    ("zjt_clerk", "梁超", "省住建厅", Role.CLERK),
    ("jyt_clerk", "宋佳", "省教育厅", Role.CLERK),
    ("sthjt_clerk", "唐宁", "省生态环境厅", Role.CLERK),
    ("rst_clerk", "韩冰", "省人社厅", Role.CLERK),
    ("swt_clerk", "曹阳", "省商务厅", Role.CLERK),
    ("wjw_clerk", "许诺", "省卫健委", Role.CLERK),
    ("spj_clerk", "严明", "省审批局", Role.CLERK),
    # The other cities' clerks: they file their shares of a target the province allocated.
    ("dt_clerk", "白云", "140200", Role.CLERK),
    ("yq_clerk", "石磊", "140300", Role.CLERK),
    ("cz_clerk", "申华", "140400", Role.CLERK),
    ("jc_clerk", "常青", "140500", Role.CLERK),
    ("sz_clerk", "田野", "140600", Role.CLERK),
    ("jz_clerk", "武斌", "140700", Role.CLERK),
    ("yc_clerk", "薛梅", "140800", Role.CLERK),
    ("xz_clerk", "牛犇", "140900", Role.CLERK),
    ("lf_clerk", "贾琳", "141000", Role.CLERK),
    ("ll_clerk", "温鑫", "141100", Role.CLERK),
]
CITY_CLERKS = {
    "140100": "ty_clerk",
    "140200": "dt_clerk",
    "140300": "yq_clerk",
    "140400": "cz_clerk",
    "140500": "jc_clerk",
    "140600": "sz_clerk",
    "140700": "jz_clerk",
    "140800": "yc_clerk",
    "140900": "xz_clerk",
    "141000": "lf_clerk",
    "141100": "ll_clerk",
}
# How an allocated target is split among the cities (its whole is 15,000: 5G sites), and the
# city that falls behind.
CITY_WEIGHTS = {
    "140100": 2600,
    "140200": 1500,
    "140300": 900,
    "140400": 1400,
    "140500": 1100,
    "140600": 800,
    "140700": 1300,
    "140800": 1700,
    "140900": 1200,
    "141000": 1500,
    "141100": 1000,
}
LAGGING_CITY = "141100"  # 吕梁市

REPORT_TEXTS = {
    ReportKind.DEPLOY: "已召开专题会议传达学习，明确分管领导和责任科室，制定工作方案，细化任务分工和时间节点。",
    ReportKind.FEEDBACK: "已落实专人负责，建立工作台账，逐项推进；与相关单位对接，协调解决推进中的具体问题。",
    ReportKind.PROGRESS: "本月按计划推进，主要指标完成进度符合预期，已完成阶段性任务，台账已更新。",
    ReportKind.RESULT: "已按要求完成各项任务，相关材料和佐证已整理归档，申请办结。",
}


# ---------------------------------------------------------------------------------------------
# What each handling unit does with its track


@dataclass
class Plan:
    """One track's history. Days are local dates; anything later than the present is not done."""

    actor: str  # the clerk or head who signs and reports
    upto: str = "in_progress"  # assigned | signed | deployed | in_progress
    progress: str = "all"  # all | skip_last: report at every passed monthly node, or miss the last
    route: tuple[str, str] | None = None  # (head, clerk): 批转 right after assignment
    down: list[tuple[str, Plan]] = field(default_factory=list)  # 下派 the day after assignment
    ext: tuple[str, dt.date, int] | None = None  # ("granted"|"pending", request day, extra days)
    urges: list[dt.date] = field(default_factory=list)
    result: dt.date | None = None  # 申请办结 at 15:00 that day
    review: list[tuple[str, dt.date]] = field(default_factory=list)  # ("return"|"result"|rating, day)


@dataclass
class Spec:
    key: str
    issuer: str  # supervisor username
    title: str
    body: str
    source: str
    category: str
    assign: dt.datetime
    lead: list[tuple[str, Plan]]
    coop: list[tuple[str, Plan]] = field(default_factory=list)
    final_due: dt.date | None = None
    instructions: list[tuple[str, dt.datetime, str]] = field(default_factory=list)  # (leader, at, text)
    # The task's parsed targets (as a batch assignment passes them) and, for each, how its
    # figures go — a scenario of ``Builder._figure_story``.
    targets: list[dict] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    users_created: int = 0
    items_created: int = 0
    skipped: bool = False
    work_report_source: str = ""
    failures: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Org units and users


def unit_for(ref: str) -> OrgUnit:
    if ref[:1].isdigit():
        return OrgUnit.objects.get(code=ref)
    return OrgUnit.objects.get(short_name=ref, parent__code=PROVINCE)


def ensure_org_tree() -> None:
    from duban.orgs.services import load_shanxi

    if (
        not OrgUnit.objects.filter(code=LIUJIABU).exists()
        or not OrgUnit.objects.filter(parent__code=PROVINCE, kind="department").exists()
    ):
        load_shanxi()


def ensure_vocabulary() -> None:
    """The shipped department vocabulary in the table the demo admin can edit."""
    from duban.plans.models import UnitVocabulary
    from duban.plans.services import load_vocabulary
    from duban.workplan.units import read_vocabulary_file

    if not UnitVocabulary.objects.exists():
        load_vocabulary(rows=read_vocabulary_file())


def ensure_users() -> int:
    """Create the demo logins that are missing; existing accounts are left as they are."""
    existing = set(User.objects.filter(username__in=[u[0] for u in USERS]).values_list("username", flat=True))
    missing = [u for u in USERS if u[0] not in existing]
    if not missing:
        return 0
    from duban.orgs.services import create_user

    hashed = make_password(DEMO_PASSWORD)  # one hash for all: hashing is deliberately slow
    with transaction.atomic():
        for username, name, ref, role in missing:
            number = [u[0] for u in USERS].index(username) + 1
            user = create_user(
                actor=None,
                username=username,
                display_name=name,
                unit=unit_for(ref),
                role=role,
                # Where the demo's e-mails and texts go: files under the data directory.
                email=f"{username}@demo.duban.local",
                phone=f"1380000{number:04d}",
                password_hash=hashed,
            )
            if role == Role.ADMIN:
                # The demo admin may also open Django's (read-only) admin site.
                User.objects.filter(pk=user.pk).update(is_superuser=True)
    return len(missing)


def logins() -> list[dict]:
    """The demo logins in table order, as they are in the database."""
    users = {
        u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS]).select_related("unit")
    }
    rows = []
    for username, *_ in USERS:
        u = users.get(username)
        if u is not None:
            rows.append(
                {
                    "username": u.username,
                    "name": u.display_name,
                    "unit": u.unit.name if u.unit else "",
                    "role": str(Role(u.role).label),
                }
            )
    return rows


# ---------------------------------------------------------------------------------------------
# Work-report commitments


def _report_bytes() -> bytes:
    return resources.files("duban.data").joinpath(REPORT_FILE).read_bytes()


def short_title(theme: str, text: str, mark: str = "", limit: int = 60) -> str:
    """Theme plus the commitment's clause: "积极扩大有效投资：再新建5G基站1.5万座".

    The clause is the one holding ``mark`` (the parser's first target or deadline), else the
    first; a theme that is a whole sentence is cut to its first clause.
    """
    theme = re.split(r"[，；]", theme.strip().rstrip("。；，"))[0]
    body = " ".join(text.split())
    if theme and body.startswith(theme):
        body = body[len(theme) :].lstrip("。；，：")
    clauses = [c.strip() for c in re.split(r"[，；。！？]", body) if c.strip()] or [body]
    clause = next((c for c in clauses if mark and (mark in c or c in mark)), clauses[0])
    title = f"{theme}：{clause}" if theme else clause
    return title if len(title) <= limit else title[: limit - 1] + "…"


def parser_tasks(data: bytes) -> list[dict]:
    """Commitments with a figure or a deadline, as ``duban.workplan`` decomposes the report."""
    from duban.workplan import decompose

    parsed = decompose(data, name=REPORT_FILE)
    year = parsed.get("plan_year")
    out = []
    for t in parsed.get("tasks") or []:
        text = (t.get("text") or "").strip()
        if not text:
            continue
        deadline = t.get("deadline") or {}
        targets = [x.get("text", "") if isinstance(x, dict) else str(x) for x in t.get("targets") or []]
        if not targets and not deadline:
            continue
        out.append(
            {
                "text": text,
                "theme": (t.get("theme") or "").strip(),
                "part": str(t.get("part") or ""),
                "targets": [x for x in targets if x],
                "deadline_text": deadline.get("text", "") if isinstance(deadline, dict) else "",
                "units": [s.get("name", "") for s in t.get("suggested_units") or [] if isinstance(s, dict)],
                # The parsed targets themselves, as a batch assignment hands them to the targets.
                "target_terms": [x for x in t.get("targets") or [] if isinstance(x, dict)],
                "report_year": year,
            }
        )
    return out


def pick_spread(tasks: list[dict], n: int) -> list[dict]:
    """Up to n tasks, round-robin over the report's parts so every part is represented."""
    by_part: dict[str, list[dict]] = {}
    for t in tasks:
        by_part.setdefault(t["part"], []).append(t)
    out: list[dict] = []
    for group in itertools.zip_longest(*by_part.values()):
        for t in group:
            if t is not None and len(out) < n:
                out.append(t)
    return out


# ---------------------------------------------------------------------------------------------
# The builder


class Builder:
    def __init__(self, *, work_report_items: int = 30) -> None:
        self.present = now()
        self.today = self.present.astimezone(SHANGHAI).date()
        self.work_report_items = work_report_items
        self.users: dict[str, User] = {}
        self.units: dict[str, OrgUnit] = {}
        self.result = BuildResult()
        self._heap: list = []
        self._seq = itertools.count()
        self._current: dt.datetime | None = None  # the moment being played
        anchor = self.today
        while not is_working_day(anchor):
            anchor -= dt.timedelta(days=1)
        self._anchor = anchor
        # The year the report's annual targets are read as: this year, except in the first days
        # of January, when last year's November figures are still the latest (its December
        # ones are due on the 10th). Last year's targets (``target_year - 1``) are complete.
        self.target_year = (
            self.today.year if self.today >= dt.date(self.today.year, 1, 11) else self.today.year - 1
        )

    # -- time helpers ------------------------------------------------------------------------

    def W(self, n: int) -> dt.date:
        """The working day n working days before the latest working day up to today."""
        day, left = self._anchor, n
        while left > 0:
            day -= dt.timedelta(days=1)
            if is_working_day(day):
                left -= 1
        return day

    def working_day_before(self, day: dt.date, days: int) -> dt.date:
        """The latest working day at least ``days`` calendar days before ``day``."""
        d = day - dt.timedelta(days=days)
        while not is_working_day(d):
            d -= dt.timedelta(days=1)
        return d

    def back_from(self, target: dt.date, n: int) -> dt.date:
        """The latest working day D with add_working_days(D, n) == target."""
        d = target - dt.timedelta(days=1)
        while not (is_working_day(d) and add_working_days(d, n) == target):
            d -= dt.timedelta(days=1)
        return d

    @staticmethod
    def at(day: dt.date, hm: str = "10:00") -> dt.datetime:
        h, m = (int(x) for x in hm.split(":"))
        return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=SHANGHAI)

    def recent(self, minutes_ago: int) -> dt.datetime:
        return (self.present - dt.timedelta(minutes=minutes_ago)).astimezone(SHANGHAI)

    @property
    def cutoff_day(self) -> dt.date:
        # The day whose end is the yellow cut-off (yellow = due by the end of this working day).
        return next_working_day_on_or_after(self.today)

    # -- entry point ---------------------------------------------------------------------------

    def run(self) -> BuildResult:
        # The registry, vocabulary and logins predate every story, in the journal too, so the
        # journal reads forward in time.
        with travel_to(self.present - dt.timedelta(days=3 * 365)):
            ensure_org_tree()
            ensure_vocabulary()
            self.result.users_created = ensure_users()
        self.users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
        if Item.objects.filter(external_id__startswith=MARKER).exists():
            self.result.skipped = True
            return self.result
        # One transaction: the demo is built whole or not at all, so a re-run never finds half.
        with transaction.atomic():
            for spec in self.specs():
                self._spawn(self._item_story(spec))
            self._play()
        return self.result

    # -- the scheduler -------------------------------------------------------------------------

    def _spawn(self, story: Iterator[dt.datetime]) -> None:
        self._advance(story, self._current)

    def _advance(self, story: Iterator[dt.datetime], current: dt.datetime | None) -> None:
        try:
            moment = next(story)
        except StopIteration:
            return
        except DubanError as exc:
            self.result.failures.append(exc.message)
            return
        if current is not None and moment < current:
            moment = current  # a step never goes back in time
        if moment > self.present:
            return  # the rest of this history is still in the future
        heapq.heappush(self._heap, (moment, next(self._seq), story))

    def _play(self) -> None:
        while self._heap:
            moment, _, story = heapq.heappop(self._heap)
            self._current = moment
            try:
                with travel_to(moment):
                    self._advance(story, moment)
            finally:
                self._current = None

    # -- stories -------------------------------------------------------------------------------

    def _item_story(self, spec: Spec) -> Iterator[dt.datetime]:
        yield spec.assign
        issuer = self.users[spec.issuer]
        units = {ref: self._unit(ref) for ref, _ in spec.lead + spec.coop}
        progress = (
            services.monthly_progress_days(start=self.today_at_clock(), final_due=spec.final_due)
            if spec.category == Category.CONTINUOUS and spec.final_due
            else []
        )
        item = services.register_and_assign(
            actor=issuer,
            lead=[units[r] for r, _ in spec.lead],
            coop=[units[r] for r, _ in spec.coop],
            title=spec.title,
            body=spec.body,
            source=spec.source,
            category=spec.category,
            final_due=spec.final_due,
            progress_days=progress,
            external_id=MARKER + spec.key,
            # The demo supervisor ticks 本事项不涉及国家秘密 as a person registering would.
            not_classified=True,
        )
        self.result.items_created += 1
        if spec.targets:
            # What a batch assignment does (plans.services.assign_batch): the task's targets.
            made = target_services.targets_from_task(
                actor=issuer, item=item, task_targets=spec.targets, plan_year=spec.targets[0]["plan_year"]
            )
            clerk = self.users[spec.lead[0][1].actor]
            for k, (target, scenario) in enumerate(zip(made, spec.scenarios, strict=True)):
                self._spawn(self._figure_story(target, scenario, clerk, k))
        for ref, plan in spec.lead + spec.coop:
            track = Track.objects.get(item=item, unit=units[ref])
            self._spawn(self._track_story(track, plan, reviewer=issuer, start=spec.assign))
        for leader, when, text in spec.instructions:
            self._spawn(self._instruction_story(item, self.users[leader], when, text))

    def today_at_clock(self) -> dt.date:
        return now().astimezone(SHANGHAI).date()

    def _instruction_story(self, item: Item, leader: User, when: dt.datetime, text: str):
        yield when
        services.add_instruction(actor=leader, item_id=item.pk, text=text)

    def _track_story(self, track: Track, plan: Plan, *, reviewer: User, start: dt.datetime):
        """Compile the plan into timed steps against this track's own nodes, then play them."""
        nodes = list(Node.objects.filter(track=track).order_by("seq"))
        d0 = start.astimezone(SHANGHAI).date()
        actor = self.users[plan.actor]
        steps: list[tuple[dt.datetime, int, Callable[[], object]]] = []
        order = itertools.count()

        def step(moment: dt.datetime, fn: Callable[[], object]) -> None:
            steps.append((moment, next(order), fn))

        def report(kind: str) -> Callable[[], object]:
            return lambda: services.file_report(
                actor=actor,
                track_id=track.pk,
                kind=kind,
                done=REPORT_TEXTS[kind],
                next_steps="继续按计划推进。",
            )

        t = start + dt.timedelta(minutes=15)
        if plan.route:
            head, clerk = (self.users[u] for u in plan.route)
            step(t, lambda: services.route(actor=head, track_id=track.pk, assignee_id=clerk.pk))
        for day in plan.urges:
            step(
                self.at(day, "09:10"),
                lambda: services.urge(actor=reviewer, track_id=track.pk, message="请抓紧办理，按时报送。"),
            )
        if plan.upto != "assigned":
            signed_at = start + dt.timedelta(minutes=45)
            step(signed_at, lambda: services.sign(actor=actor, track_id=track.pk))
            if plan.upto in ("deployed", "in_progress"):
                step(signed_at + dt.timedelta(hours=2), report(ReportKind.DEPLOY))
            if plan.upto == "in_progress":
                fed_at = max(self.at(add_working_days(d0, 2), "10:30"), signed_at + dt.timedelta(hours=3))
                step(fed_at, report(ReportKind.FEEDBACK))
                passed = [
                    n
                    for n in nodes
                    if n.kind == NodeKind.PROGRESS and n.due_at.astimezone(SHANGHAI).date() <= self.today
                ]
                if plan.result:
                    passed = [n for n in passed if n.due_at.astimezone(SHANGHAI).date() < plan.result]
                if plan.progress == "skip_last" and passed:
                    passed = passed[:-1]
                for n in passed:
                    day = n.due_at.astimezone(SHANGHAI).date()
                    when = self.at(day, "10:00") if is_working_day(day) else self.at(day, "09:00")
                    step(max(when, fed_at + dt.timedelta(hours=1)), report(ReportKind.PROGRESS))
            if plan.down:
                down_at = self.at(add_working_days(d0, 1), "11:00")
                step(down_at, lambda: self._pass_down(track, actor, plan.down, reviewer_unit=track.unit))
        if plan.ext:
            kind, day, extra = plan.ext
            result_node = next((n for n in reversed(nodes) if n.kind == NodeKind.RESULT), nodes[-1])
            target = result_node.due_at.astimezone(SHANGHAI).date() + dt.timedelta(days=extra)
            step(
                self.at(day, "11:00"),
                lambda: services.request_extension(
                    actor=actor,
                    track_id=track.pk,
                    reason="涉及多部门协调，相关手续仍在办理中，申请延期。",
                    proposed_due=target,
                ),
            )
            if kind == "granted":
                step(self.at(add_working_days(day, 1), "10:00"), lambda: self._grant(track, reviewer))
        if plan.result:
            step(self.at(plan.result, "15:00"), report(ReportKind.RESULT))
        for what, day in plan.review:
            step(self.at(day, "10:00"), self._review_step(track, actor, reviewer, what))
        for moment, _, fn in sorted(steps, key=lambda s: (s[0], s[1])):
            yield moment
            fn()

    def _review_step(self, track: Track, actor: User, reviewer: User, what: str) -> Callable[[], object]:
        if what == "return":
            return lambda: services.return_track(
                actor=reviewer,
                track_id=track.pk,
                reason="材料不完整，请补充佐证材料和量化完成情况后重新报送。",
            )
        if what == "result":
            return lambda: services.file_report(
                actor=actor,
                track_id=track.pk,
                kind=ReportKind.RESULT,
                done="已按退回意见补充佐证材料，完成整改，再次申请办结。",
            )
        comments = {
            "excellent": "办理及时，成效明显。",
            "good": "按期办结，效果较好。",
            "pass": "基本完成，时效有待提高。",
            "fail": "逾期办结，成效不明显，予以通报。",
        }
        return lambda: services.close_track(
            actor=reviewer, track_id=track.pk, rating=what, comment=comments[what]
        )

    def _grant(self, track: Track, reviewer: User) -> None:
        ext = track.extensions.filter(state="pending").first()
        if ext is not None:
            services.decide_extension(
                actor=reviewer, extension_id=ext.pk, grant=True, note="同意延期，请按新时限办结。"
            )

    def _pass_down(
        self, track: Track, actor: User, down: list[tuple[str, Plan]], *, reviewer_unit: OrgUnit
    ) -> None:
        children = services.pass_down(actor=actor, track_id=track.pk, units=[self._unit(r) for r, _ in down])
        reviewer = self._reviewer_in(reviewer_unit)
        start = now()
        for child, (_, plan) in zip(children, down, strict=True):
            self._spawn(self._track_story(child, plan, reviewer=reviewer, start=start))

    def _reviewer_in(self, unit: OrgUnit) -> User:
        # Passed-down tracks are reviewed by the passing unit's supervisor, else its head.
        people = [u for u in self.users.values() if u.unit_id == unit.pk]
        for role in (Role.SUPERVISOR, Role.HEAD):
            for u in people:
                if u.role == role:
                    return u
        raise LookupError(f"no reviewer in {unit}")

    def _unit(self, ref: str) -> OrgUnit:
        if ref not in self.units:
            self.units[ref] = unit_for(ref)
        return self.units[ref]

    # -- targets: a year of monthly figures ------------------------------------------------------

    def _month_end(self, year: int, month: int) -> dt.date:
        return target_progress.period_ends(year, "monthly")[month - 1]

    def _filing_moments(
        self, year: int, offset: int, months: range | None = None
    ) -> list[tuple[int, dt.datetime]]:
        """When each month's figure is filed: on a working morning early in the next month, well
        before the 10th it is due — or, for a month that ended days ago, a few hours before now.
        December only for a past year; a year with no month ended yet files January early."""
        if months is None:
            months = range(1, 13 if year < self.target_year else 12)
        ended = [m for m in months if self._month_end(year, m) < self.today]
        if not ended and months and months[0] == 1 and dt.date(year, 1, 1) <= self.today:
            ended = [1]  # early in the year: January's figure so far
        latest = self.present - dt.timedelta(hours=4) + dt.timedelta(minutes=offset)
        out = []
        for m in ended:
            day = self._month_end(year, m) + dt.timedelta(days=3 + offset % 4)
            while not is_working_day(day):
                day += dt.timedelta(days=1)
            moment = self.at(day, "09:30") + dt.timedelta(minutes=7 * offset)
            out.append((m, min(moment, latest)))
        return out

    def _due_months(self, year: int) -> list[int]:
        spec = target_progress.Spec(kind=target_progress.Kind.CUMULATIVE, value=1, plan_year=year)
        return [d.month for d in target_progress.due_periods(spec, self.today)]

    @staticmethod
    def _round(value: float, whole: float) -> float:
        return float(round(value)) if abs(whole) >= 100 else round(value, 2)

    def _value(self, target: Target, scenario: str, month: int, last: int) -> float:
        """The figure to date a scenario files for a month (``last``: its latest month)."""
        v, share = target.value, month / 12
        if target.kind in (Kind.CUMULATIVE, Kind.LEVEL):
            start = target.baseline if target.kind == Kind.LEVEL and target.baseline is not None else 0.0
            if scenario == "done_early":
                frac = min(1.0, month / last)  # the whole year's work done by the latest month
            elif scenario in ("done", "done_late"):
                frac = share if scenario == "done" else min(share, 11 / 12 + 0.01)
            else:
                pace = {"ahead": 1.2, "behind": 0.75, "behind_sure": 0.75, "missing": 0.95}.get(scenario, 1.0)
                frac = min(share * pace, 0.99)
            return self._round(start + (v - start) * frac, v)
        wobble = ((month % 3) - 1) * 0.01
        if target.kind == Kind.GROWTH:
            factor = {"ahead": 1.15, "behind": 0.85, "behind_sure": 0.85, "mismatch": 1.04}.get(scenario, 1.0)
            return round(v * (factor + wobble), 2)
        if target.kind == Kind.CEILING:
            return round(v * (1.1 if scenario in ("behind", "behind_sure") else 0.9 + wobble), 2)
        hi = target.value_max if target.value_max is not None else v
        return round((v + hi) / 2, 2)  # a range: inside it

    CONFIDENCE = {
        # scenario: (confidence on the latest figure, its reason) — the unit's own judgement
        "behind_sure": (Confidence.SURE, "四季度是集中建设期，项目已全部落地，有把握完成全年目标。"),
        "ontrack_risk": (Confidence.AT_RISK, "部分项目资金尚未到位，后续进度存在不确定性。"),
        "ahead": (Confidence.SURE, ""),
        "done_early": (Confidence.SURE, ""),
        "on_track": (Confidence.LIKELY, ""),
        "missing": (Confidence.LIKELY, ""),
    }

    def _figure_story(self, target: Target, scenario: str, clerk: User, offset: int):
        """A target's figures, each filed in the month after its period (see ``_filing_moments``).

        Scenarios: ``ahead``, ``on_track``, ``behind``, ``done_early`` — the class the latest
        figure earns; ``behind_sure`` / ``ontrack_risk`` — with a 完成预判 that disagrees with the
        class; ``missing`` — the latest due month never filed (未报送); ``mismatch`` — the
        statistics figure the provincial supervisor enters differs from the unit's by over 2%;
        ``done`` / ``done_late`` — last year's target, met / December never filed; ``allocate`` —
        split among the 11 cities, who file their shares (one falls behind); ``silent`` — none.
        """
        if scenario == "silent" or target.plan_year > self.target_year:
            return
        if scenario == "allocate":
            yield from self._allocation_story(target, offset)
            return
        moments = self._filing_moments(target.plan_year, offset)
        if scenario == "missing":
            due = [
                m for m in self._due_months(target.plan_year) if m < 12 or target.plan_year < self.target_year
            ]
            if not due:
                scenario = "on_track"  # nothing due yet this year: last year's target is the 未报送
            else:
                moments = [(m, at) for m, at in moments if m < due[-1]]
        if scenario == "done_late":
            moments = [(m, at) for m, at in moments if m < 12]
        if not moments:
            return
        last = moments[-1][0]
        sup = self.users["prov_sup"]
        for m, at in moments:
            yield at
            confidence, reason = "", ""
            if m == last or m % 3 == 0:
                confidence, reason = self.CONFIDENCE.get(scenario, ("", ""))
                if m != last and confidence == Confidence.SURE and reason:
                    confidence, reason = Confidence.LIKELY, ""
            target_services.file_figure(
                actor=clerk,
                target_id=target.pk,
                period_end=self._month_end(target.plan_year, m),
                value=self._value(target, scenario, m, last),
                note="" if m % 4 else "按月调度，数据已经单位负责人审核。",
                confidence=confidence,
                confidence_reason=reason,
            )
        if scenario == "mismatch":
            # The statistics bureau's figure for the latest month, entered by the province.
            yield max(moments[-1][1] + dt.timedelta(hours=1), self.present - dt.timedelta(hours=2))
            target_services.file_figure(
                actor=sup,
                target_id=target.pk,
                period_end=self._month_end(target.plan_year, last),
                value=round(target.value * 0.99, 2),
                source=FigureSource.STATS,
                note="省统计局反馈数据。",
            )

    def _allocation_story(self, target: Target, offset: int):
        """分解: the provincial supervisor splits the target among the 11 cities the day after
        it is set; each city's clerk signs, reports and files its share monthly."""
        created = target.created_at.astimezone(SHANGHAI).date()
        yield self.at(add_working_days(created, 1), "15:00")
        sup = self.users["prov_sup"]
        whole = sum(CITY_WEIGHTS.values())
        shares = target_services.allocate(
            actor=sup,
            target_id=target.pk,
            shares=[
                {"unit": code, "value": self._round(target.value * w / whole, target.value)}
                for code, w in CITY_WEIGHTS.items()
            ],
            accept_shortfall=True,
        )
        start = now()
        for k, share in enumerate(shares):
            clerk = self.users[CITY_CLERKS[share.unit.code]]
            self._spawn(self._track_story(share.track, Plan(clerk.username), reviewer=sup, start=start))
            scenario = "behind" if share.unit.code == LAGGING_CITY else "on_track"
            self._spawn(self._figure_story(share, scenario, clerk, offset + k + 1))

    # -- the stories to tell ------------------------------------------------------------------

    def specs(self) -> list[Spec]:
        return self.province_specs() + self.taiyuan_specs() + self.work_report_specs()

    def province_specs(self) -> list[Spec]:
        W, at = self.W, self.at
        G, M, C = Category.GENERAL, Category.MAJOR, Category.CONTINUOUS
        yellow = self.back_from(self.cutoff_day, 7)
        major_ext = self.working_day_before(self.today, 21)
        major_pending = self.working_day_before(self.today, 14)
        project = self.working_day_before(self.today, 45)
        final = self.final_due()
        s = "prov_sup"
        return [
            Spec(
                "meeting-kfq-sanzhi",
                s,
                "省政府常务会议：8月底前全部完成开发区“三制”改革",
                "省政府常务会议决定：加快向开发区赋权，全部完成“三制”改革，各开发区报送改革方案和完成情况。",
                Source.MEETING,
                G,
                at(W(30), "09:30"),
                lead=[("省发展改革委", Plan("fgw_clerk", result=W(25), review=[("excellent", W(24))]))],
            ),
            Spec(
                "meeting-heating",
                s,
                "省政府常务会议：完成8个重点城市平原地区清洁取暖改造",
                "会议要求：完成设区市和县（市）建成区及城乡结合部、8个重点城市平原地区清洁取暖改造，确保群众温暖过冬。",
                Source.MEETING,
                G,
                at(W(28), "09:30"),
                lead=[("省生态环境厅", Plan("sthjt_clerk", result=W(22), review=[("good", W(21))]))],
            ),
            Spec(
                "meeting-graduates",
                s,
                "专题会议：做好高校毕业生等重点群体就业",
                "专题会议要求：突出抓好高校毕业生、退役军人、农民工等重点群体就业，制定专项工作方案。",
                Source.MEETING,
                G,
                at(W(26), "09:30"),
                lead=[("省人社厅", Plan("rst_clerk", result=W(17), review=[("pass", W(16))]))],
            ),
            Spec(
                "meeting-rural-toilets",
                s,
                "专题会议：整村分类推进改厕30万户",
                "专题会议要求：开展农村人居环境提升行动，整村分类推进改厕30万户，报送整改台账。",
                Source.MEETING,
                G,
                at(W(24), "09:30"),
                lead=[
                    (
                        "省农业农村厅",
                        Plan(
                            "nync_clerk",
                            result=W(18),
                            review=[("return", W(17)), ("result", W(12)), ("fail", W(11))],
                        ),
                    )
                ],
            ),
            Spec(
                "meeting-5g-sites",
                s,
                "省政府常务会议：保障5G基站建设用地和电力接入",
                "会议决定：再新建5G基站1.5万座，住建部门配合落实站址、用地和电力接入保障。",
                Source.MEETING,
                G,
                at(W(8), "09:30"),
                lead=[("省工信厅", Plan("gxt_clerk", result=W(1)))],
                coop=[("省住建厅", Plan("zjt_clerk", result=W(3), review=[("good", W(2))]))],
            ),
            Spec(
                "meeting-old-estates",
                s,
                "专题会议：年内开工1866个老旧小区改造",
                "专题会议要求：年内开工1866个老旧小区改造，报送开工项目清单和进度。",
                Source.MEETING,
                G,
                at(W(9), "09:30"),
                lead=[("省住建厅", Plan("zjt_clerk", result=W(3), review=[("return", W(1))]))],
            ),
            Spec(
                "meeting-winter-power",
                s,
                "省政府常务会议：保障迎峰度冬煤炭电力供应",
                "会议要求：加强煤炭产运需衔接，确保电煤供应和电网安全稳定运行，每日报送保供情况。",
                Source.MEETING,
                G,
                at(W(12), "09:30"),
                lead=[("省发展改革委", Plan("fgw_clerk", urges=[W(4), W(1)]))],
                instructions=[
                    (
                        "prov_leader",
                        at(W(3), "17:20"),
                        "请省发展改革委抓紧办理，确保群众温暖过冬，三日内报结果。",
                    )
                ],
            ),
            Spec(
                "meeting-key-labs",
                s,
                "专题会议：调整优化省重点实验室",
                "专题会议要求：调整优化省重点实验室，提出优化方案，积极创建国家重点实验室。",
                Source.MEETING,
                G,
                at(yellow, "09:30"),
                lead=[("省科技厅", Plan("kjt_clerk"))],
            ),
            Spec(
                "meeting-irrigation",
                s,
                "省政府常务会议：部署冬春农田水利建设",
                "会议要求：做好冬春农田水利基本建设，稳定粮食播种面积，报送工作安排。",
                Source.MEETING,
                G,
                self.recent(40),
                lead=[("省农业农村厅", Plan("nync_clerk", upto="assigned"))],
            ),
            Spec(
                "meeting-foreign-trade",
                s,
                "专题会议：力争新增进出口实绩企业100家",
                "专题会议要求：大力培育外贸主体，力争新增进出口实绩企业100家，报送培育企业名单。",
                Source.MEETING,
                G,
                self.recent(180),
                lead=[("省商务厅", Plan("swt_clerk", upto="signed"))],
            ),
            Spec(
                "meeting-boarding-schools",
                s,
                "省政府常务会议：建设改造500所寄宿制学校",
                "会议要求：建设改造500所寄宿制学校，做好冬季校园安全检查。",
                Source.MEETING,
                G,
                at(W(1), "09:30"),
                lead=[("省教育厅", Plan("jyt_clerk", upto="deployed"))],
            ),
            Spec(
                "meeting-carbon-peak",
                s,
                "专题会议：研究制定碳达峰行动方案",
                "专题会议决定：把开展碳达峰作为深化能源革命综合改革试点的牵引举措，一个月内研究制定行动方案。",
                Source.MEETING,
                M,
                at(major_ext, "09:30"),
                lead=[("省发展改革委", Plan("fgw_clerk", ext=("granted", W(3), 20)))],
                coop=[("省生态环境厅", Plan("sthjt_clerk"))],
            ),
            Spec(
                "meeting-sme-services",
                s,
                "省政府常务会议：建立完善中小企业公共服务体系",
                "会议要求：建立完善中小企业公共服务体系，净增规上工业企业1000户，一个月内报送方案。",
                Source.MEETING,
                M,
                at(major_pending, "09:30"),
                lead=[("省工信厅", Plan("gxt_clerk", ext=("pending", W(1), 15)))],
            ),
            Spec(
                "meeting-industrial-internet",
                s,
                "专题会议：构建工业互联网平台",
                "专题会议要求：培育200户智能工厂和数字化车间，构建工业互联网平台，报送推进方案。",
                Source.MEETING,
                G,
                at(W(2), "09:30"),
                lead=[("省工信厅", Plan("gxt_clerk", route=("gxt_head", "gxt_clerk")))],
            ),
            Spec(
                "instruction-xd-heating",
                s,
                "领导批示：小店区部分小区冬季供暖不达标问题",
                "省领导批示：群众反映小店区部分小区冬季供暖温度不达标，请小店区立即核查整改，逐户落实，按期报送结果。",
                Source.INSTRUCTION,
                M,
                at(W(6), "09:30"),
                lead=[
                    (
                        XIAODIAN,
                        Plan("xd_clerk", down=[(LIUJIABU, Plan("ljb_clerk"))]),
                    )
                ],
                instructions=[
                    (
                        "prov_leader",
                        at(W(5), "16:00"),
                        "请小店区主要负责同志亲自督办，逐户核查，一周内反馈整改结果。",
                    )
                ],
            ),
            Spec(
                "instruction-jinci",
                s,
                "领导批示：提升晋祠等重点景区服务质量",
                "省领导批示：请迎泽区会同有关方面，提升重点景区服务质量和周边环境。",
                Source.INSTRUCTION,
                G,
                at(W(22), "09:30"),
                lead=[(YINGZE, Plan("yz_clerk", result=W(16), review=[("good", W(15))]))],
                instructions=[("prov_leader", at(W(22), "11:00"), "请迎泽区抓好落实，以群众满意为标准。")],
            ),
            Spec(
                "project-ty-logistics",
                s,
                "重点项目：建设太原国家物流枢纽",
                "省重点项目：建设太原国家物流枢纽，太原市牵头，小店区、迎泽区分别负责所辖片区，每月25日前报送进度。",
                Source.KEY_PROJECT,
                C,
                at(project, "09:30"),
                final_due=final,
                lead=[
                    (
                        TAIYUAN,
                        Plan(
                            "ty_clerk",
                            down=[
                                (XIAODIAN, Plan("xd_clerk")),
                                (YINGZE, Plan("yz_clerk", progress="skip_last")),
                            ],
                        ),
                    )
                ],
            ),
            Spec(
                "project-dt-crossborder",
                s,
                "重点项目：大同跨境电子商务综合试验区建设",
                "省重点项目：扎实推进大同跨境电子商务综合试验区建设，每月25日前报送进度。",
                Source.KEY_PROJECT,
                C,
                at(W(3), "09:30"),
                final_due=final,
                lead=[(DATONG, Plan("ty_clerk", upto="assigned"))],
            ),
        ]

    def taiyuan_specs(self) -> list[Spec]:
        W, at = self.W, self.at
        G, C = Category.GENERAL, Category.CONTINUOUS
        s = "ty_sup"
        return [
            Spec(
                "ty-meeting-alleys",
                s,
                "市政府常务会议：背街小巷环境整治",
                "市政府常务会议要求：开展背街小巷环境整治，小店区牵头、迎泽区配合，报送整治清单和完成情况。",
                Source.MEETING,
                G,
                at(W(20), "09:30"),
                lead=[(XIAODIAN, Plan("xd_clerk", result=W(14), review=[("excellent", W(13))]))],
                coop=[(YINGZE, Plan("yz_clerk", result=W(15), review=[("good", W(14))]))],
            ),
            Spec(
                "ty-instruction-parking",
                s,
                "市领导批示：解决老旧小区停车难问题",
                "市领导批示：群众反映迎泽区部分老旧小区停车难，请迎泽区研究解决并报送结果。",
                Source.INSTRUCTION,
                G,
                at(W(6), "09:30"),
                lead=[(YINGZE, Plan("yz_clerk", result=W(1)))],
                instructions=[("ty_leader", at(W(6), "14:00"), "请迎泽区挖潜增加停车位，一周内报送方案。")],
            ),
            Spec(
                "ty-project-fendong",
                s,
                "市重点项目：汾东商务区基础设施建设",
                "市重点项目：加快汾东商务区道路、管网等基础设施建设，每月25日前报送进度。",
                Source.KEY_PROJECT,
                C,
                at(self.working_day_before(self.today, 40), "09:30"),
                final_due=self.final_due(),
                lead=[(XIAODIAN, Plan("xd_clerk", route=("xd_head", "xd_clerk")))],
            ),
            Spec(
                "ty-meeting-pipes",
                s,
                "市政府专题会：排查更新老旧供热管网",
                "市政府专题会要求：排查更新老旧供热管网，保障冬季供暖，报送排查整改情况。",
                Source.MEETING,
                G,
                at(W(11), "09:30"),
                lead=[(YINGZE, Plan("yz_clerk", urges=[W(3)]))],
            ),
            Spec(
                "ty-meeting-school-traffic",
                s,
                "市政府专题会：整治学校周边交通秩序",
                "市政府专题会要求：整治学校周边交通秩序，上下学时段落实护学岗，报送整治情况。",
                Source.MEETING,
                G,
                at(self.back_from(self.cutoff_day, 7), "09:30"),
                lead=[(XIAODIAN, Plan("xd_clerk"))],
            ),
            Spec(
                "ty-meeting-straw",
                s,
                "市政府常务会议：秸秆禁烧和散煤治理",
                "市政府常务会议要求：做好秸秆禁烧和散煤治理，小店区落实到乡镇（街道），报送治理情况。",
                Source.MEETING,
                G,
                at(W(18), "09:30"),
                lead=[
                    (
                        XIAODIAN,
                        Plan(
                            "xd_clerk",
                            down=[(LIUJIABU, Plan("ljb_clerk", result=W(13), review=[("excellent", W(12))]))],
                            result=W(11),
                            review=[("good", W(10))],
                        ),
                    )
                ],
            ),
        ]

    def final_due(self) -> dt.date:
        # Year-long work: the end of June next year, or of this year when that is far enough off.
        return (
            dt.date(self.today.year, 12, 31) if self.today.month <= 6 else dt.date(self.today.year + 1, 6, 30)
        )

    def work_report_specs(self) -> list[Spec]:
        data = _report_bytes()
        n = self.work_report_items
        staffed = {
            ref for _, _, ref, role in USERS if role in (Role.CLERK, Role.HEAD) and not ref[:1].isdigit()
        }
        # Only commitments a demo department has a clerk for, so every item can be worked.
        candidates = []
        for task in parser_tasks(data):
            units = [u for u in dict.fromkeys(self._short_name(u) for u in task["units"]) if u in staffed]
            if units:
                candidates.append({**task, "units": units})
        tasks = pick_spread(candidates, n)
        self.result.work_report_source = "duban.workplan"
        clerk = {ref: name for name, _, ref, role in USERS if role == Role.CLERK}
        # Assigned in one batch soon after the report, so its annual targets have a year of
        # monthly figures — or 50 days ago, when the year is younger than that.
        assign = self.at(
            min(
                self._working_day_from(dt.date(self.target_year, 1, 20)),
                self.working_day_before(self.today, 50),
            ),
            "09:00",
        )
        scenarios = self._scenarios(tasks)
        W = self.W
        fates: list[Callable[[], Plan]] = [
            lambda: Plan(""),
            lambda: Plan(""),
            lambda: Plan("", progress="skip_last"),
            lambda: Plan(""),
            lambda: Plan("", result=W(10), review=[("excellent", W(9))]),
            lambda: Plan(""),
            lambda: Plan("", progress="skip_last", urges=[W(1)]),
            lambda: Plan(""),
            lambda: Plan("", result=W(2)),
            lambda: Plan("", upto="deployed"),
        ]
        specs = []
        for i, task in enumerate(tasks):
            units = task["units"]
            lead = units[0]
            plan = fates[i % len(fates)]()
            plan.actor = clerk[lead]
            coop = []
            if i % 3 == 0:
                other = next((u for u in units[1:] if u != lead), None)
                if other is not None:
                    coop = [(other, Plan(clerk[other]))]
            body = [task["text"]]
            if task["targets"]:
                body.append("量化指标：" + "；".join(task["targets"]))
            if task.get("deadline_text"):
                body.append(f"原文时限：{task['deadline_text']}")
            where = (
                f"三、（{task['part']}）"
                if task["part"] and not task["part"].startswith("（")
                else f"三、{task['part']}"
            )
            body.append(f"出处：《{REPORT_TITLE}》{where}{task['theme']}")
            targets = self._task_targets(task, self.target_year)
            specs.append(
                Spec(
                    f"wr-{i + 1:02d}",
                    "prov_sup",
                    short_title(
                        task["theme"], task["text"], (task["targets"] or [task.get("deadline_text", "")])[0]
                    ),
                    "\n".join(body),
                    Source.WORK_REPORT,
                    Category.CONTINUOUS,
                    assign + dt.timedelta(minutes=i),
                    lead=[(lead, plan)],
                    coop=coop,
                    final_due=self.final_due(),
                    instructions=(
                        [
                            (
                                "prov_leader",
                                self.at(W(20), "16:30"),
                                "这项任务要盯紧抓实，按月调度，确保全年目标完成。",
                            )
                        ]
                        if i == 1
                        else []
                    ),
                    targets=targets,
                    scenarios=scenarios[i][: len(targets)],
                )
            )
        specs.append(self._last_year_spec(candidates, tasks, clerk))
        return specs

    def _working_day_from(self, day: dt.date) -> dt.date:
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    @staticmethod
    def _task_targets(task: dict, year: int) -> list[dict]:
        """The task's parsed targets as a batch assignment passes them, the report's year read
        as ``year`` (a 十四五 target for 2025 in the 2021 report stays four years on)."""
        from duban.plans.services import with_terms

        base = task.get("report_year") or year
        out = []
        for t in task.get("target_terms") or []:
            if t.get("value") is None:
                continue
            t = with_terms(t)
            t["plan_year"] = year + ((t.get("plan_year") or base) - base)
            out.append(t)
        return out

    def _scenarios(self, tasks: list[dict]) -> list[list[str]]:
        """How each task's targets' figures go (see ``_figure_story``), so that every class,
        a 数据不一致, an allocation and a 完成预判 against its class are all in the demo. Follows
        the item's fate (``work_report_specs``): a unit that skips its last progress report
        skips its figure too; one that has only deployed has filed none."""
        Y = self.target_year
        per_task = [self._task_targets(t, Y) for t in tasks]
        flat = [(i, t) for i, ts in enumerate(per_task) for t in ts]

        def summable(t: dict) -> bool:
            return t["kind"] == Kind.CUMULATIVE and target_progress.summable(t["kind"], t.get("unit") or "")

        fate = [i % 10 for i in range(len(tasks))]
        live = [(i, t) for i, t in flat if t["plan_year"] == Y and fate[i] != 9]
        allocate = next(
            (id(t) for i, t in live if summable(t) and "5G" in (t.get("indicator") or "")),
            next((id(t) for i, t in live if summable(t)), None),
        )
        needed = ["ahead", "behind_sure", "ontrack_risk", "behind", "mismatch"]
        filler = itertools.cycle(["on_track", "ahead", "on_track", "behind"])
        out: list[list[str]] = []
        for i, targets in enumerate(per_task):
            row = []
            for k, t in enumerate(targets):
                up = t.get("higher_is_better", True)
                rising = t["kind"] in (Kind.CUMULATIVE, Kind.LEVEL, Kind.GROWTH) and up
                fits = {
                    "ahead": rising,
                    "done_early": rising and t["kind"] != Kind.GROWTH,
                    "behind_sure": rising or t["kind"] == Kind.CEILING,
                    "behind": rising or t["kind"] == Kind.CEILING,
                    "ontrack_risk": t["kind"] != Kind.RANGE,
                    "mismatch": t["kind"] == Kind.GROWTH,
                    "on_track": True,
                }
                if t["plan_year"] != Y or fate[i] == 9:
                    row.append("silent")
                elif id(t) == allocate:
                    row.append("allocate")
                elif fate[i] in (2, 6):
                    row.append("missing")
                elif fate[i] in (4, 8) and k == 0 and fits["done_early"]:
                    row.append("done_early")
                elif not up and t["kind"] != Kind.CEILING:
                    row.append("on_track")  # a 降至 target: whatever its level reads as
                else:
                    pick = next((n for n in needed if fits[n]), None)
                    if pick is None:
                        pick = next(n for n in filler if fits[n])
                    else:
                        needed.remove(pick)
                    row.append(pick)
            out.append(row)
        return out

    def _last_year_spec(self, candidates: list[dict], tasks: list[dict], clerk: dict[str, str]) -> Spec:
        """Last year's task: assigned after last year's report, its targets' figures filed every
        month, December's in January — one met (已完成), one whose December figure never came
        (未报送) — and the item closed in January."""
        P = self.target_year - 1
        rest = [c for c in candidates if c not in tasks and c.get("target_terms")]
        task = (rest or [t for t in tasks if t.get("target_terms")])[0]
        lead = task["units"][0]
        targets = self._task_targets(task, P)
        scenarios = ["done"] * len(targets)
        if len(targets) > 1:
            scenarios[-1] = "done_late"
        result = self.working_day_before(dt.date(P, 12, 31), 3)
        review = self._working_day_from(dt.date(P + 1, 1, 12))
        title = short_title(task["theme"], task["text"], (task["targets"] or [""])[0])
        return Spec(
            "wr-last-year",
            "prov_sup",
            f"（{P}年度）{title}",
            "\n".join([task["text"], f"出处：《{REPORT_TITLE}》（{P}年度任务）"]),
            Source.WORK_REPORT,
            Category.CONTINUOUS,
            self.at(self._working_day_from(dt.date(P, 1, 20)), "09:30"),
            lead=[(lead, Plan(clerk[lead], result=result, review=[("good", review)]))],
            final_due=dt.date(P, 12, 31),
            targets=targets,
            scenarios=scenarios,
        )

    def _short_name(self, name: str) -> str:
        """A suggested unit (full or short name) as a provincial department's short name."""
        if not name:
            return name
        u = (
            OrgUnit.objects.filter(parent__code=PROVINCE)
            .filter(Q(name=name) | Q(short_name=name))
            .only("short_name")
            .first()
        )
        return u.short_name if u else name


def build_demo(**kwargs) -> BuildResult:
    return Builder(**kwargs).run()
