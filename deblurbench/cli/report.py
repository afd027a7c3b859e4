"""``deblurbench report``: report.md, report.html, tables/ and figures/ regenerated from a store."""

from __future__ import annotations

import argparse

from .args import Output, SubParsers, existing_store


def add_parser(sub: SubParsers) -> None:
    """Add ``report``."""
    from ..config import RunConfig
    from ..options import add_arguments

    p = sub.add_parser(
        "report", help="regenerate report.md, report.html, tables/ and figures/ from the store"
    )
    add_arguments(p, Output)
    add_arguments(p, RunConfig, "subject")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report from --out's store (which must exist) and say where."""
    from ..config import RunConfig
    from ..options import build, given
    from ..reports.report import write_report

    out = Output.of(args)
    subject = build(RunConfig, given(RunConfig, args)).subject
    report = write_report(existing_store(out), out, subject=subject)
    figures = sorted(p.name for p in (out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
    print(f"deblurbench report: {report} and {report.with_suffix('.html')}, {len(figures)} figures")
    return 0
