"""``deblurbench datasets``: the datasets and their layouts; ``datasets check``: validate a copy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .args import DatasetSource, SubParsers, add_format, emit, print_json
from .errors import Parser

if TYPE_CHECKING:
    from ..datasets import CheckReport


def add_parser(sub: SubParsers) -> None:
    """Add ``datasets`` and its ``check``."""
    p = sub.add_parser(
        "datasets", help="list the datasets; 'datasets check NAME --root DIR' validates a copy"
    )
    add_format(p)
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="action", parser_class=Parser)
    c = actions.add_parser("check", help="validate a local copy: counts and every problem, one line each")
    c.add_argument("name", help="dataset name (see 'deblurbench datasets')")
    DatasetSource.add_arguments(c)
    c.add_argument("--quick", action="store_true", help="read headers only, do not decode every image")
    add_format(c)
    c.set_defaults(func=run_check)


def run(args: argparse.Namespace) -> int:
    """Every registered dataset: its paper, counts per split, whether it needs a root, its layout."""
    import pandas as pd

    from ..datasets import get_dataset_spec, list_datasets

    rows, specs = [], []
    for name in list_datasets():
        spec = get_dataset_spec(name)
        specs.append(spec.describe())
        rows.append(
            {
                "name": name,
                "dataset": spec.title,
                "paper": spec.paper,
                "pairs": ", ".join(f"{split} {count:,}" for split, count in spec.counts.items()) or "any",
                "root": "needed" if spec.needs_root else "none",
                "options": ", ".join(spec.options) or "",
                "layout": spec.layout,
            }
        )
    emit(specs, pd.DataFrame(rows), args.format)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Validate a copy; exit 1 when it has problems."""
    import pandas as pd

    from ..reports.formats import to_text

    report = DatasetSource.of(args).check(args.name, decode=not args.quick)
    if args.format == "json":
        print_json(report.as_dict())
    elif args.format == "csv":
        rows = [{"kind": "group", "item": g, "pairs": n, "message": ""} for g, n in report.groups.items()]
        rows += [{"kind": "problem", "item": "", "pairs": None, "message": m} for m in report.problems]
        rows += [{"kind": "note", "item": "", "pairs": None, "message": m} for m in report.notes]
        print(to_text(pd.DataFrame(rows, columns=["kind", "item", "pairs", "message"]), "csv"), end="")
    else:
        _print_check(report)
    return 0 if report.ok else 1


def _print_check(r: CheckReport) -> None:
    """A check report for people: the counts, the groups, then every problem and note on its own line."""
    import pandas as pd

    from ..reports.formats import to_text

    where = f" at {r.root}" if r.root else ""
    full = f"; the full set has {r.expected:,}" if r.expected is not None else ""
    print(
        f"{r.name} ({r.split}){where}: {r.found} pairs found, {r.usable} usable{full}; "
        f"{'every image decoded' if r.decoded else 'headers only (--quick)'}"
    )
    if r.groups:
        print(
            to_text(pd.DataFrame({r.group_label: list(r.groups), "pairs": list(r.groups.values())}), "table")
        )
    print(f"{len(r.problems)} problem{'' if len(r.problems) == 1 else 's'}")
    for message in r.problems:
        print(f"problem: {message}")
    for message in r.notes:
        print(f"note: {message}")
