"""Static files served by the app itself (whitenoise), for `duban serve` without a web server's help."""

from __future__ import annotations

import os
from typing import Any

from whitenoise.compress import Compressor
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedStaticFilesStorage as _Compressed


class CompressedStaticFilesStorage(_Compressed):
    """A gzip copy beside each collected file, made again only for a changed file.

    Every `duban serve` and `duban demo` collects before it starts, so the demo's first start pays
    for compressing Swagger UI, the admin and ECharts: gzip takes a second or two where brotli at
    its best level took most of a minute on this 2-core machine, for ~15% fewer bytes on an office
    network. whitenoise gives each copy the mtime of its file, so an older or missing copy is what
    needs compressing, and a restart with nothing changed compresses nothing."""

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)

    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any):
        stale = {path: found for path, found in paths.items() if self._stale(path)}
        yield from super().post_process(stale, dry_run=dry_run, **options)

    def _stale(self, path: str) -> bool:
        full = self.path(path)
        try:
            mtime = os.stat(full).st_mtime
        except FileNotFoundError:
            return True
        for suffix in (".br", ".gz"):
            try:
                if os.stat(full + suffix).st_mtime >= mtime:
                    return False
            except FileNotFoundError:
                continue
        return True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, quiet when nothing has been collected: the apps' files are then served from
    the apps (WHITENOISE_USE_FINDERS) and a missing STATIC_ROOT is expected, not worth a warning."""

    def add_files(self, root, prefix=None):
        if root == getattr(self, "static_root", None) and not os.path.isdir(root):
            return
        super().add_files(root, prefix=prefix)
