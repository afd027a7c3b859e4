"""A network's own published figures in the listings: its parameter count as printed, and its
parameter and MAC figures checked against a count in hand (``deblurbench models`` and ``complexity``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..bench.records import ComplexityRecord
from ..models import get_spec
from .claims import Measured, check, figure_row, printed, reporter

# a cost check as ``deblurbench complexity`` gives it: its field -> the claims column it shows
COST_CHECK = {
    "Figure": "Figure",
    "Published": "Published",
    "Source": "Reference",
    "Verdict": "Verdict",
    "Difference": "Difference",
    "Measured": "Measured",
}


def own_cost_checks(results: Sequence[ComplexityRecord]) -> list[list[dict[str, Any]]]:
    """Per count, its network's own published parameter and MAC figures (MACs at the count's size)
    checked against the counts in hand, as claims rows (:data:`COST_CHECK`'s fields)."""
    measured = Measured.of(results)
    out = []
    for r in results:
        figures = [
            f
            for f in get_spec(r.model).figures()
            if f.own and (f.quantity == "params" or (f.quantity == "macs" and f.size == r.size))
        ]
        rows = [figure_row(r.model, f, check(f, r.model, measured)) for f in figures]
        out.append([{name: row[column] for name, column in COST_CHECK.items()} for row in rows])
    return out


def published_params(model: str) -> str | None:
    """The parameter count a network's sources print, as printed and by whom (its authors' own first)."""
    figures = sorted(
        (f for f in get_spec(model).figures() if f.quantity == "params"), key=lambda f: not f.own
    )
    return f"{printed(figures[0]).split(' (')[0]} ({reporter(figures[0])})" if figures else None
