"""``deblurbench run``: the main job (every network measured, the report written); resumable."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .args import SubParsers

if TYPE_CHECKING:
    from ..config import RunConfig


def add_parser(sub: SubParsers) -> None:
    """Add ``run``: --config, and the flags :class:`RunConfig` declares."""
    from ..config import RunConfig
    from ..options import add_arguments

    p = sub.add_parser("run", help="the main job: measure every network and write the report")
    add_arguments(p, RunConfig, "out")
    p.add_argument("--config", type=Path, help="TOML run configuration")
    add_arguments(
        p,
        RunConfig,
        "models",
        "plugins",
        "threads",
        "latency_repeats",
        "latency_timing",
        "subject",
        "weights_dir",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The configuration (file, then flags), the job, and one line saying what it did; exit 1 on failures."""
    from .. import jobs
    from ..config import RunConfig, load_config
    from ..options import given

    started = time.perf_counter()
    config = load_config(args.config, given(RunConfig, args))
    _say_if_busy(config)
    outcome = jobs.run(config)
    summary = outcome.summary
    print(
        f"deblurbench run: {summary.done} measured, {summary.skipped} already in the store, "
        f"{len(summary.failed)} failed, {time.perf_counter() - started:.1f} s; report: {outcome.report}"
    )
    return 1 if summary.failed else 0


def _say_if_busy(config: RunConfig) -> None:
    """One line before any timing when the machine is busy: its latency rows will be marked."""
    from ..bench.contention import busy_now

    busy = busy_now()
    if busy and config.latency_sizes:
        print(f"deblurbench run: {busy}: latency timings taken now will be marked as such", file=sys.stderr)
