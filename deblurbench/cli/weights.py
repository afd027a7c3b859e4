"""``deblurbench weights``: which official checkpoints a folder holds, found, missing or mismatched."""

from __future__ import annotations

import argparse
import sys

from .args import SubParsers, add_format, add_models, emit, models_arg


def add_parser(sub: SubParsers) -> None:
    """Add ``weights``."""
    from ..config import RunConfig
    from ..options import add_arguments

    p = sub.add_parser(
        "weights", help="list the official checkpoints a folder holds: found, missing, mismatched"
    )
    add_arguments(p, RunConfig, "weights_dir", required=True)
    add_models(p)
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Scan the folder for every network's published file names; exit 1 when a hash mismatches or a link is broken."""
    import pandas as pd

    from ..config import RunConfig
    from ..models.official import BROKEN, MISMATCHED, MISSING, scan_weights_dir
    from ..options import given

    entries = scan_weights_dir(given(RunConfig, args)["weights_dir"], models_arg(args))
    rows = [e.row() for e in entries]
    emit(
        rows,
        pd.DataFrame(rows, columns=["model", "checkpoint", "datasets", "status", "path", "detail"]),
        args.format,
    )
    if args.format == "table":
        counts = {s: sum(e.status == s for e in entries) for s in (MISSING, MISMATCHED)}
        print(
            f"{len(entries) - sum(counts.values())} found, {counts[MISSING]} missing, {counts[MISMATCHED]} mismatched"
        )
    for entry in entries:
        if entry.status == BROKEN:
            print(f"deblurbench weights: {entry.detail}", file=sys.stderr)
    return 1 if any(e.status in (MISMATCHED, BROKEN) for e in entries) else 0
