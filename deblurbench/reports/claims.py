"""Published figures held against measured ones, with a verdict a referee would sign.

Pure functions over specs and measurements; nothing here runs a network but the meta-device
counting ``count`` callers pass in. What is measured comes from a :class:`Measured`: the
results store's rows and, where a counter is given, parameters and MACs counted on the spot.

A verdict is one of :data:`VERDICTS`:

- **reproduced**: a correct count or score under the stated conditions, within the figure's
  printed precision (exact counts by rounding: 11.378 M does not reproduce "11.6M");
- **explained**: the figure equals a named convention or counter artifact that differs from
  the correct count (an aliased module charged at each name, matmuls or FFTs a counter never
  saw, transposed convolutions charged on their output grid, a size found by search: then
  "explained (size inferred)"), shown with the correct count and how far the figure is off;
- **deviates**: nothing explains it; **not comparable**: with the reason (devices differ, the
  dataset is not scored here, no size stated and none found).

Each published quantity is one :class:`Quantity` row (its label, precision rule and check);
the printed units and their factors are declared with the figures
(:data:`~deblurbench.models.published.UNITS`, :data:`~deblurbench.models.published.UNIT_FACTOR`).
The correct MAC count is the census's (``torch.utils.flop_counter``'s formulas, which equal a
hand count of convolutions, matmuls and attention); only the meta-device counters and the
named conventions are consulted, so a check gives the same answer with or without a store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import sizes
from ..bench.census import CONVENTIONS
from ..bench.counters import by_preference
from ..bench.records import ComplexityRecord
from ..bench.store import Store
from ..models import get_spec, list_models
from ..models.published import UNIT_FACTOR, UNITS, Published, Relative
from ..models.sources import table_of
from ..ssim import convention_of_tool
from .display import MISSING, display_name
from .frames import latency_frame, pick_protocol, quality_frame

REPRODUCED, EXPLAINED, DEVIATES, NOT_COMPARABLE = "reproduced", "explained", "deviates", "not comparable"
VERDICTS = (REPRODUCED, EXPLAINED, DEVIATES, NOT_COMPARABLE)
SIZE_INFERRED = f"{EXPLAINED} (size inferred)"
CORRECT_COUNTER = "torch_flop_counter"  # the census: equals a hand count on every registered network
HEADLINE_SIZE = sizes.HEADLINE  # where a comparison with no stated size is made
SEARCH_SIZES = sizes.SEARCH  # where an unstated size is sought
GOPRO_VARIANT = {"": "", "blur": "", "blur_gamma": "blur=blur_gamma"}  # published variant -> stored variant
CostCounter = Callable[[str, tuple[int, int]], ComplexityRecord]


def verdict_kind(verdict: str) -> str:
    """The verdict without its qualifier: ``explained (size inferred)`` -> ``explained``."""
    return verdict.split(" (")[0]


# ----------------------------------------------------------------------------- what was measured


@dataclass
class Measured:
    """What this suite measured: the store's rows, and (``count``) parameters and MACs counted on demand.

    A stored complexity row is used where it holds the census's details (conventions, miscounts);
    otherwise the network is counted on the spot, so the store and a fresh count give one answer.
    """

    store: Store | None = None
    count: CostCounter | None = None
    _costs: dict[tuple[str, tuple[int, int]], ComplexityRecord | None] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[ComplexityRecord]) -> Measured:
        """Measurements made just now (``deblurbench complexity``), without a store."""
        measured = cls()
        measured._stored = list(records)
        return measured

    def cost(self, model: str, size: tuple[int, int]) -> ComplexityRecord | None:
        """Parameters and MACs at ``size``: stored with the census's details, else counted where possible."""
        key = (model, tuple(size))
        if key not in self._costs:
            stored = self._stored_cost(model, size)
            if self.count is not None and (stored is None or not stored.conventions):
                stored = self.count(model, tuple(size))
            self._costs[key] = stored
        return self._costs[key]

    def _stored_cost(self, model: str, size: tuple[int, int]) -> ComplexityRecord | None:
        rows = [r for r in self._complexity() if r.model == model and (r.height, r.width) == tuple(size)]
        return rows[0] if rows else None

    def params(self, model: str, used: bool = False) -> int | None:
        """Declared parameters (``used``: those of modules the forward calls), stored or counted."""
        stored = [r for r in self._complexity() if r.model == model]
        cost = stored[0] if stored else self.cost(model, HEADLINE_SIZE) if self.count is not None else None
        if cost is None:
            return None
        return cost.params_used if used else cost.params_declared

    def _complexity(self) -> list[ComplexityRecord]:
        if not hasattr(self, "_stored"):
            self._stored = self.store.records(ComplexityRecord) if self.store is not None else []
        return self._stored

    def models(self) -> list[str]:
        """The networks the store measured; without a store, every built-in one when counting on the spot."""
        if self.store is None and self.count is not None:
            return list_models(plugins=False)
        return sorted({r.model for r in self._complexity()} & set(list_models()))

    def latency(self) -> pd.DataFrame:
        """The store's latency rows (newest per setting), or an empty frame; read once (callers only filter it)."""
        if not hasattr(self, "_latency"):
            self._latency = latency_frame(self.store) if self.store is not None else pd.DataFrame()
        return self._latency

    def quality(self) -> pd.DataFrame:
        """The store's quality means per group, or an empty frame; computed once, not once per figure checked."""
        if not hasattr(self, "_quality"):
            self._quality = quality_frame(self.store) if self.store is not None else pd.DataFrame()
        return self._quality


# ----------------------------------------------------------------------------- printed precision


def precision(value: float) -> float:
    """Half a unit of the last printed digit: 88.7 -> 0.05, 20 -> 0.5, 1.25 -> 0.005."""
    text = repr(float(value)).removesuffix(".0")
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0.5 * 10.0**-decimals


def _percent(measured: float, published: float) -> str:
    return f"{100 * (measured - published) / published:+.1f}%" if published else MISSING


def _count(value: float) -> str:
    return f"{value / 1e6:,.3f} M" if value >= 1e5 else f"{value:,.0f}"


def _gmacs(value: float) -> str:
    return f"{value / 1e9:,.2f} G"


# ----------------------------------------------------------------------------- one check


@dataclass(frozen=True)
class Check:
    """The outcome of holding one published figure against a measurement."""

    measured: str
    difference: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Quantity:
    """How one published quantity is checked: its label, precision rule and check.

    ``tolerance`` is how far a measurement may be from the figure beyond its printed rounding
    (relative; absolute in the figure's unit where ``absolute``); 0 for an exact count, which
    reproduces a figure only if it rounds to it.
    """

    name: str
    label: str
    tolerance: float
    check: Callable[[Published, str, Measured, Context], Check]
    absolute: bool = False

    @property
    def units(self) -> dict[str, float]:
        """The units a figure of it may be printed in, with their factors to base units."""
        return {unit: UNIT_FACTOR[unit] for unit in UNITS[self.name]}

    def reproduces(self, measured: float, value: float, unit: str) -> bool:
        """Whether ``measured`` (base units) reproduces ``value`` printed in ``unit``: its rounding, or the tolerance."""
        factor = UNIT_FACTOR[unit]
        published = value * factor
        allowed = self.tolerance * (factor if self.absolute else abs(published))
        return abs(measured - published) <= max(allowed, precision(value) * factor)


@dataclass
class Context:
    """What a check needs beyond its own figure: the size each unsized cost figure's table was found at."""

    inferred: dict[Published, tuple[int, int] | None] = field(default_factory=dict)


def check_params(figure: Published, model: str, measured: Measured, _ctx: Context) -> Check:
    """A parameter count reproduces only if the declared count rounds to the printed figure."""
    count = measured.params(model)
    if count is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "parameters not counted here")
    quantity = QUANTITIES["params"]
    published = figure.value * UNIT_FACTOR[figure.unit]
    if quantity.reproduces(count, figure.value, figure.unit):
        return Check(_count(count), _percent(count, published), REPRODUCED, "declared parameters")
    used = measured.params(model, used=True)
    if used and used != count and quantity.reproduces(used, figure.value, figure.unit):
        return Check(
            _count(count),
            _percent(count, published),
            EXPLAINED,
            f"equals the parameters the forward uses ({_count(used)}); {_count(count - used)} more are declared",
        )
    if figure.unit == "M" and QUANTITIES["model_size"].reproduces(count * 4, figure.value, "MB"):
        return Check(
            _count(count),
            _percent(count, published),
            EXPLAINED,
            f"equals the float32 weights' size in MB ({count * 4 / 1e6:.2f} MB), printed as a parameter count",
        )
    closest = f"; the parameters the forward uses are {_count(used)}" if used and used != count else ""
    rule = f"the printed {figure.value:g}{figure.unit} needs a count that rounds to it"
    return Check(_count(count), _percent(count, published), DEVIATES, f"declared parameters; {rule}{closest}")


def check_model_size(figure: Published, model: str, measured: Measured, _ctx: Context) -> Check:
    """A size in MB against the float32 weights (4 bytes a parameter); a figure equal to the count in millions is said."""
    count = measured.params(model)
    if count is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "parameters not counted here")
    weights = count * 4
    factor = UNIT_FACTOR[figure.unit]
    shown = f"{weights / factor:.2f} {figure.unit} (float32 weights)"
    difference = _percent(weights, figure.value * factor)
    if QUANTITIES["model_size"].reproduces(weights, figure.value, figure.unit):
        return Check(shown, difference, REPRODUCED, "the size of the float32 weights")
    if QUANTITIES["params"].reproduces(count, figure.value, "M"):
        return Check(
            shown,
            difference,
            EXPLAINED,
            f"{figure.value:g} equals the parameter count in millions ({count / 1e6:.3f} M), printed under "
            f"'{figure.printed or figure.unit}'; the float32 weights are {weights / 1e6:.2f} MB. The source does "
            "not say which it meant",
        )
    return Check(
        shown,
        difference,
        DEVIATES,
        f"neither the float32 weights' size nor the parameter count in millions ({count / 1e6:.3f} M)",
    )


# ----------------------------------------------------------------------------- MACs and FLOPs


@dataclass(frozen=True)
class Reading:
    """One way of counting a network at one size: its MACs, what it is, and whether it is correct."""

    macs: int
    what: str
    correct: bool
    why: str = ""  # for an incorrect reading: what it gets wrong


def correct_macs(cost: ComplexityRecord | None) -> int | None:
    """The correct MAC count of a record: the census's, else the first meta counter that counted."""
    if cost is None:
        return None
    for name in (CORRECT_COUNTER, *(c.name for c in by_preference(meta_only=True))):
        if cost.macs.get(name):
            return int(cost.macs[name])
    return None


def _miscount_text(miscounted: Mapping[str, int]) -> str:
    """What a counter got wrong, in words: ``aliased modules charged twice (10, +136.06 G)``."""
    doubled = {k: v for k, v in miscounted.items() if k.startswith("aliased module")}
    parts = []
    if doubled:
        first = next(iter(doubled)).split(": ", 1)[1]
        parts.append(
            f"charges {len(doubled)} aliased module(s) at each of their names (e.g. {first}; "
            f"+{_gmacs(sum(doubled.values()))})"
        )
    for what, macs in miscounted.items():
        if what.startswith("unseen: "):
            op = what.removeprefix("unseen: ").split(" ")[0]
            parts.append(f"never sees the {op} matmuls of operator calls such as q @ k ({_gmacs(-macs)})")
        elif not what.startswith("aliased module"):
            parts.append(f"{what} ({'+' if macs > 0 else ''}{_gmacs(macs)})")
    return "; ".join(parts)


def readings(cost: ComplexityRecord) -> list[Reading]:
    """The correct count, each meta counter's count (with what it got wrong) and each convention's."""
    correct = correct_macs(cost)
    found = []
    for counter in by_preference(meta_only=True):
        macs = cost.macs.get(counter.name)
        if not macs or correct is None:
            continue
        right = abs(macs - correct) <= 0.02 * correct
        why = _miscount_text(cost.miscounted.get(counter.name, {})) or (
            f"differs from the correct count by {_percent(macs, correct)}"
        )
        found.append(Reading(int(macs), counter.label, right, "" if right else why))
    for name, macs in cost.conventions.items():
        if macs and correct and abs(macs - correct) > 0.02 * correct and name in CONVENTIONS:
            convention = CONVENTIONS.get(name)
            found.append(Reading(int(macs), convention.label, False, convention.charges))
    return found


@dataclass(frozen=True)
class Match:
    """A reading of a cost figure at one size: its relative error, the reading and the FLOPs per MAC."""

    error: float
    size: tuple[int, int]
    reading: Reading
    per_mac: float


def _matches(figure: Published, cost: ComplexityRecord | None, size: tuple[int, int]) -> list[Match]:
    """Every reading of ``cost`` against the figure, best first (FLOPs read as 1 and as 2 per MAC)."""
    if cost is None:
        return []
    published = figure.value * UNIT_FACTOR[figure.unit]
    per_mac = (1.0,) if figure.quantity == "macs" else (1.0, 2.0)
    found = [
        Match(abs(r.macs * m - published) / published, size, r, m) for r in readings(cost) for m in per_mac
    ]
    return sorted(found, key=lambda m: (m.error, not m.reading.correct))


def _fits(figure: Published, match: Match) -> bool:
    return QUANTITIES[figure.quantity].reproduces(
        match.reading.macs * match.per_mac, figure.value, figure.unit
    )


def counted_at(cost: ComplexityRecord) -> str:
    """The size actually counted, and the requested one where padding changed it."""
    counted = f"{cost.input_height or cost.height}x{cost.input_width or cost.width}"
    requested = f"{cost.height}x{cost.width}"
    return counted if counted == requested else f"{counted} (the padded {requested})"


def _reading_name(figure: Published, match: Match) -> str:
    if figure.quantity == "macs":
        return match.reading.what
    flops = "1 FLOP" if match.per_mac == 1 else "2 FLOPs"
    return f"{match.reading.what}, read as {flops} per multiply-add"


def check_cost(figure: Published, model: str, measured: Measured, ctx: Context) -> Check:
    """MACs or FLOPs at the stated size (or the size found for the figure's table) by every reading."""
    inferred = figure.size is None
    size = figure.size or ctx.inferred.get(figure)
    if size is None:
        return _no_size(figure, model, measured)
    cost = measured.cost(model, size)
    correct = correct_macs(cost)
    every = _matches(figure, cost, size)
    matches = [m for m in every if _fits(figure, m)]
    if cost is None or correct is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "MACs not counted here at the figure's size")
    at = counted_at(cost)
    published = figure.value * UNIT_FACTOR[figure.unit]
    unit = "GMACs" if figure.quantity == "macs" else "GFLOPs"
    right = [m for m in matches if m.reading.correct]
    where = f" at {at}" + (
        ", a size the source does not state, found for its whole table" if inferred else ""
    )
    if right:
        match = right[0]
        value = match.reading.macs * match.per_mac
        shown = f"{value / 1e9:,.2f} {unit} at {at}"
        verdict = SIZE_INFERRED if inferred else REPRODUCED
        return Check(shown, _percent(value, published), verdict, f"{_reading_name(figure, match)}{where}")
    correct_value = correct * (matches[0].per_mac if matches else 1.0)
    shown = f"{correct_value / 1e9:,.2f} {unit} at {at} (correct count)"
    side = "above" if published > correct_value else "below"
    off = f"the published figure is {abs(100 * (published - correct_value) / correct_value):.1f}% {side} the correct count"
    if matches:
        seen, parts = set(), []
        for match in matches:
            if match.reading.what not in seen:
                seen.add(match.reading.what)
                value = match.reading.macs * match.per_mac / 1e9
                parts.append(f"{_reading_name(figure, match)} ({value:,.2f} G), which {match.reading.why}")
        text = f"{where.lstrip()}: equals {'; also '.join(parts)}; {off}"
        return Check(
            shown, _percent(correct_value, published), SIZE_INFERRED if inferred else EXPLAINED, text
        )
    near = f"; closest: {_reading_name(figure, every[0])}, {100 * every[0].error:.1f}% away" if every else ""
    if inferred:  # the size is a guess made for the table: a figure it does not fit is not a deviation
        return Check(
            shown,
            _percent(correct_value, published),
            NOT_COMPARABLE,
            f"no size stated; at {at}, the size found for its table, no count or convention gives it{near}",
        )
    return Check(
        shown, _percent(correct_value, published), DEVIATES, f"no count or convention{where} gives it{near}"
    )


def _no_size(figure: Published, model: str, measured: Measured) -> Check:
    """An unsized cost figure for which no size of :data:`SEARCH_SIZES` fits its table."""
    tried = ", ".join(f"{h}x{w}" for h, w in SEARCH_SIZES)
    found = [m for size in SEARCH_SIZES for m in _matches(figure, measured.cost(model, size), size)]
    if not found:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "MACs not counted here")
    best = min(found, key=lambda m: m.error)
    return Check(
        MISSING,
        MISSING,
        NOT_COMPARABLE,
        f"no size stated, and no size tried ({tried}) fits the figures of its table; closest: "
        f"{_reading_name(figure, best)} at {best.size[0]}x{best.size[1]}, {100 * best.error:.1f}% away",
    )


def infer_table_sizes(
    figures: Iterable[tuple[str, Published]], measured: Measured
) -> dict[Published, tuple[int, int] | None]:
    """One size per printed table for its cost figures that state none: the size that fits most of them.

    All rows of one printed table were measured alike, so the size is searched for the table,
    not per row: the size at which most of its figures are matched by some reading (ties: the
    smaller total error), among the sizes papers report at first (:data:`sizes.SEARCH_TIERS`).
    None where no size fits any of them.
    """
    tables: dict[str, list[tuple[str, Published]]] = {}
    for model, figure in figures:
        if figure.quantity in ("macs", "flops") and figure.size is None:
            tables.setdefault(table_of(figure.source), []).append((model, figure))
    chosen: dict[Published, tuple[int, int] | None] = {}
    for members in tables.values():
        size = None
        for tier in sizes.SEARCH_TIERS:  # the sizes papers use first; the others only if none fits
            fitted, _, best = min(_table_fit(members, measured, size) for size in tier)
            if fitted < 0:
                size = best
                break
        for _, figure in members:
            chosen[figure] = size
    return chosen


def _table_fit(
    members: list[tuple[str, Published]], measured: Measured, size: tuple[int, int]
) -> tuple[int, float, tuple[int, int]]:
    """(minus the figures some reading fits, their total error, size): the sort key of a table's size."""
    best = [_matches(f, measured.cost(m, size), size) for m, f in members]
    fitted = sum(1 for (_, f), b in zip(members, best, strict=True) if b and _fits(f, b[0]))
    return -fitted, sum(b[0].error if b else 1.0 for b in best), size


# ----------------------------------------------------------------------------- runtime and quality


def timings(measured: Measured, model: str, size: tuple[int, int] | None) -> tuple[pd.DataFrame, str]:
    """Batch-1 float32 timings of ``model``: CUDA where timed, else CPU; at the figure's size where timed."""
    lat = measured.latency()
    if lat.empty:
        return lat, ""
    rows = lat[(lat["model"] == model) & (lat["batch"] == 1)]
    rows = rows[rows["dtype"] == "float32"] if (rows["dtype"] == "float32").any() else rows
    device = "cuda" if (rows["device"] == "cuda").any() else "cpu"
    rows = rows[rows["device"] == device]
    if size is not None and ((rows["height"] == size[0]) & (rows["width"] == size[1])).any():
        rows = rows[(rows["height"] == size[0]) & (rows["width"] == size[1])]
    elif not rows.empty:
        rows = rows[rows["pixels"] == rows["pixels"].max()]
    return rows, device


def check_runtime(figure: Published, model: str, measured: Measured, _ctx: Context) -> Check:
    """A published runtime beside our synchronised and unsynchronised CUDA timings, or the CPU one."""
    rows, device = timings(measured, model, figure.size)
    if rows.empty:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "not timed here (deblurbench latency / run --out DIR)")
    published = figure.value * UNIT_FACTOR[figure.unit]
    parts, ratios = [], {}
    for sync, group in rows.sort_values("created").groupby("sync"):
        seconds = float(group["median_ms"].iloc[-1]) / 1e3
        label = "synchronised" if int(sync) else "unsynchronised"
        parts.append(f"{seconds:.4g} s {label}" if device == "cuda" else f"{seconds:.4g} s")
        ratios[label] = seconds / published
    at = f"{int(rows['height'].iloc[-1])}x{int(rows['width'].iloc[-1])}"
    ours = f"{rows['device_name'].iloc[-1]} ({device.upper()}) at {at}"
    reason = f"devices differ: published on {figure.device or 'an unstated device'}, measured on {ours}"
    if len(ratios) == 2:
        closer = min(ratios, key=lambda k: abs(math.log(ratios[k])))
        reason += f"; the figure is closer to the {closer} timing"
    if figure.sync is not None:
        reason += f"; the source says it timed {'synchronised' if figure.sync else 'without synchronising'}"
    ratio = (
        "; ".join(f"{k} x{v:.3g}" for k, v in ratios.items())
        if device == "cuda"
        else f"x{next(iter(ratios.values())):.3g}"
    )
    return Check(" / ".join(parts), ratio, NOT_COMPARABLE, reason)


def _quality_rows(figure: Published, model: str, measured: Measured) -> pd.DataFrame:
    quality = measured.quality()
    if quality.empty:
        return quality
    rows = quality[(quality["model"] == model) & (quality["dataset"] == figure.dataset)]
    if figure.dataset == "gopro" and figure.variant:
        rows = rows[rows["variant"] == GOPRO_VARIANT[figure.variant]]
    return pick_protocol(rows) if not rows.empty else rows


def check_quality(figure: Published, model: str, measured: Measured, _ctx: Context) -> Check:
    """PSNR, or SSIM in the convention the authors name, against this store's mean on the same data."""
    rows = _quality_rows(figure, model, measured)
    where = figure.dataset + (f" ({figure.variant})" if figure.variant else "")
    if rows.empty:
        return Check(MISSING, MISSING, NOT_COMPARABLE, f"not evaluated on {where} here")
    best = rows.sort_values("psnr").iloc[-1]  # the best-scoring weights evaluated
    weights = best["weights"] or "no weights"
    quantity = QUANTITIES[figure.quantity]
    if figure.quantity == "psnr":
        ok = quantity.reproduces(float(best["psnr"]), figure.value, figure.unit)
        return Check(
            f"{best['psnr']:.2f} dB",
            f"{float(best['psnr']) - figure.value:+.2f} dB",
            REPRODUCED if ok else DEVIATES,
            f"{int(best['images'])} images, weights {weights}",
        )
    named = convention_of_tool(figure.ssim_tool)  # None: the source does not say
    if named is not None and not named.computed:
        return Check(
            MISSING,
            MISSING,
            NOT_COMPARABLE,
            f"the authors' SSIM is {named.label}, which is not computed here",
        )
    convention = named.name if named is not None else None
    columns = [f"ssim_{convention}"] if convention else [c for c in rows.columns if c.startswith("ssim_")]
    values = {c: best[c] for c in columns if c in best and not pd.isna(best[c])}
    if not values:
        return Check(MISSING, MISSING, NOT_COMPARABLE, f"no SSIM ({convention or 'any convention'}) stored")
    column = min(values, key=lambda c: abs(values[c] - figure.value))
    ok = quantity.reproduces(float(values[column]), figure.value, figure.unit)
    how = "the convention the authors name" if convention else "SSIM tool not stated: the closest convention"
    return Check(
        f"{values[column]:.4f} ({column[5:]})",
        f"{float(values[column]) - figure.value:+.4f}",
        REPRODUCED if ok else DEVIATES,
        f"{how}; weights {weights}",
    )


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("params", "parameters", 0.0, check_params),
        Quantity("model_size", "model size", 0.02, check_model_size),
        Quantity("macs", "MACs", 0.02, check_cost),
        Quantity("flops", "FLOPs", 0.02, check_cost),
        Quantity("runtime", "runtime", 0.0, check_runtime),
        Quantity("psnr", "PSNR", 0.1, check_quality, absolute=True),
        Quantity("ssim", "SSIM", 0.005, check_quality, absolute=True),
    )
}
assert set(QUANTITIES) == set(UNITS), "every published quantity needs its Quantity row"


def check(figure: Published, model: str, measured: Measured, ctx: Context | None = None) -> Check:
    """Hold one published figure of ``model`` against what is measured."""
    return QUANTITIES[figure.quantity].check(figure, model, measured, ctx or Context())


# ----------------------------------------------------------------------------- the table


def describe(figure: Published) -> str:
    """What a figure is, in a few words: ``PSNR gopro (blur)``, ``FLOPs @1024x1024``, ``runtime``."""
    label = QUANTITIES[figure.quantity].label
    text = label + (
        f" {figure.dataset}" + (f" ({figure.variant})" if figure.variant else "") if figure.dataset else ""
    )
    return text + (f" @{figure.size[0]}x{figure.size[1]}" if figure.size else "")


def printed(figure: Published) -> str:
    """The figure as printed: value, unit, and the header it stands under."""
    spaced = figure.unit in ("dB", "s", "ms", "MB", "MiB")  # a unit, not a magnitude prefix such as G
    value = f"{figure.value:g}" + (f" {figure.unit}" if spaced else figure.unit)
    return value + (f" ({figure.printed})" if figure.printed else "")


def short_source(source: str) -> str:
    """A source in a few words: commits shortened, the parenthesised detail dropped (kept in json/csv)."""
    text = re.sub(r"@([0-9a-f]{7})[0-9a-f]{33}", r"@\1", source).split(" (")[0].split("; ")[0]
    return text if len(text) <= 72 else text[:71] + "…"


def reporter(item: Published | Relative) -> str:
    """Who reports a figure: "the authors" only for the network's own paper or repository."""
    text = item.reporter or "the authors"
    label = getattr(item, "label", "")
    return text + (f" (as {label})" if label else "")


CLAIM_COLUMNS = (
    "Network",
    "model",
    "Figure",
    "Published",
    "Source",
    "Reported by",
    "Measured",
    "Difference",
    "Verdict",
    "Reason",
    "Note",
    "Reference",
)


def figure_row(model: str, figure: Published, result: Check) -> dict[str, Any]:
    """One figure's claims row (:data:`CLAIM_COLUMNS`): what it is, as printed, by whom, and its check."""
    values = (
        display_name(model),
        model,
        describe(figure),
        printed(figure),
        short_source(figure.source),
        reporter(figure),
        result.measured,
        result.difference,
        result.verdict,
        result.reason,
        figure.note,
        figure.source,
    )
    return dict(zip(CLAIM_COLUMNS, values, strict=True))


def claims_frame(
    store: Store | None = None, models: Iterable[str] | None = None, count: CostCounter | None = None
) -> pd.DataFrame:
    """Every published figure of ``models`` (default: every network measured, or all when counting) checked."""
    measured = Measured(store, count)
    return _claims_frame(measured, _known(models, measured))


def _known(models: Iterable[str] | None, measured: Measured) -> list[str]:
    return [m for m in (measured.models() if models is None else models) if m in list_models()]


def _claims_frame(measured: Measured, models: list[str]) -> pd.DataFrame:
    figures = [(model, figure) for model in models for figure in get_spec(model).figures()]
    ctx = Context(infer_table_sizes(figures, measured))
    rows = [figure_row(model, figure, check(figure, model, measured, ctx)) for model, figure in figures]
    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    return _with_table_peers(frame, figures)


def _with_table_peers(frame: pd.DataFrame, figures: list[tuple[str, Published]]) -> pd.DataFrame:
    """A model size equal to a parameter count says how its own table prints the other networks' sizes."""
    tables = [table_of(f.source) for _, f in figures]
    for i, (_, figure) in enumerate(figures):
        if figure.quantity != "model_size" or frame.at[i, "Verdict"] != EXPLAINED:
            continue
        peers = [
            f"{frame.at[j, 'Network']}'s {printed(other).split(' (')[0]}"
            for j, (_, other) in enumerate(figures)
            if j != i
            and tables[j] == tables[i]
            and other.quantity == "model_size"
            and frame.at[j, "Verdict"] == REPRODUCED
        ]
        if peers:
            frame.at[i, "Reason"] += f"; the same table prints {', '.join(peers)} as float32 weights in MB"
    return frame


def verdict_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Distinct figures per verdict kind (see :func:`distinct`)."""
    if frame.empty:
        return dict.fromkeys(VERDICTS, 0)
    kinds = distinct(frame)["Verdict"].map(verdict_kind)
    return {v: int((kinds == v).sum()) for v in VERDICTS}


def distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct figure: the same value of one quantity of a network, printed in several tables, once."""
    if frame.empty:
        return frame
    value = frame["Published"].str.split(" \\(").str[0]
    keyed = frame.assign(_value=value)
    return keyed.drop_duplicates(subset=["model", "Figure", "_value"]).drop(columns="_value")


def summary_line(frame: pd.DataFrame) -> str:
    """``N distinct figures (M rows): a reproduced, b explained, c deviate, d not comparable``."""
    counts = verdict_counts(frame)
    total = sum(counts.values())
    return (
        f"{total} distinct published figures ({len(frame)} rows, a figure printed in several tables counted once): "
        f"{counts[REPRODUCED]} reproduced, {counts[EXPLAINED]} explained, {counts[DEVIATES]} deviate, "
        f"{counts[NOT_COMPARABLE]} not comparable"
    )


def network_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per network, its distinct figures by verdict kind: the answer at a glance."""
    if frame.empty:
        return pd.DataFrame()
    rows = distinct(frame).assign(kind=lambda f: f["Verdict"].map(verdict_kind))
    table = pd.crosstab(rows["Network"], rows["kind"]).reindex(columns=list(VERDICTS), fill_value=0)
    table = table.reset_index().rename_axis(columns=None)
    return table.sort_values(["deviates", "explained"], ascending=False).reset_index(drop=True)
