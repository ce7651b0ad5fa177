"""The one stored roll-up of the dashboard: closed tracks per unit and month (all, and those of
work-report tasks).

Counting a province's closed tracks by month, and which of them closed on time, from the tracks
and their result nodes took 1.6 s (SQLite, 200k items: 290k closed tracks, a node probe each); a
province's dashboard must answer in under 300 ms. A closure is final (no service reopens a
track) and whether it was on time is settled when it closes (the last result node is done by
then, and a calendar change moves only open nodes), so each closure adds one to its row in the
closure's own transaction (``rollup.count_closure``, from the ``closed`` item event) and nothing
ever subtracts. ``duban check-dashboard`` recomputes every row from the tracks and nodes and
names the rows that differ; ``--fix`` rewrites them (a database filled without the services,
such as bench/generate.py's, needs it once). Everything else on the dashboard is derived.
"""

from __future__ import annotations

from django.db import models


class ClosedCount(models.Model):
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    # Denormalised from unit.path so a subtree's rows are an indexed range.
    unit_path = models.CharField(max_length=255)
    month = models.DateField()  # the first day of the month of closure, Asia/Shanghai
    closed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    # The same for the tracks of work-report tasks (Item.source == "work_report").
    wr_closed = models.PositiveIntegerField(default=0)
    wr_on_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="closedcount_unit_month")]
        indexes = [models.Index(fields=["unit_path", "month"], name="closedcount_path_month_idx")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.month:%Y-%m}: {self.on_time}/{self.closed}"
