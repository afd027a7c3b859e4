"""``deblurbench run``: the main job (every network measured, the report written); resumable."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .args import SubParsers


def add_parser(sub: SubParsers) -> None:
    """Add ``run``: --config, and the flags :class:`RunConfig` declares."""
    from ..config import RunConfig
    from ..options import add_arguments

    p = sub.add_parser("run", help="the main job: measure every network and write the report")
    add_arguments(p, RunConfig, "out")
    p.add_argument("--config", type=Path, help="TOML run configuration")
    add_arguments(
        p, RunConfig, "models", "threads", "latency_repeats", "latency_timing", "subject", "weights_dir"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The configuration (file, then flags), the job, and one line saying what it did; exit 1 on failures."""
    from .. import jobs
    from ..config import RunConfig, load_config
    from ..options import given

    started = time.perf_counter()
    outcome = jobs.run(load_config(args.config, given(RunConfig, args)))
    summary = outcome.summary
    print(
        f"deblurbench run: {summary.done} measured, {summary.skipped} already in the store, "
        f"{len(summary.failed)} failed, {time.perf_counter() - started:.1f} s; report: {outcome.report}"
    )
    return 1 if summary.failed else 0
