"""Speed of the work-report parser: warm throughput and cold CLI wall time.

    .venv/bin/python -m bench.decompose_speed [--runs 30] [--cold-runs 5] [--repeat 20] [--stages] [REPORT]

Warm: ``duban.workplan.decompose`` on the report's bytes, once to warm up (regex compilation,
data files), then the median of ``--runs`` timed runs, in characters per second.  In the same
run, interleaved with it (the machine is shared: both see the same slow phases), the report
repeated ``--repeat`` times (joined by newlines): its rate per character should be that of the
single report if the cost grows linearly.  The concatenation is larger than the upload caps
allow, so it is parsed with raised caps (the caps are not what is measured); each copy is read
as a report of its own (its numbering restarts on a review heading), so it has ``--repeat``
times the single report's tasks.  Cold: the wall time of
``python -m duban decompose REPORT -o /dev/null`` and of ``python -m duban fulfilment`` on two
national reports (when the dev set is there), in fresh interpreters, median of ``--cold-runs``.
``--stages`` adds where the warm time goes: CPU time per stage, median of ``--runs`` calls,
each stage's functions timed by a wrapper (which adds a little to the total; "the rest" is the
per-sentence walk and the building of the result).
Prints a small Markdown table with the machine.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULFILMENT_PAIR = (
    Path("/work/shared/devset/fulfilment/guowuyuan_2022.txt"),
    Path("/work/shared/devset/fulfilment/guowuyuan_2023.txt"),
)
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


@dataclass
class Warm:
    wall: list[float]
    cpu: list[float]
    wall_big: list[float]
    cpu_big: list[float]
    chars: int
    tasks: int
    chars_big: int
    tasks_big: int


def warm(raw: bytes, runs: int, repeat: int) -> Warm:
    """Wall and CPU seconds of the single report and of its ``repeat``-fold concatenation,
    timed alternately.

    CPU time is reported beside wall time because on a shared virtual machine the wall clock
    also counts the time another guest held the core; the parser's own cost is the CPU time."""
    from duban.workplan.decode import Limits, decode
    from duban.workplan.pipeline import decompose_text

    big = "\n".join([raw.decode("utf-8")] * repeat).encode("utf-8")
    roomy = Limits(max_chars=len(big) * 2, max_lines=10**7, max_tasks=10**7)

    def run(data: bytes) -> Any:
        return decompose_text(decode(data, name="report.txt", limits=roomy), limits=roomy)

    one, many = run(raw), run(big)  # warm-up
    wall: list[float] = []
    cpu: list[float] = []
    wall_big: list[float] = []
    cpu_big: list[float] = []
    for _ in range(runs):
        for data, w, c in ((raw, wall, cpu), (big, wall_big, cpu_big)):
            t0, c0 = time.perf_counter(), time.process_time()
            run(data)
            c.append(time.process_time() - c0)
            w.append(time.perf_counter() - t0)
    return Warm(
        wall,
        cpu,
        wall_big,
        cpu_big,
        one["source"]["chars"],
        len(one["tasks"]),
        many["source"]["chars"],
        len(many["tasks"]),
    )


def stages(raw: bytes, runs: int) -> list[tuple[str, float]]:
    """(stage, median CPU milliseconds per call) of ``decompose`` on ``raw``, and the total."""
    from duban.workplan import pipeline
    from duban.workplan.decode import decode
    from duban.workplan.phrases import PhraseIndex

    spent: dict[str, float] = {}

    def timed(label: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t0

        return wrapper

    names = {
        "normalize": "normalisation",
        "parse_structure": "structure (sections, parts, paragraphs, sentences)",
        "find_targets": "targets",
        "find_deadlines": "deadlines",
        "short_titles": "short titles",
        "suggest_in": "suggested-unit ranking",
    }
    saved = {name: getattr(pipeline, name) for name in names}
    saved_scan = PhraseIndex.scan
    try:
        for name, label in names.items():
            setattr(pipeline, name, timed(label, saved[name]))
        PhraseIndex.scan = timed("vocabulary and gazetteer scans", saved_scan)  # type: ignore[method-assign]
        per_run: dict[str, list[float]] = {}
        for k in range(runs + 1):
            spent.clear()
            t0 = time.process_time()
            decoded = timed("decoding", decode)(raw, name="report.txt")
            pipeline.decompose_text(decoded)
            total = time.process_time() - t0
            if k == 0:
                continue  # warm-up
            spent["the rest"] = total - sum(spent.values())
            spent["total"] = total
            for label, v in spent.items():
                per_run.setdefault(label, []).append(v)
    finally:
        for name, fn in saved.items():
            setattr(pipeline, name, fn)
        PhraseIndex.scan = saved_scan  # type: ignore[method-assign]
    return [(label, statistics.median(v) * 1000) for label, v in per_run.items()]


def cold_fulfilment(runs: int) -> float:
    if not all(p.exists() for p in FULFILMENT_PAIR):
        return float("nan")
    times = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "duban", "fulfilment", *map(str, FULFILMENT_PAIR), "-o", os.devnull],
            check=True,
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


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
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--stages", action="store_true", help="also print CPU time per stage")
    args = ap.parse_args(argv)
    report = Path(args.report) if args.report else next(p for p in SEED_CANDIDATES if p.exists())
    raw = report.read_bytes()
    w = warm(raw, args.runs, args.repeat)
    wall, cpu, wall_big, cpu_big = w.wall, w.cpu, w.wall_big, w.cpu_big
    chars, tasks, chars_big, tasks_big = w.chars, w.tasks, w.chars_big, w.tasks_big
    median = statistics.median(wall)
    median_big = statistics.median(wall_big)
    rate, rate_big = chars / median, chars_big / median_big
    cpu_rate, cpu_rate_big = chars / statistics.median(cpu), chars_big / statistics.median(cpu_big)
    cold_median = cold(report, args.cold_runs) if args.cold_runs > 0 else float("nan")
    fulfil = cold_fulfilment(args.cold_runs) if args.cold_runs > 0 else float("nan")
    print(
        f"machine: {platform.platform()} · {_cpu_model()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"report: {report.name} ({len(raw):,} bytes, {chars:,} chars, {tasks} tasks)")
    print(f"×{args.repeat}: {chars_big:,} chars, {tasks_big} tasks\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| warm decompose, wall time, median of {args.runs} | {median * 1000:.1f} ms |")
    print(f"| warm decompose, wall time, fastest of {args.runs} | {min(wall) * 1000:.1f} ms |")
    print(f"| warm decompose, CPU time, median of {args.runs} | {statistics.median(cpu) * 1000:.1f} ms |")
    print(
        f"| warm throughput (median wall) | {rate:,.0f} chars/s ({len(raw) / median / 1e6:.1f} MB/s of UTF-8) |"
    )
    print(f"| warm throughput (fastest wall) | {chars / min(wall):,.0f} chars/s |")
    print(f"| ×{args.repeat}, warm throughput (median wall, interleaved) | {rate_big:,.0f} chars/s |")
    print(f"| ×{args.repeat} rate ÷ single rate (wall) | {rate_big / rate:.2f} |")
    print(
        f"| warm throughput (median CPU), single / ×{args.repeat} | {cpu_rate:,.0f} / {cpu_rate_big:,.0f} chars/s |"
    )
    print(f"| ×{args.repeat} rate ÷ single rate (CPU) | {cpu_rate_big / cpu_rate:.2f} |")
    print(
        f"| time per task, single / ×{args.repeat} | {median / tasks * 1e6:.1f} µs / "
        f"{median_big / tasks_big * 1e6:.1f} µs |"
    )
    print(
        f"| cold CLI (`python -m duban decompose … -o /dev/null`), median of {args.cold_runs} | {cold_median:.2f} s |"
    )
    print(f"| cold `duban fulfilment` (国务院 2022 → 2023), median of {args.cold_runs} | {fulfil:.2f} s |")
    if args.stages:
        rows = stages(raw, args.runs)
        print(f"\n| stage (CPU time, median of {args.runs}) | ms | share |")
        print("|---|---:|---:|")
        total = dict(rows)["total"]
        for label, ms in sorted(rows, key=lambda r: -r[1] if r[0] not in ("the rest", "total") else 0):
            print(f"| {label} | {ms:.2f} | {ms / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
