"""Org units (a tree: province → city → county → township, plus departments) and their people."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.clock import now


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    DEPARTMENT = "department", _("部门")


class OrgUnit(models.Model):
    """A node of the org tree.

    ``path`` is a materialised path of codes ("140000/141000/141029/"), so a subtree is one
    indexed ``path LIKE 'prefix%'`` range scan instead of a recursive walk.
    """

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    dept_kind = models.CharField(_("部门类别"), max_length=30, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        self.depth = self.path.count("/") - 1
        super().save(*args, **kwargs)

    @property
    def government(self) -> OrgUnit:
        """The government (province/city/county/township) a department belongs to, or itself."""
        return self.parent if self.kind == UnitKind.DEPARTMENT and self.parent_id else self

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


def subtree_filter(field: str, path: str) -> models.Q:
    """Rows whose materialised-path ``field`` lies in the subtree rooted at ``path``.

    A half-open range rather than LIKE: both SQLite and PostgreSQL answer it from a plain
    b-tree index whatever the collation. Paths end in "/", and "0" is the next character.
    """
    return models.Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("督查员")
    HEAD = "head", _("第一责任人")
    CLERK = "clerk", _("承办人")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class User(AbstractUser):
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.CLERK)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def oversees_subtree(self) -> bool:
        """Supervisors and leaders see what units below their own are handling."""
        return self.role in (Role.SUPERVISOR, Role.LEADER)


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is stored.

    Every token expires (the owner chooses when, 90 days by default) and can be revoked by its
    owner or an admin over the owner's unit; an expired or revoked token is refused with its own
    code so a script's operator learns why."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    # The system clock (not auto_now_add) so that expiry and creation read the same time.
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    def state_at(self, at) -> str:
        """ "revoked", "expired" or "active" — revocation wins: it was someone's decision."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= at:
            return "expired"
        return "active"


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords, so a new one cannot repeat them (the policy
    keeps the last five; older rows are deleted as new ones arrive)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    set_at = models.DateTimeField(default=now)
