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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


def _lock(digest: str, *, wait: bool = True) -> bool:
    """Serialise everyone touching this blob until the end of the current transaction; without
    ``wait``, False when someone else holds it now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # 60 bits of the digest: advisory lock keys are signed bigints.
            fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            cur.execute(f"SELECT {fn}(%s)", [int(digest[:15], 16)])
            return wait or bool(cur.fetchone()[0])
    return True


def write(digest: str, data: bytes) -> str:
    """Make sure the blob for ``digest`` is on disk; returns its storage name.

    Must run inside the transaction that will refer to it (the lock lasts until it ends)."""
    name = name_for(digest)
    _lock(digest)
    path = path_for(name)
    try:
        # Reused only if it really is these bytes: a damaged copy is replaced, not trusted.
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            # Young again, so a cleanup pass leaves it alone while our transaction is open.
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


def _file_fields():
    """(model, field name) of every FileField: the rows that name stored files."""
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                yield model, f.name


def referenced_names() -> set[str]:
    """Every file name a row refers to."""
    names: set[str] = set()
    for model, fname in _file_fields():
        qs = model._base_manager.exclude(**{fname: ""}).values_list(fname, flat=True)
        names.update(n for n in qs.iterator(chunk_size=5000) if n)
    return names


def is_referenced(name: str) -> bool:
    return any(model._base_manager.filter(**{fname: name}).exists() for model, fname in _file_fields())


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


# --- cleanup-files ------------------------------------------------------------------------------


@dataclass
class Orphan:
    name: str
    size: int
    age_seconds: float


@dataclass
class Cleanup:
    orphans: list[Orphan] = field(default_factory=list)  # removable (or removed, with delete)
    young: list[Orphan] = field(default_factory=list)  # unreferenced but younger than an hour
    removed: list[Orphan] = field(default_factory=list)
    batches: int = 0  # journal rows written


def _scan(min_age: float) -> Cleanup:
    root = Path(default_storage.path(PREFIX))
    out = Cleanup()
    if not root.is_dir():
        return out
    referenced = referenced_names()
    now = time.time()
    media = Path(default_storage.path(""))
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        name = path.relative_to(media).as_posix()
        if name in referenced:
            continue
        st = path.lstat()
        orphan = Orphan(name, st.st_size, now - st.st_mtime)
        (out.orphans if orphan.age_seconds >= min_age else out.young).append(orphan)
    return out


def cleanup(*, delete: bool = False, min_age: float = MIN_AGE_SECONDS, batch: int = 500) -> Cleanup:
    """Find the files under ``attachments/`` no row refers to; with ``delete`` remove those at
    least ``min_age`` seconds old, one journal row per batch naming each file and its size.

    Each removal re-checks the reference under the blob's lock inside the batch's transaction,
    and moves the file aside first: if the journal row cannot be written the files go back."""
    from duban.journal.services import record

    if min_age < MIN_AGE_SECONDS:
        # An upload's blob is on disk before its row commits; an hour covers any transaction.
        raise ValueError("files younger than an hour are never removed")
    result = _scan(min_age)
    if not delete:
        return result
    for start in range(0, len(result.orphans), batch):
        moved: list[tuple[Path, Path, Orphan]] = []
        try:
            with transaction.atomic():
                for orphan in result.orphans[start : start + batch]:
                    digest = orphan.name.rsplit("/", 1)[-1]
                    if len(digest) == 64 and not _lock(digest, wait=False):
                        continue  # an upload is using it this moment: not an orphan after all
                    if is_referenced(orphan.name):
                        continue  # an upload of the same content took it over since the scan
                    path = path_for(orphan.name)
                    aside = path.with_name(f".{path.name}.removing")
                    try:
                        os.replace(path, aside)
                    except FileNotFoundError:
                        continue
                    moved.append((path, aside, orphan))
                if moved:
                    record(
                        actor=None,
                        action="files.cleanup",
                        payload={
                            "removed": [{"name": o.name, "size": o.size} for _, _, o in moved],
                            "count": len(moved),
                            "bytes": sum(o.size for _, _, o in moved),
                        },
                    )
        except BaseException:
            for path, aside, _ in moved:
                os.replace(aside, path)
            raise
        for _, aside, orphan in moved:
            aside.unlink(missing_ok=True)
            result.removed.append(orphan)
        result.batches += 1 if moved else 0
    return result
