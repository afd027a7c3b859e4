"""``deblurbench latency``: median / p10 / p90 latency and peak CUDA memory of networks at sizes."""

from __future__ import annotations

import argparse

from .args import SubParsers, add_format, add_models, add_sizes, checked_grid, emit

COLUMNS = (  # the table's columns, from each timing's record
    "model",
    "device_name",
    "dtype",
    "batch",
    "input_size",
    "median_ms",
    "p10_ms",
    "p90_ms",
    "ci_low_ms",
    "ci_high_ms",
    "repeats",
    "stopped",
    "peak_memory_mb",
    "method",
)


def add_parser(sub: SubParsers) -> None:
    """Add ``latency``: --models, --size, then every flag :class:`LatencySettings` declares."""
    from ..bench.latency import LatencySettings
    from ..options import add_arguments

    p = sub.add_parser("latency", help="time networks on CPU or CUDA")
    add_models(p)
    add_sizes(p)
    add_arguments(p, LatencySettings)
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Time every network at every size, after refusing any that cannot fit."""
    import pandas as pd

    from ..bench.latency import LatencySettings, check_grid, latency
    from ..options import build, given

    settings = build(LatencySettings, given(LatencySettings, args)).check()
    models, sizes = checked_grid(args)
    check_grid(models, sizes, settings)
    results = [latency(m, size, settings=settings).to_dict() for m in models for size in sizes]
    table = pd.DataFrame([{c: r[c] for c in COLUMNS} for r in results])
    table["input_size"] = table["input_size"].map(lambda s: "x".join(map(str, s)))
    emit(results, table, args.format)
    return 0
