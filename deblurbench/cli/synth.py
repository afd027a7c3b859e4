"""``deblurbench synth``: the synthetic dataset written in GoPro layout, with each pair's kernel."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .args import SubParsers
from .errors import UsageError


def add_parser(sub: SubParsers) -> None:
    """Add ``synth``."""
    from ..datasets.synthetic import SPLITS

    p = sub.add_parser("synth", help="write the synthetic dataset in GoPro layout (plus kernels)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--split", default=SPLITS[0], choices=SPLITS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, help="write only the first N pairs (required for train)")
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing OUT/SPLIT")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the split; the train split, made on the fly, only with --limit."""
    from ..config import RunConfig
    from ..datasets.synthetic import COUNTS, SyntheticPairs, write_gopro
    from ..options import read_option

    if args.split == "train" and args.limit is None:
        raise UsageError(
            f"deblurbench synth: the train split has {COUNTS['train']:,} pairs made on the fly; "
            "pass --limit N to write N of them"
        )
    out = read_option(RunConfig, "out", args.out, "--out")  # the one rule for --out
    started = time.perf_counter()
    manifest = write_gopro(
        SyntheticPairs(args.split, seed=args.seed, limit=args.limit), out, overwrite=args.overwrite
    )
    elapsed = time.perf_counter() - started
    print(
        f"deblurbench synth: {len(manifest['pairs'])} pairs ({args.split}, seed {args.seed}) written to "
        f"{Path(args.out) / args.split} in GoPro layout, kernels in <source>/kernel/*.npy, manifest "
        f"{out / f'synthetic_{args.split}.json'}; {elapsed:.1f} s"
    )
    return 0
