"""``duban decompose REPORT [--year YYYY] [--format json|md|xlsx] [-o OUT]``.

Runs without Django and imports openpyxl/python-docx/charset-normalizer only when the input or
the output needs them, so a cold start stays well under a second.  Exit codes: 0 done, 2 the
report was refused (ParseError, message and code on stderr) or the arguments are wrong, 1 the
file could not be read or written.
"""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="duban decompose",
        description="把政府工作报告分解为重点工作任务（量化指标、时限、地区、建议牵头单位）。",
    )
    p.add_argument("report", help="报告文件（.txt/.md/.html/.docx），- 表示标准输入")
    p.add_argument("--year", type=int, default=None, help="计划年度（默认从报告中识别）")
    p.add_argument("--format", choices=("json", "md", "xlsx"), default="json", help="输出格式（默认 json）")
    p.add_argument("-o", "--output", default=None, help="输出文件（默认标准输出）")
    p.add_argument("--name", default=None, help="从标准输入读取时的文件名（用于判断格式）")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2

    from duban.workplan import ParseError, decompose
    from duban.workplan.export import to_json, to_markdown, to_xlsx

    try:
        if args.report == "-":
            result = decompose(sys.stdin.buffer.read(), name=args.name, year=args.year)
        else:
            with open(args.report, "rb") as fh:
                data = fh.read()
            import os

            result = decompose(data, name=args.name or os.path.basename(args.report), year=args.year)
    except ParseError as exc:
        print(f"无法分解报告：{exc.message}（{exc.code}）", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法读取文件：{args.report}：{exc.strerror or exc}", file=sys.stderr)
        return 1

    out = args.output
    try:
        if args.format == "xlsx":
            if out in (None, "-"):
                if sys.stdout.isatty():
                    print("xlsx 是二进制文件：请用 -o 指定输出文件", file=sys.stderr)
                    return 2
                sys.stdout.flush()
                to_xlsx(result, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                to_xlsx(result, out)
            return 0
        body = to_json(result) + "\n" if args.format == "json" else to_markdown(result)
        if out in (None, "-"):
            sys.stdout.write(body)
            sys.stdout.flush()
        else:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(body)
    except OSError as exc:
        print(f"无法写入输出：{out or '标准输出'}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
