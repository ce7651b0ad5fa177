"""The journal: one append-only, hash-chained row per state change.

Each row stores ``prev_hash`` (the previous row's hash) and ``hash`` = HMAC-SHA-256, under the
journal key kept outside the database (``keys.py``), of its own canonical content plus
``prev_hash``; changing, inserting or deleting any row breaks the chain at that row, which
``duban verify-journal`` reports, and without the key a rewritten chain cannot be made to fit.
Appends serialise on the single ``Head`` row. ``Checkpoint`` rows are signed copies of the head
that the office also keeps elsewhere, so a chain cut back to an earlier row is noticed.
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
    # Rows before keyed_from were chained with plain SHA-256, before the journal had a key
    # (migration 0005 sets it for such journals); key_seal binds that number to the key, and is
    # empty only while no key has signed anything.
    keyed_from = models.BigIntegerField(default=1)
    key_seal = models.CharField(max_length=32, blank=True, default="")


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


class Checkpoint(models.Model):
    """The chain's head (seq, hash) at a moment, signed with the journal key; printed as one line
    (``DUBAN-CP seq hash time signature``) for the office to keep outside the database."""

    seq = models.BigIntegerField(_("行号"), unique=True)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(_("时间"))
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("checkpoints are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("checkpoints are never deleted")
