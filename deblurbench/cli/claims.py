"""``deblurbench claims``: every published figure and comparison held against what is measured,
the subject's claim baseline by baseline, and (``--plot``) the claim figure."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .args import SubParsers, add_format, add_models, models_arg, print_json, records, table_text
from .errors import UsageError

TEXT_COLUMNS = (
    "Network",
    "Figure",
    "Published",
    "Reported by",
    "Measured",
    "Difference",
    "Verdict",
    "Reason",
)


def add_parser(sub: SubParsers) -> None:
    """Add ``claims``."""
    from ..config import OUT, RunConfig
    from ..options import add_arguments

    p = sub.add_parser("claims", help="published figures against measured ones, and the subject's claim")
    add_arguments(p, RunConfig, "subject")
    add_models(p, plugins=False)  # a plugin's claims when it is named
    p.add_argument(
        "--out",
        help=f"hold quality and latency from DIR's store (default ./{OUT} when it holds one)",
    )
    p.add_argument("--plot", type=Path, metavar="FILE", help="write the claim figure to FILE (.png and .svg)")
    p.add_argument("--all", action="store_true", help="print every figure, the not comparable ones too")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every figure of --models (default: the store's networks, or all) against counts and the store."""
    from ..bench.complexity import meta_complexity
    from ..config import RunConfig
    from ..options import build, given, read_option
    from ..reports.answer import check_claims

    subject = build(RunConfig, given(RunConfig, args)).subject
    models = models_arg(args) if args.models else None  # None: the store's networks, or all
    out = None if args.out is None else read_option(RunConfig, "out", args.out, "--out")
    claims = check_claims(_store(out), models, subject=subject, count=meta_complexity)
    if args.plot is not None:
        _plot(claims, args.plot)
    if args.format == "json":
        print_json(_payload(claims, subject))
    elif args.format == "csv":
        print(claims.figures.to_csv(index=False), end="")
    else:
        _print(claims, args.all)
    return 0


def _store(out: Path | None) -> Any:
    """The store ``claims`` reads: --out DIR's, else ./deblurbench-out's when there; None (and one line) without."""
    from ..bench.store import Store
    from ..config import OUT
    from ..jobs import open_store

    where = out if out is not None else OUT
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(
            f"deblurbench claims: --out {out}: is a file, not a directory; pass the output directory"
        )
    if (where / Store.FILENAME).is_file():
        if not os.access(where / Store.FILENAME, os.W_OK) or not os.access(where, os.W_OK | os.X_OK):
            return Store.reader(where)  # claims only reads: a read-only store is read as it is
        return open_store(where)
    if out is not None:
        print(
            f"deblurbench claims: {out} holds no {Store.FILENAME}: parameters and MACs are counted here; quality "
            f"and latency need its store ('deblurbench run --out {out}')",
            file=sys.stderr,
        )
    return None


def _payload(claims: Any, subject: str) -> dict[str, Any]:
    """The whole answer as JSON-ready data."""
    from ..reports.claims import verdict_counts

    return {
        "summary": claims.summary,
        "counts": verdict_counts(claims.figures),
        "networks": records(claims.networks),
        "figures": records(claims.figures),
        "relative": records(claims.relative),
        "subject": subject,
        "claim": records(claims.subject_table),
        "claim_summary": claims.subject_lines,
        "front": claims.front + claims.scored_front,
    }


def _print(claims: Any, everything: bool) -> None:
    """The answer for people: per network, the figures (the comparable ones unless --all), the subject's claim."""
    from ..reports.claims import NOT_COMPARABLE

    figures = claims.figures
    shown = figures if everything else figures[figures["Verdict"] != NOT_COMPARABLE]
    print(table_text(claims.networks))
    print(f"\n{claims.summary}.")
    if len(shown):
        print(table_text(shown[list(TEXT_COLUMNS)]))
    if len(shown) < len(figures):
        print(
            f"({len(figures) - len(shown)} rows not comparable here: --all shows them, --format csv has every column)"
        )
    if not claims.relative.empty:
        print("\nComparisons the sources print, on our counts:")
        relative = claims.relative.assign(Claim=claims.relative["Claim"].str.slice(0, 60) + "…")
        print(table_text(relative.drop(columns=["model", "Reference", "Note", "Source"])))
    print(f"\n{claims.subject_lines[0]}")
    if not claims.subject_table.empty:
        print(table_text(claims.subject_table))
    for line in claims.subject_lines[1:] + claims.front + claims.scored_front:
        print(line)


def _plot(claims: Any, target: Path) -> None:
    """Write the claim figure to ``target`` (.png and .svg), or say in one line why there is none."""
    from ..reports import plots
    from ..reports.display import display_name

    if claims.points.empty:
        raise UsageError("--plot: no network has both a published GoPro PSNR and a count here")
    title = "Published GoPro PSNR against measured MACs and parameters"
    written = plots.claim_figure(claims.points, target.with_suffix(""), display_name(claims.subject), title)
    print(f"deblurbench claims: claim figure {', '.join(map(str, written))}", file=sys.stderr)
