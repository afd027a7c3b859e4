"""``deblurbench weights``: which official checkpoints a folder holds, found, missing or mismatched;
``weights identify FILE...``: which registered network each checkpoint is."""

from __future__ import annotations

import argparse
import sys

from .args import SubParsers, add_format, add_models, emit, models_arg
from .errors import Parser, UsageError

IDENTIFY_COLUMNS = (
    "file",
    "verdict",
    "networks",
    "options",
    "keys",
    "missing",
    "unexpected",
    "misshaped",
    "matched",
    "detail",
)


def add_parser(sub: SubParsers) -> None:
    """Add ``weights`` and its ``identify``."""
    from ..config import RunConfig
    from ..options import add_arguments

    p = sub.add_parser(
        "weights",
        help="list the official checkpoints a folder holds: found, missing, mismatched; "
        "'weights identify FILE...' names the network of each checkpoint",
    )
    add_arguments(p, RunConfig, "weights_dir")  # required unless 'identify' is given: run checks
    add_models(p)
    add_format(p)
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="action", parser_class=Parser)
    i = actions.add_parser(
        "identify",
        help="which registered network each checkpoint (file or per-module folder) is, by keys and "
        "shapes: exact, fits with options, nearest or none; exit 1 unless every one loads exactly "
        "(as registered or with the options shown)",
    )
    i.add_argument("files", nargs="+", metavar="FILE", help="checkpoint files or folders")
    add_models(i, help="compare with these networks only (default all, plugins' too)", plugins=False)
    add_format(i)
    i.set_defaults(func=run_identify)


def run(args: argparse.Namespace) -> int:
    """Scan the folder for every network's published file names; exit 1 when a hash mismatches or a link is broken."""
    import pandas as pd

    from ..config import RunConfig
    from ..models.official import BROKEN, MISMATCHED, MISSING, scan_weights_dir
    from ..options import given

    weights_dir = given(RunConfig, args).get("weights_dir")
    if weights_dir is None:
        raise UsageError(
            "deblurbench weights: the following arguments are required: --weights-dir "
            "(or 'weights identify FILE...'; see 'deblurbench weights --help')"
        )
    entries = scan_weights_dir(weights_dir, models_arg(args))
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


def run_identify(args: argparse.Namespace) -> int:
    """Identify each file; an unreadable one is its own row (the others are still identified).

    Exit 0 when every file is an exact match or fits with the options shown, 1 otherwise.
    """
    import pandas as pd

    from ..config import RunConfig
    from ..models.identify import EXACT, FITS, identify
    from ..options import given

    if given(RunConfig, args).get("weights_dir") is not None:
        raise UsageError(
            "deblurbench weights identify: --weights-dir does not apply (identify reads the FILEs given); "
            "drop it, or run 'deblurbench weights --weights-dir DIR' on its own"
        )
    networks = models_arg(args) if args.models else None  # None: every registered network, plugins' too
    found = [identify(path, networks) for path in args.files]
    rows = [f.row() for f in found]
    emit([f.as_dict() for f in found], pd.DataFrame(rows, columns=list(IDENTIFY_COLUMNS)), args.format)
    return 0 if all(f.verdict in (EXACT, FITS) for f in found) else 1
