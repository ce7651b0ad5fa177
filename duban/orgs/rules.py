"""What a person may do to accounts, decided once: the services refuse with these, the pages
show a button only when its action is allowed (``person_actions``, ``token_actions``).

An admin keeps the people and units of their own unit's subtree (``services.can_manage_unit``);
everyone keeps their own password and their own API tokens.
"""

from __future__ import annotations

from duban.core.actions import Action, Actions
from duban.core.errors import DubanError, Forbidden, InvalidState

from .lockout import LockState
from .models import ApiToken, User

# A token lives at most a year: a script that runs longer gets a new one, so a forgotten token
# in a forgotten script stops working by itself.
TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 366


def manages(actor, person: User) -> bool:
    from .services import can_manage_unit

    return person.unit_id is not None and bool(can_manage_unit(actor, person.unit))


def person_actions(actor, person: User, lock: LockState) -> Actions:
    """An admin's actions on one person's login (the 人员 page): unlocking after failed logins."""
    out = Actions()
    unlock: DubanError | None
    if not manages(actor, person):
        unlock = Forbidden("只有本级或上级的管理员可以解除该账号的登录锁定")
    elif lock.failures == 0:
        unlock = InvalidState("该账号没有登录失败记录，无需解除锁定", code="not_locked")
    else:
        unlock = None
    out["unlock"] = Action("unlock", unlock)
    return out


def may_create_token(actor, user: User) -> DubanError | None:
    """Only the owner creates their tokens on the pages (an operator can on the command line,
    ``actor=None``); an admin who could mint a token for someone could act as them unseen."""
    if actor is not None and actor.pk != user.pk:
        return Forbidden("只能为自己创建访问令牌", code="not_owner")
    if not user.is_active:
        return Forbidden("该用户已停用", code="inactive_user")
    return None


def token_actions(actor, token: ApiToken) -> Actions:
    """Revoking: the owner, or an admin over the owner's unit; an expired token may still be
    revoked (it says on the page that someone decided it is finished)."""
    out = Actions()
    revoke: DubanError | None
    owner = actor is None or actor.pk == token.user_id
    if not owner and not manages(actor, token.user):
        revoke = Forbidden("只有令牌的所有者或其单位的管理员可以吊销该令牌")
    elif token.revoked_at is not None:
        revoke = InvalidState("该令牌已被吊销", code="already_revoked")
    else:
        revoke = None
    out["revoke"] = Action("revoke", revoke)
    return out
