import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from duban.core.clock import SHANGHAI
from duban.workcal.calendar import standard_nodes


class Command(BaseCommand):
    help = "Print the 13710 due times for an assignment date as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--assigned", required=True, help="YYYY-MM-DD or an ISO datetime (Asia/Shanghai)")
        parser.add_argument("--category", choices=["general", "major", "continuous"], default="general")

    def handle(self, *args, assigned, category, **options):
        try:
            moment = dt.datetime.fromisoformat(assigned)
        except ValueError as exc:
            raise CommandError(f"无法识别的日期：{assigned}（应为 YYYY-MM-DD）") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        nodes = standard_nodes(moment, category)
        out = [{"node": n.node, "due": n.due.astimezone(SHANGHAI).isoformat()} for n in nodes]
        if any(n.assumed_calendar for n in nodes):
            self.stderr.write("警告：该年度法定节假日安排尚未录入，按周一至周五计算工作日，期限可能变动。")
        self.stdout.write(json.dumps(out, ensure_ascii=False))
