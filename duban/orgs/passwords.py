"""The password policy (AUTH_PASSWORD_VALIDATORS): what government systems are commonly required
to enforce — at least ten characters, three of the four character classes, not the username,
not one of the last five passwords.

It applies where a password is *set* (the services' ``validate_password``, Django's forms);
a login with an older, weaker password still works, so the policy never locks anyone out. The
messages are Chinese literals rather than translations: they are the product's only language.
"""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

HISTORY_SIZE = 5


class LengthValidator:
    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码至少 {self.min_length} 位", code="password_too_short")
        if len(password) > 128:
            # Bounded: hashing a megabyte "password" is a cheap way to burn a server's CPU.
            raise ValidationError("密码不能超过 128 位", code="password_too_long")

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 位"


def character_classes(password: str) -> int:
    """How many of upper-case letters, lower-case letters, digits and symbols appear."""
    return sum(
        (
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() and not c.isspace() for c in password),
        )
    )


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"


class NotUsernameValidator:
    """The username (or it reversed) anywhere in the password, ignoring case. Usernames shorter
    than three characters are not checked: "li" would forbid half the passwords in Chinese pinyin."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) < 3:
            return
        lowered = password.lower()
        if username in lowered or username[::-1] in lowered:
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名"


class HistoryValidator:
    """Not the current password nor one of the last ``HISTORY_SIZE`` (kept as hashes in
    ``PasswordHistory``; ``password_changed`` adds the new hash and drops the oldest)."""

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-pk")
            .values_list("password", flat=True)[:HISTORY_SIZE]
        )
        # The stored current hash covers accounts whose password predates the history table.
        current = type(user).objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current:
            hashes.append(current)
        if any(check_password(password, h) for h in hashes):
            raise ValidationError(
                f"新密码不能与最近 {HISTORY_SIZE} 次使用过的密码相同", code="password_reused"
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-pk")
            .values_list("pk", flat=True)[:HISTORY_SIZE]
        )
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=keep).delete()

    def get_help_text(self) -> str:
        return f"不能与最近 {HISTORY_SIZE} 次的密码相同"
