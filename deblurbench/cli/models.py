"""``deblurbench models``: every registered network and reference method."""

from __future__ import annotations

import argparse

from .args import SubParsers, add_format, emit


def add_parser(sub: SubParsers) -> None:
    """Add ``models``."""
    p = sub.add_parser("models", help="list the registered networks")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The registry as one row per network (its paper, input convention, size rule, fidelity, the
    parameter count its sources print), then one per reference method."""
    import pandas as pd

    from ..bench.references import get_reference, list_references
    from ..models import get_spec, list_models
    from ..reports.own_figures import published_params

    rows = []
    for name in list_models():
        spec = get_spec(name)
        rows.append(
            {
                "name": name,
                "kind": "network",
                "network": spec.display_name,
                "paper": f"{spec.paper.venue} {spec.paper.year}",
                "fidelity": spec.fidelity,
                "input": spec.interface.describe(),
                "multiple": spec.multiple,
                "min_size": spec.min_size,
                "published_params": published_params(name),
                "repo": spec.repo,
            }
        )
    for name in list_references():  # no weights, parameters or paper: floors and non-blind upper references
        reference = get_reference(name)
        rows.append(
            {
                "name": name,
                "kind": "reference",
                "network": reference.display_name,
                "input": reference.description,
            }
        )
    emit(rows, pd.DataFrame(rows).astype(object).where(lambda f: f.notna(), ""), args.format)
    return 0
