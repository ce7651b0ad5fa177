"""Writes to the org tree and its people: loading the shipped Shanxi registry, CSV imports of
departments, and the admins' changes to units and users. Each is one transaction with a
journal row: who sees what follows from units and roles, so every change to them is kept.

``actor=None`` is the command line (an operator with shell access to the server).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from importlib import resources

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from duban.core.clock import now
from duban.core.errors import Forbidden, InvalidInput, NotFound
from duban.journal.services import record

from .models import ApiToken, OrgUnit, Role, UnitKind, User

_LEVELS = {
    "province": UnitKind.PROVINCE,
    "city": UnitKind.CITY,
    "county": UnitKind.COUNTY,
    "township": UnitKind.TOWNSHIP,
}


def _read_shipped(name: str) -> str:
    return resources.files("duban.data").joinpath(name).read_text(encoding="utf-8")


@transaction.atomic
def load_divisions(text: str | None = None, *, actor=None) -> int:
    """Create or update the division tree from CSV (code,name,short_name,level,parent_code).

    Idempotent; works level by level with bulk writes (the full Shanxi tree is ≈1,600 rows).
    Returns the number of units created.
    """
    rows = list(
        csv.DictReader(io.StringIO(text if text is not None else _read_shipped("shanxi_divisions.csv")))
    )
    order = {"province": 0, "city": 1, "county": 2, "township": 3}
    for row in rows:
        if row["level"] not in _LEVELS:
            raise InvalidInput(f"未知的行政级别：{row['level']}（编码 {row['code']}）", code="bad_level")
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    created = 0
    created_codes: list[str] = []
    changes: dict[str, dict] = {}
    for level in sorted(order, key=order.__getitem__):
        new, changed = [], []
        for row in (r for r in rows if r["level"] == level):
            parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
            if row["parent_code"] and parent is None:
                raise InvalidInput(
                    f"上级编码 {row['parent_code']} 不存在（编码 {row['code']}）", code="bad_parent"
                )
            unit = by_code.get(row["code"])
            fresh = unit is None
            unit = unit or OrgUnit(code=row["code"])
            before = None if fresh else (unit.name, unit.short_name, unit.kind, unit.parent_id, unit.path)
            unit.name, unit.short_name, unit.kind, unit.parent = (
                row["name"],
                row["short_name"],
                _LEVELS[level],
                parent,
            )
            unit.path = (parent.path if parent else "") + unit.code + "/"
            unit.depth = unit.path.count("/") - 1
            if fresh:
                new.append(unit)
            elif before != (unit.name, unit.short_name, unit.kind, unit.parent_id, unit.path):
                changed.append(unit)
                changes[unit.code] = {"old": before[0], "new": unit.name, "path": unit.path}
            by_code[unit.code] = unit
        OrgUnit.objects.bulk_create(new, batch_size=500)
        if changed:
            OrgUnit.objects.bulk_update(
                changed, ["name", "short_name", "kind", "parent", "path", "depth"], batch_size=500
            )
        if new and new[0].pk is None:  # backends that do not return ids from bulk inserts
            ids = dict(OrgUnit.objects.filter(code__in=[u.code for u in new]).values_list("code", "pk"))
            for u in new:
                u.pk = u.id = ids[u.code]
        created += len(new)
        created_codes += [u.code for u in new]
    if created_codes or changes:
        # One row for the whole load: the codes created and every unit whose name or place moved.
        record(
            actor=actor,
            action="org.load_divisions",
            new={"created": created_codes, "changed": changes},
        )
    return created


@transaction.atomic
def import_departments(*, government: OrgUnit, text: str, actor=None) -> int:
    """Attach departments (CSV: name,short_name,kind) to a government; idempotent by name.

    Department codes are the government's code plus "D" and a sequence number.
    """
    if government.kind == UnitKind.DEPARTMENT:
        raise InvalidInput("部门只能挂在政府（省、市、县、乡）之下", code="bad_government")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise InvalidInput("CSV 第一行必须是表头，且包含 name 列", code="bad_csv")
    if actor is not None:
        _require_admin_over(actor, government)
    existing = {u.name: u for u in government.children.filter(kind=UnitKind.DEPARTMENT)}
    seq = len(existing)
    created = 0
    journal: dict[str, dict] = {}
    for lineno, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            raise InvalidInput(f"第 {lineno} 行缺少部门名称", code="bad_csv")
        unit = existing.get(name)
        if unit is None:
            seq += 1
            unit = OrgUnit(code=f"{government.code}D{seq:03d}", kind=UnitKind.DEPARTMENT, parent=government)
            created += 1
        before = None if unit.pk is None else {"short_name": unit.short_name, "dept_kind": unit.dept_kind}
        unit.name = name
        unit.short_name = (row.get("short_name") or "").strip()[:50]
        unit.dept_kind = (row.get("kind") or "").strip()[:30]
        after = {"short_name": unit.short_name, "dept_kind": unit.dept_kind}
        if before != after:
            unit.save()
            journal[unit.code] = {"name": name, "old": before, "new": after}
        existing[name] = unit
    if journal:
        record(
            actor=actor,
            action="org.import_departments",
            obj=government,
            new={"government": government.code, "units": journal},
        )
    return created


def load_shanxi(*, actor=None) -> tuple[int, int]:
    """The shipped registry: Shanxi's divisions and its provincial departments."""
    with transaction.atomic():
        units = load_divisions(actor=actor)
        province = OrgUnit.objects.get(code="140000")
        depts = import_departments(
            government=province, text=_read_shipped("shanxi_departments.csv"), actor=actor
        )
    return units, depts


# ---------------------------------------------------------------------------------------------
# The admins' changes: departments and people


def can_manage_unit(actor, unit: OrgUnit) -> bool:
    """An admin manages the units and people of their own unit's subtree."""
    return (
        getattr(actor, "is_authenticated", False)
        and actor.role == Role.ADMIN
        and actor.unit_id is not None
        and unit.path.startswith(actor.unit.path)
    )


def _require_admin_over(actor, unit: OrgUnit | None) -> None:
    if actor is None:
        return  # the command line
    if unit is None or not can_manage_unit(actor, unit):
        raise Forbidden("只有本级或上级的管理员可以维护该单位的机构和人员")


def _text(value, field: str, label: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", code="required", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{label}过长（最多 {max_len} 字）", code="too_long", field=field)
    if any(ord(c) < 32 for c in value):
        raise InvalidInput(f"{label}含有控制字符", code="bad_text", field=field)
    return value


@transaction.atomic
def create_department(
    *, actor, government: OrgUnit, name: str, short_name: str = "", dept_kind: str = ""
) -> OrgUnit:
    """A department under a government (省、市、县、乡); its code is the government's plus D and a number."""
    _require_admin_over(actor, government)
    if government.kind == UnitKind.DEPARTMENT:
        raise InvalidInput("部门只能挂在政府（省、市、县、乡）之下", code="bad_government")
    name = _text(name, "name", "部门名称", 100)
    if government.children.filter(name=name).exists():
        raise InvalidInput(f"{government.name}已有“{name}”", code="duplicate_name", field="name")
    taken = set(government.children.filter(kind=UnitKind.DEPARTMENT).values_list("code", flat=True))
    seq = len(taken) + 1
    while f"{government.code}D{seq:03d}" in taken:
        seq += 1
    unit = OrgUnit.objects.create(
        code=f"{government.code}D{seq:03d}",
        name=name,
        short_name=_text(short_name, "short_name", "简称", 50, required=False),
        dept_kind=_text(dept_kind, "dept_kind", "部门类别", 30, required=False),
        kind=UnitKind.DEPARTMENT,
        parent=government,
    )
    record(
        actor=actor,
        action="org.create_unit",
        obj=unit,
        new={"code": unit.code, "name": unit.name, "short_name": unit.short_name, "parent": government.code},
    )
    return unit


@transaction.atomic
def rename_unit(*, actor, unit_id: int, name: str, short_name: str = "") -> OrgUnit:
    unit = OrgUnit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("单位不存在")
    _require_admin_over(actor, unit)
    name = _text(name, "name", "单位名称", 100)
    short_name = _text(short_name, "short_name", "简称", 50, required=False)
    old = {"name": unit.name, "short_name": unit.short_name}
    new = {"name": name, "short_name": short_name}
    if old == new:
        return unit
    if (
        unit.parent_id
        and OrgUnit.objects.filter(parent_id=unit.parent_id, name=name).exclude(pk=unit.pk).exists()
    ):
        raise InvalidInput(f"同级已有“{name}”", code="duplicate_name", field="name")
    unit.name, unit.short_name = name, short_name
    unit.save(update_fields=["name", "short_name"])
    record(actor=actor, action="org.rename_unit", obj=unit, old=old, new={**new, "code": unit.code})
    return unit


USER_FIELDS = ("display_name", "phone", "email", "unit", "role", "is_active")


def _email(value: str | None) -> str:
    """Where e-mail reminders go; empty means none."""
    from django.core.validators import validate_email

    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 254:
        raise InvalidInput("邮箱过长", code="too_long", field="email")
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidInput("邮箱格式不正确", code="bad_email", field="email") from None
    return value


def _user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "email": user.email,
        "unit": user.unit.code if user.unit_id else None,
        "role": user.role,
        "is_active": user.is_active,
    }


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages), code="weak_password", field="password") from None


@transaction.atomic
def create_user(
    *,
    actor,
    username: str,
    unit: OrgUnit,
    role: str,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    password: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A login for a person of ``unit`` with one role. Without a password the account cannot
    log in until an admin sets one."""
    _require_admin_over(actor, unit)
    username = _text(username, "username", "用户名", 150)
    if not all(c.isalnum() or c in "@.+-_" for c in username):
        raise InvalidInput("用户名只能包含字母、数字和 @.+-_", code="bad_username", field="username")
    if role not in Role.values:
        raise InvalidInput("角色无效", code="bad_role", field="role")
    if role == Role.ADMIN and actor is not None and not unit.path.startswith(actor.unit.path):
        raise Forbidden("只能在本级及下级设置管理员")
    user = User(
        username=username,
        unit=unit,
        role=role,
        display_name=_text(display_name, "display_name", "姓名", 50, required=False),
        first_name=(display_name or "").strip()[:150],
        phone=_text(phone, "phone", "电话", 30, required=False),
        email=_email(email),
        is_staff=role == Role.ADMIN,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvalidInput(
            f"用户名“{username}”已被使用", code="duplicate_username", field="username"
        ) from None
    record(actor=actor, action="user.create", obj=user, new=_user_snapshot(user))
    return user


@transaction.atomic
def update_user(*, actor, user_id: int, **changes) -> User:
    """Change a person's name, phone, unit, role or whether they may log in (journaled old → new).

    Nobody changes their own role, unit or activity: an admin cannot promote themself."""
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改：{'、'.join(sorted(unknown))}", code="bad_field")
    user = User.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在")
    _require_admin_over(actor, user.unit)
    old = _user_snapshot(user)
    if "display_name" in changes:
        user.display_name = _text(changes["display_name"], "display_name", "姓名", 50, required=False)
    if "phone" in changes:
        user.phone = _text(changes["phone"], "phone", "电话", 30, required=False)
    if "email" in changes:
        user.email = _email(changes["email"])
    if "unit" in changes:
        unit = changes["unit"]
        if not isinstance(unit, OrgUnit):
            raise InvalidInput("请选择单位", code="required", field="unit")
        _require_admin_over(actor, unit)
        user.unit = unit
    if "role" in changes:
        if changes["role"] not in Role.values:
            raise InvalidInput("角色无效", code="bad_role", field="role")
        user.role = changes["role"]
        user.is_staff = user.role == Role.ADMIN
    if "is_active" in changes:
        user.is_active = bool(changes["is_active"])
    new = _user_snapshot(user)
    if new == old:
        return user
    if (
        actor is not None
        and actor.pk == user.pk
        and any(old[k] != new[k] for k in ("unit", "role", "is_active"))
    ):
        raise Forbidden("不能修改本人的单位、角色或停用本人账号", code="self_change")
    user.save()
    diff = [k for k in new if new[k] != old[k]]
    record(
        actor=actor,
        action="user.update",
        obj=user,
        old={k: old[k] for k in diff},
        new={**{k: new[k] for k in diff}, "username": user.username},
    )
    return user


@transaction.atomic
def set_password(*, actor, user_id: int, password: str) -> User:
    """An admin sets a person's password (the journal says that it changed, never what to)."""
    user = User.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在")
    if actor is None or actor.pk != user.pk:
        _require_admin_over(actor, user.unit)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor, action="user.password", obj=user, new={"username": user.username})
    return user


# ---------------------------------------------------------------------------------------------
# Accounts: one's own password, the admins' unlock, API tokens


@transaction.atomic
def change_own_password(*, actor, old_password: str, new_password: str) -> User:
    """修改密码: the person proves the current password, then the policy judges the new one."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden("请先登录")
    user = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=actor.pk)
    if len(old_password or "") > 128 or not user.check_password(old_password or ""):
        raise InvalidInput("原密码不正确", code="wrong_password", field="old_password")
    if not new_password:
        raise InvalidInput("请填写新密码", code="required", field="password")
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(actor=actor, action="user.password", obj=user, new={"username": user.username, "self": True})
    return user


@transaction.atomic
def unlock_login(*, actor, user_id: int) -> User:
    """An admin ends a person's login lockout: their failed attempts are forgotten (the journal
    keeps how many there were and from where)."""
    from axes.models import AccessAttempt

    from . import lockout, rules

    user = User.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=user_id).first()
    if user is None:
        raise NotFound("用户不存在")
    state = lockout.lock_state(user.username)
    if actor is not None:
        rules.person_actions(actor, user, state).require("unlock")
    elif state.failures == 0:
        raise InvalidInput("该账号没有登录失败记录，无需解除锁定", code="not_locked")
    AccessAttempt.objects.filter(username=user.username).delete()
    record(
        actor=actor,
        action="user.unlock",
        obj=user,
        old={"failures": state.failures, "locked": state.locked, "addresses": list(state.addresses)},
        new={"username": user.username},
    )
    return user


TOKEN_PREFIX = "dbn_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(*, actor, user: User, name: str = "", days: int | str | None = None):
    """A bearer token for ``user`` valid for ``days`` (default 90, at most 366). Returns the
    token row and the plain token, which is shown once and never stored."""
    from . import rules

    refusal = rules.may_create_token(actor, user)
    if refusal is not None:
        raise refusal
    name = (name or "").strip() or "script"
    if len(name) > 100:
        raise InvalidInput("令牌名称过长（最多 100 字）", code="too_long", field="name")
    if any(ord(c) < 32 for c in name):
        raise InvalidInput("令牌名称含有控制字符", code="bad_text", field="name")
    if days is None or days == "":
        days = rules.TOKEN_DAYS_DEFAULT
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise InvalidInput("有效期须为天数", code="bad_days", field="days") from None
    if not 1 <= days <= rules.TOKEN_DAYS_MAX:
        raise InvalidInput(f"有效期须在 1 至 {rules.TOKEN_DAYS_MAX} 天之间", code="bad_days", field="days")
    at = now()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(raw), created_at=at, expires_at=at + dt.timedelta(days=days)
    )
    record(
        actor=actor,
        action="token.create",
        obj=token,
        new={"user": user.username, "name": name, "days": days, "expires_at": token.expires_at},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor, token_id: int) -> ApiToken:
    """The owner or an admin over the owner's unit ends a token now."""
    from . import rules

    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("user", "user__unit")
        .filter(pk=token_id)
        .first()
    )
    if token is None or (
        actor is not None and actor.pk != token.user_id and not rules.manages(actor, token.user)
    ):
        raise NotFound("令牌不存在或无权管理")
    rules.token_actions(actor, token).require("revoke")
    token.revoked_at = now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor=actor,
        action="token.revoke",
        obj=token,
        new={"user": token.user.username, "name": token.name},
    )
    return token
