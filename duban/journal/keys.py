"""The journal's secret key, kept outside the database.

Row hashes and checkpoint signatures are HMACs under this key, so someone who can rewrite the
database but cannot read the key cannot produce a chain that verifies. The key comes from
``DUBAN_JOURNAL_KEY`` (the value itself, at least 32 characters) or else from the file named by
``DUBAN_JOURNAL_KEY_FILE`` (default ``$DUBAN_DATA_DIR/journal.key``). Both are read from the
environment when first needed, not from settings, so the key is never among the values Django
shows or logs as configuration.

A missing file is created (64 random hex digits, mode 0600) only for a journal no key has signed
yet; once one has, a missing or different key is refused instead of silently starting a second
chain that nobody could verify. Three keys are derived from the one configured, so a row hash, a
checkpoint signature and the head's seal can never stand in for one another.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

MIN_LENGTH = 32

_CACHE: dict[tuple[str, str], bytes] = {}


class JournalKeyError(ImproperlyConfigured):
    """The journal cannot be written or verified with the key this process has (or lacks)."""


def _source() -> tuple[str, str]:
    env = os.environ.get("DUBAN_JOURNAL_KEY", "")
    path = os.environ.get("DUBAN_JOURNAL_KEY_FILE") or str(Path(settings.DATA_DIR) / "journal.key")
    return env, path


def describe() -> str:
    """Where this process takes its key from, for messages (never the key itself)."""
    env, path = _source()
    return "环境变量 DUBAN_JOURNAL_KEY" if env else f"密钥文件 {path}"


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    material = secrets.token_hex(32).encode()
    # Written under a private name and linked into place: a second process starting at the same
    # moment either wins the link or reads the complete file, never a half-written one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(material + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_bytes().strip()
        log.warning("created the journal key %s: back it up and keep it out of database backups", path)
        return material
    finally:
        tmp.unlink(missing_ok=True)


def load(*, create: bool = False) -> bytes:
    """The configured key; ``create`` makes the key file when there is none (see module doc)."""
    src = _source()
    cached = _CACHE.get(src)
    if cached is not None:
        return cached
    env, path_text = src
    if env:
        material = env.strip().encode("utf-8")
    else:
        path = Path(path_text)
        try:
            material = path.read_bytes().strip()
        except FileNotFoundError:
            if not create:
                raise JournalKeyError(
                    f"缺少日志密钥：未设置 DUBAN_JOURNAL_KEY，密钥文件 {path} 不存在。"
                    "请恢复签署本日志的密钥（备份的密钥文件或环境变量）后再试。"
                ) from None
            material = _create(path)
        else:
            if path.stat().st_mode & 0o077:
                log.warning("the journal key file %s is readable by other users; chmod 600 it", path)
    if len(material) < MIN_LENGTH:
        raise JournalKeyError(f"日志密钥太短：{describe()} 至少要有 {MIN_LENGTH} 个字符。")
    _CACHE[src] = material
    return material


def forget() -> None:
    """Drop cached keys (tests that change the environment)."""
    _CACHE.clear()


def _derive(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, b"duban-journal/" + purpose, hashlib.sha256).digest()


def chain_key(key: bytes) -> bytes:
    return _derive(key, b"chain")


def checkpoint_key(key: bytes) -> bytes:
    return _derive(key, b"checkpoint")


def seal(key: bytes, keyed_from: int) -> str:
    """The head's record of which key signs the chain and from which row: changing where the
    keyed part starts (to pass rewritten rows off as written before keys) needs the key."""
    return hmac.new(_derive(key, b"head"), str(keyed_from).encode(), hashlib.sha256).hexdigest()[:32]


def fingerprint(key: bytes) -> str:
    """A short public name of the key, printed beside checkpoints so the office knows which key
    verifies them; it reveals nothing usable about the key."""
    return _derive(key, b"fingerprint").hex()[:12]
