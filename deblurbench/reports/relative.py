"""Comparisons a source prints between two networks, held against the same ratio of our counts.

"22.5% of MPRNet's MACs", "5 times faster than DeepDeblur", "fewer parameters than existing
methods": each :class:`~deblurbench.models.published.Relative` record of a spec is checked on
the correct counts first, then on the named conventions (:mod:`.claims` has the verdicts and
the counts); a runtime ratio is shown beside our medians but never compared across devices.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from ..bench.census import CONVENTIONS
from ..bench.records import ComplexityRecord
from ..models import get_spec, list_models
from ..models.published import Relative
from .claims import (
    DEVIATES,
    EXPLAINED,
    HEADLINE_SIZE,
    NOT_COMPARABLE,
    QUANTITIES,
    REPRODUCED,
    Check,
    Measured,
    correct_macs,
    counted_at,
    precision,
    reporter,
    short_source,
    timings,
)
from .display import MISSING, display_name

RELATIVE_COLUMNS = (
    "Network",
    "model",
    "Claim",
    "Compared with",
    "Published ratio",
    "Measured ratio",
    "Verdict",
    "Reason",
    "Source",
    "Reported by",
    "Note",
    "Reference",
)


def _ratio_text(ratio: float | None, quantity: str) -> str:
    if ratio is None:
        return "< 1 (fewer / less)"
    return f"{100 * ratio:.3g}%" if ratio >= 0.01 and quantity != "runtime" else f"1/{1 / ratio:.3g}"


def _ratio_fits(ours: float, claimed: float | None) -> bool:
    if claimed is None:
        return ours < 1
    return abs(ours - claimed) <= max(0.02 * claimed, precision(round(claimed, 6)))


def check_relative(claim: Relative, model: str, measured: Measured) -> Check:
    """A comparison as printed against the same ratio of our counts (the correct one first, then conventions)."""
    if claim.other not in list_models():
        if claim.ratio is None and claim.quantity != "runtime":
            return _against_every_network(claim, model, measured)
        return Check(MISSING, MISSING, NOT_COMPARABLE, f"{claim.other} is not a registered network")
    if claim.quantity == "runtime":
        return _relative_runtime(claim, model, measured)
    size = claim.size or HEADLINE_SIZE
    mine, theirs = measured.cost(model, size), measured.cost(claim.other, size)
    if mine is None or theirs is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "not counted here")
    if claim.quantity == "params":
        ours = mine.params_declared / theirs.params_declared
        verdict = REPRODUCED if _ratio_fits(ours, claim.ratio) else DEVIATES
        return Check(_ratio_text(ours, "params"), MISSING, verdict, "declared parameters of both")
    ours = correct_macs(mine) / correct_macs(theirs)
    where = f"at {counted_at(mine)}"
    if _ratio_fits(ours, claim.ratio):
        return Check(_ratio_text(ours, "macs"), MISSING, REPRODUCED, f"correct counts {where}")
    for name in CONVENTIONS.names():
        a, b = mine.conventions.get(name), theirs.conventions.get(name)
        if a and b and _ratio_fits(a / b, claim.ratio):
            return Check(
                _ratio_text(ours, "macs"),
                MISSING,
                EXPLAINED,
                f"{_ratio_text(a / b, 'macs')} by the {CONVENTIONS.get(name).label} {where}; correct counts give "
                f"{_ratio_text(ours, 'macs')}",
            )
    return Check(_ratio_text(ours, "macs"), MISSING, DEVIATES, f"correct counts {where}")


def _against_every_network(claim: Relative, model: str, measured: Measured) -> Check:
    """A "fewer than existing methods" naming no network: held against every other registered network."""
    size = claim.size or HEADLINE_SIZE
    family = get_spec(model).family or model
    others = [m for m in list_models() if m != model and (get_spec(m).family or m) != family]
    mine = measured.cost(model, size)
    costs = {m: measured.cost(m, size) for m in others}
    costs = {m: c for m, c in costs.items() if c is not None}
    if mine is None or not costs:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "not counted here")

    def value(cost: ComplexityRecord) -> float:
        return cost.params_declared if claim.quantity == "params" else correct_macs(cost) or math.nan

    larger = [m for m, c in costs.items() if not value(mine) < value(c)]
    text = f"'{claim.other}' names no network: held against every registered one of another family"
    if larger:
        names = ", ".join(display_name(m) for m in larger)
        return Check(
            f"< 1 for {len(costs) - len(larger)} of {len(costs)}", MISSING, DEVIATES, f"{text}; not: {names}"
        )
    return Check(f"< 1 for {len(costs)} of {len(costs)}", MISSING, REPRODUCED, text)


def _relative_runtime(claim: Relative, model: str, measured: Measured) -> Check:
    rows = {m: timings(measured, m, claim.size)[0] for m in (model, claim.other)}
    if any(r.empty for r in rows.values()):
        return Check(MISSING, MISSING, NOT_COMPARABLE, "not both timed here (deblurbench run --out DIR)")
    mine, theirs = (float(rows[m]["median_ms"].iloc[-1]) for m in (model, claim.other))
    device = str(rows[model]["device_name"].iloc[-1])
    return Check(
        _ratio_text(mine / theirs, "runtime"),
        MISSING,
        NOT_COMPARABLE,
        f"our medians on {device}; a speed ratio depends on the device, the source's is not this one",
    )


def relative_frame(measured: Measured, models: Iterable[str]) -> pd.DataFrame:
    """Every comparison the sources print for ``models``, checked on our counts."""
    rows = []
    for model in models:
        for claim in get_spec(model).relative:
            result = check_relative(claim, model, measured)
            other = display_name(claim.other) if claim.other in list_models() else claim.other
            values = (
                display_name(model),
                model,
                f"{QUANTITIES[claim.quantity].label}: {claim.printed}",
                other,
                _ratio_text(claim.ratio, claim.quantity),
                result.measured,
                result.verdict,
                result.reason,
                short_source(claim.source),
                reporter(claim),
                claim.note,
                claim.source,
            )
            rows.append(dict(zip(RELATIVE_COLUMNS, values, strict=True)))
    return pd.DataFrame(rows, columns=list(RELATIVE_COLUMNS))
