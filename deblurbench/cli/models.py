"""``deblurbench models``: every registered network and reference method, and the plugins that failed to load."""

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
    parameter count its sources print, where it comes from: built in or which plugin), then one per
    reference method, then one per plugin that failed to load, with its error (the registry also
    warns with it: one line on stderr)."""
    import pandas as pd

    from ..bench.references import get_reference, list_references
    from ..models import get_spec, list_models, model_origin, plugin_failures
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
                "origin": model_origin(name),
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
    failures = plugin_failures()
    for failure in failures:  # its networks are missing: say which plugin and why
        rows.append(
            {
                "name": failure.entry_point,
                "kind": "failed plugin",
                "input": failure.error,
                "origin": failure.module,
            }
        )
    table = pd.DataFrame(rows, dtype=object)  # object from the start: a size rule stays 16, not 16.0
    emit(rows, table.where(table.notna(), ""), args.format)
    return 0
