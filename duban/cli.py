"""The ``duban`` command.

``duban decompose`` and ``duban fulfilment`` run the pure parser without loading Django (fast cold
start); every other
subcommand is a Django management command (hyphens map to underscores: ``verify-journal``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "decompose":
        from duban.workplan.cli import main as decompose_main

        return decompose_main(argv[1:])
    if argv and argv[0] == "fulfilment":
        from duban.workplan.fulfilment_cli import main as fulfilment_main

        return fulfilment_main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["duban", *argv])
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
