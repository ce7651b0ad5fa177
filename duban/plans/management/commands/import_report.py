"""``duban import-report REPORT --issuer CODE``: parse a work report into a draft plan."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.core.errors import DubanError
from duban.orgs.models import OrgUnit, Role, User


class Command(BaseCommand):
    help = "Decompose a government work report into a draft plan for the issuing unit (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("report", help="path to the report (.txt/.docx/.html/.md)")
        parser.add_argument("--issuer", required=True, help="code of the issuing unit, e.g. 140000")
        parser.add_argument("--user", help="username of a supervisor of the issuer to record as importer")
        parser.add_argument("--year", type=int, help="plan year, when the report does not say")

    def handle(self, *args, report, issuer, user=None, year=None, **options):
        from duban.plans import services

        unit = OrgUnit.objects.filter(code=issuer).first()
        if unit is None:
            self._fail(f"单位编码 {issuer} 不存在")
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None or actor.unit_id != unit.pk or actor.role != Role.SUPERVISOR:
                self._fail(f"用户 {user} 不是 {unit.name} 的督查员")
        path = Path(report)
        if not path.is_file():
            self._fail(f"找不到文件 {report}")
        try:
            plan, created = services.import_report(
                actor=actor, issuer=None if actor else unit, data=path, name=path.name, year=year
            )
        except DubanError as exc:
            self._fail(exc.message)
        tasks = list(plan.tasks.filter(dropped=False))
        verb = "created" if created else "exists"
        self.stdout.write(
            f"plan {plan.pk} {verb}: {plan.title or plan.name} ({plan.plan_year or '-'}), "
            f"{len(tasks)} tasks, {sum(len(t.targets) for t in tasks)} targets, "
            f"{sum(1 for t in tasks if t.lead_codes)} with a lead unit"
        )

    def _fail(self, message: str):
        # Django prints the message on stderr and exits 2: the CLI's "bad input" status.
        raise CommandError(message, returncode=2)
