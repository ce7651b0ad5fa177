"""Attachment files on disk: content-addressed blobs under ``MEDIA_ROOT/attachments/xx/<sha256>``.

A blob is written before the row that refers to it commits, so a committed row never points at a
missing file (a crash leaves at worst an unreferenced blob, which ``duban cleanup-files`` removes).
The other way round — a blob written by a transaction that then rolls back — is undone by
``discard_on_failure`` around the services that store attachments: the blobs that call wrote are
removed once its transaction has rolled back, unless another row refers to them by then.

Several rows share one blob (the same evidence uploaded twice), so "is it referenced?" and the
write or removal are done under one lock per blob: a PostgreSQL advisory lock held to the end of
the transaction (SQLite's write lock, taken by every transaction in IMMEDIATE mode, serialises
them already). A writer reusing an existing blob therefore either sees it removed and writes it
again, or commits its reference before the remover looks.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

PREFIX = "attachments"
# A file this young may belong to an upload whose transaction has not committed yet.
MIN_AGE_SECONDS = 3600

F = TypeVar("F", bound=Callable[..., Any])

# The blobs written by the innermost running ``discard_on_failure`` call (None outside one).
_written: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("duban_blobs", default=None)


def name_for(digest: str) -> str:
    return f"{PREFIX}/{digest[:2]}/{digest}"


def path_for(name: str) -> Path:
    return Path(default_storage.path(name))


def _lock(digest: str) -> None:
    """Serialise everyone touching this blob until the end of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # 63 bits of the digest: advisory lock keys are signed bigints.
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [int(digest[:15], 16)])


def write(digest: str, data: bytes) -> str:
    """Make sure the blob for ``digest`` is on disk; returns its storage name.

    Must run inside the transaction that will refer to it (the lock lasts until it ends)."""
    name = name_for(digest)
    _lock(digest)
    path = path_for(name)
    try:
        if path.stat().st_size == len(data):
            # Reused: make it young again so a cleanup pass leaves it alone while our
            # transaction is still open, whatever the lock.
            os.utime(path)
            return name
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Temp file then rename: a crash mid-write never leaves a truncated file under the final name
    # (which every later upload of the same content would trust).
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{digest}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    written = _written.get()
    if written is not None:
        written.append(name)
    return name


def referenced_names() -> set[str]:
    """Every file name a row refers to (any FileField of any model)."""
    from django.apps import apps
    from django.db import models

    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                qs = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                names.update(n for n in qs.iterator(chunk_size=5000) if n)
    return names


def is_referenced(name: str) -> bool:
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                if model._default_manager.filter(**{field.name: name}).exists():
                    return True
    return False


def remove_if_unreferenced(name: str) -> int | None:
    """Delete the file ``name`` unless a row refers to it; returns its size if deleted.

    Runs its own (nested) transaction so the check and the removal hold the blob's lock."""
    digest = name.rsplit("/", 1)[-1]
    with transaction.atomic():
        if len(digest) == 64:
            _lock(digest)
        if is_referenced(name):
            return None
        path = path_for(name)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return None
        return size


def discard_on_failure(func: F) -> F:
    """Put outside a service's ``@transaction.atomic``: when the service raises, the blobs it
    wrote are removed after its transaction (or savepoint) has rolled back.

    A service that succeeds inside a larger ``discard_on_failure`` call hands its blobs to that
    one, which removes them if it fails later. A rollback further out than any such call (a
    caller's own ``atomic``) leaves them for ``duban cleanup-files``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        written: list[str] = []
        token = _written.set(written)
        try:
            result = func(*args, **kwargs)
        except BaseException:
            _written.reset(token)
            _discard(written)
            raise
        _written.reset(token)
        outer = _written.get()
        if outer is not None:
            outer.extend(written)
        return result

    return wrapper  # type: ignore[return-value]


def _discard(names: list[str]) -> None:
    if not names:
        return
    if connection.needs_rollback:
        # The caller's transaction is broken: it cannot check references now. Left for
        # cleanup-files, which only needs the file to be an hour old.
        log.warning("left %d blob(s) of a failed upload for cleanup-files", len(names))
        return
    for name in names:
        try:
            remove_if_unreferenced(name)
        except (DatabaseError, OSError):
            # Never hide the refusal that brought us here behind a cleanup problem.
            log.warning("could not remove blob %s of a failed upload", name, exc_info=True)
