"""Speed of the work-report parser: warm throughput and cold CLI wall time.

    .venv/bin/python -m bench.decompose_speed [--runs 30] [--cold-runs 5] [REPORT]

Warm: ``duban.workplan.decompose`` on the report's bytes, once to warm up (regex compilation,
data files), then the median of ``--runs`` timed runs, in characters per second.  Cold: the wall
time of ``python -m duban decompose REPORT -o /dev/null`` in a fresh interpreter (imports, data
loading, parse, JSON), median of ``--cold-runs``.  Prints a small Markdown table with the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED_CANDIDATES = (
    Path("/work/shared/seed/shanxi_2021_government_work_report.txt"),
    ROOT / "duban" / "data" / "shanxi_2021_government_work_report.txt",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def warm(raw: bytes, runs: int) -> tuple[list[float], list[float], int, int]:
    """(wall seconds, CPU seconds, chars, tasks).

    CPU time is reported beside wall time because on a shared virtual machine the wall clock
    also counts the time another guest held the core; the parser's own cost is the CPU time."""
    from duban.workplan import decompose

    result = decompose(raw, name="report.txt")  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        decompose(raw, name="report.txt")
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return wall, cpu, result["source"]["chars"], len(result["tasks"])


def cold(report: Path, runs: int) -> float:
    times = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "duban", "decompose", str(report), "-o", os.devnull],
            check=True,
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", default=None)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cold-runs", type=int, default=5)
    args = ap.parse_args(argv)
    report = Path(args.report) if args.report else next(p for p in SEED_CANDIDATES if p.exists())
    raw = report.read_bytes()
    wall, cpu, chars, tasks = warm(raw, args.runs)
    median = statistics.median(wall)
    cold_median = cold(report, args.cold_runs) if args.cold_runs > 0 else float("nan")
    print(
        f"machine: {platform.platform()} · {_cpu_model()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"report: {report.name} ({len(raw):,} bytes, {chars:,} chars, {tasks} tasks)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| warm decompose, wall time, median of {args.runs} | {median * 1000:.1f} ms |")
    print(f"| warm decompose, wall time, fastest of {args.runs} | {min(wall) * 1000:.1f} ms |")
    print(f"| warm decompose, CPU time, median of {args.runs} | {statistics.median(cpu) * 1000:.1f} ms |")
    print(
        f"| warm throughput (median wall) | {chars / median:,.0f} chars/s ({len(raw) / median / 1e6:.1f} MB/s of UTF-8) |"
    )
    print(f"| warm throughput (fastest wall) | {chars / min(wall):,.0f} chars/s |")
    print(
        f"| cold CLI (`python -m duban decompose … -o /dev/null`), median of {args.cold_runs} | {cold_median:.2f} s |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
