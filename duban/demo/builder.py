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
]

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
        )
        self.result.items_created += 1
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
        assign = self.at(self.working_day_before(self.today, 50), "09:00")
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
                )
            )
        return specs

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
