"""``deblurbench complexity``: parameters and MACs by every counter, beside the authors' own figures."""

from __future__ import annotations

import argparse
from typing import Any

from .args import SubParsers, add_format, add_models, add_sizes, checked_grid, emit


def add_parser(sub: SubParsers) -> None:
    """Add ``complexity``."""
    p = sub.add_parser("complexity", help="parameters and MACs by several counters")
    add_models(p)
    add_sizes(p)
    p.add_argument(
        "--real-forward",
        action="store_true",
        default=None,
        help="run fvcore (no meta device) at any size, allocating activations",
    )
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Count every network at every size; the table notes what a counter missed."""
    import pandas as pd

    from ..bench.complexity import complexity
    from ..reports.own_figures import own_cost_checks

    models, sizes = checked_grid(args)
    if args.real_forward:
        _check_fits(models, sizes)
    results = [complexity(m, size, real_forward=args.real_forward) for m in models for size in sizes]
    published = own_cost_checks(results)
    rows = [{**r.to_dict(), "published": p} for r, p in zip(results, published, strict=True)]
    table = pd.DataFrame([_row(r, p) for r, p in zip(results, published, strict=True)])
    emit(rows, table, args.format)
    if args.format == "table":
        _notes(results)
    return 0


def _check_fits(models: list[str], sizes: list[Any]) -> None:
    """Refuse, before any count, each network and size whose real forward cannot fit in memory (one line)."""
    from ..bench.complexity import check_real_forward_fits
    from ..bench.memory import needs_check
    from ..models import create_model, get_spec
    from ..models.restorer import padded_size

    for model in models:
        spec = get_spec(model)
        for size in sizes:
            input_size = padded_size(spec, *size)
            if needs_check((1, 3, *input_size)):  # small sizes: no network built, no estimate
                check_real_forward_fits(create_model(model), spec, input_size, "leave out --real-forward")


def _row(result: Any, published: list[dict[str, Any]]) -> dict[str, Any]:
    """One count as a table row: sizes, parameters, GMACs per counter, the authors' figures' verdicts."""
    from ..sizes import label

    row = {
        "model": result.model,
        "size": label(result.size),
        "input": label((result.input_height, result.input_width)),
        "params": result.params_declared,
        "params_used": result.params_used,
        **{f"gmacs_{k}": v for k, v in result.shown_macs().items()},
    }
    for check in published:  # the authors' own parameter and MAC figures at this size
        row[f"published {check['Figure']}"] = (
            f"{check['Published']}: {check['Verdict']} ({check['Difference']})"
        )
    return row


def _notes(results: list[Any]) -> None:
    """Modules never called and counters not run, one note line each."""
    from ..sizes import label

    for r in results:
        if r.unused_modules:
            print(f"note: {r.model}: modules never called: {', '.join(r.unused_modules)}")
        for counter, note in r.notes.items():
            print(f"note: {r.model} {label(r.size)} {counter}: {note}")
        for counter, wrong in r.miscounted.items():
            for what, macs in wrong.items():
                print(f"note: {r.model} {label(r.size)} {counter}: {what} ({r.shown(macs):+,.2f} GMACs)")
