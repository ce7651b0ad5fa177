"""The journal: one append-only, hash-chained row per state change.

Each row stores ``prev_hash`` (the previous row's hash) and ``hash`` = SHA-256 of its own
canonical content plus ``prev_hash``; changing, inserting or deleting any row breaks the chain
at that row, which ``duban verify-journal`` reports. Appends serialise on the single ``Head`` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    pass


class Head(models.Model):
    """The chain's tip: locked FOR UPDATE by every append so two writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class Event(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_unit = models.ForeignKey("orgs.OrgUnit", null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=40)
    item = models.ForeignKey("items.Item", null=True, on_delete=models.PROTECT, related_name="events")
    track = models.ForeignKey("items.Track", null=True, on_delete=models.PROTECT, related_name="events")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["item", "seq"]), models.Index(fields=["actor", "seq"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("journal rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("journal rows are never deleted")
