"""Published figures held against measured ones, units checked rather than trusted.

Pure functions over specs and measurements; nothing here runs a network. What is measured
comes from a :class:`Measured`: the results store's rows (the report) and, where the
caller supplies a counter (``deblurbench claims``), parameters and MACs counted on the
spot on the meta device.

- :func:`claims_frame`: per network and published figure (:class:`~deblurbench.models.published.Published`),
  the figure as printed, its source, who reports it, the measured value, the difference and
  a verdict, ``reproduced``, ``deviates`` or ``not comparable``, with the reason. Each
  quantity has its check (:data:`CHECKS`): a parameter count as printed (its rounding
  allowed); a model size in MB tried as float32 weights and as a parameter count in
  millions; GMACs at the stated size by every counter; FLOPs both as multiply-adds and as
  two per multiply-add, and where no size is stated the sizes searched for one that
  reproduces it; a runtime beside the synchronised and unsynchronised CUDA timings (or
  the CPU one), saying that the devices differ; PSNR/SSIM beside this store's scores on
  the same dataset and GoPro variant, in the SSIM convention the authors name.
- :func:`subject_claims`: a subject network's central claim (LMFN's by default: fewer
  parameters and less computation than each baseline at comparable published quality),
  baseline by baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..bench.counters import COUNTERS, by_preference
from ..bench.records import ComplexityRecord
from ..bench.store import Store
from ..models import get_spec, list_models
from ..models.published import Published
from .tables import MISSING, display_name, latency_frame, pick_protocol, quality_frame, with_marks

SUBJECT = "lmfn"  # the network whose claim a report checks unless told otherwise
REPRODUCED, DEVIATES, NOT_COMPARABLE = "reproduced", "deviates", "not comparable"
# How far a measurement may be from a published figure and still reproduce it (beyond its printed rounding).
TOLERANCE = {"params": 0.02, "macs": 0.02, "model_size": 0.02, "psnr_db": 0.1, "ssim": 0.005}
UNIT_FACTOR = {
    "": 1.0,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "s": 1.0,
    "ms": 1e-3,
    "MB": 1e6,
    "MiB": 2**20,
}
SEARCH_SIZES = (
    (256, 256),
    (512, 512),
    (720, 1280),
    (1024, 1024),
)  # where a cost with no stated size is sought
SSIM_TOOL_CONVENTION = {"matlab": "matlab", "skimage": "skimage", "basicsr": "basicsr"}
GOPRO_VARIANT = {"": "", "blur": "", "blur_gamma": "blur=blur_gamma"}  # published variant -> stored variant
CostCounter = Callable[[str, tuple[int, int]], ComplexityRecord]


# ----------------------------------------------------------------------------- what was measured


@dataclass
class Measured:
    """What this suite measured: the store's rows, and (``count``) parameters and MACs counted on demand."""

    store: Store | None = None
    count: CostCounter | None = None
    _costs: dict[tuple[str, tuple[int, int]], ComplexityRecord | None] = field(default_factory=dict)

    def cost(self, model: str, size: tuple[int, int]) -> ComplexityRecord | None:
        """Parameters and MACs at ``size``: counted on the spot where a counter was given, else stored."""
        key = (model, tuple(size))
        if key not in self._costs:
            self._costs[key] = self._stored_cost(model, size)
            if self.count is not None:
                fresh = self.count(model, size)
                self._costs[key] = _merged(fresh, self._costs[key])
        return self._costs[key]

    @classmethod
    def of(cls, records: Iterable[ComplexityRecord]) -> Measured:
        """Measurements made just now (``deblurbench complexity``), without a store."""
        measured = cls()
        measured._stored = list(records)
        return measured

    def _stored_cost(self, model: str, size: tuple[int, int]) -> ComplexityRecord | None:
        rows = [r for r in self._complexity() if r.model == model and (r.height, r.width) == tuple(size)]
        return rows[0] if rows else None

    def params(self, model: str, used: bool = False) -> int | None:
        """Declared parameters (``used``: those of modules the forward calls), stored or counted."""
        stored = [r for r in self._complexity() if r.model == model]
        if stored:
            return stored[0].params_used if used else stored[0].params_declared
        cost = self.cost(model, SEARCH_SIZES[0]) if self.count is not None else None
        if cost is None:
            return None
        return cost.params_used if used else cost.params_declared

    def _complexity(self) -> list[ComplexityRecord]:
        if not hasattr(self, "_stored"):
            self._stored = self.store.records(ComplexityRecord) if self.store is not None else []
        return self._stored

    def latency(self) -> pd.DataFrame:
        """The store's latency rows (newest per setting), or an empty frame."""
        return latency_frame(self.store) if self.store is not None else pd.DataFrame()

    def quality(self) -> pd.DataFrame:
        """The store's quality means per group, or an empty frame."""
        return quality_frame(self.store) if self.store is not None else pd.DataFrame()


def _merged(fresh: ComplexityRecord, stored: ComplexityRecord | None) -> ComplexityRecord:
    """Counted MACs, plus the stored counters that counting on the spot does not run (fvcore)."""
    if stored is None:
        return fresh
    from dataclasses import replace

    macs = {
        **{k: v for k, v in stored.macs.items() if v is not None},
        **{k: v for k, v in fresh.macs.items() if v},
    }
    return replace(fresh, macs=macs)


# ----------------------------------------------------------------------------- one check


@dataclass(frozen=True)
class Check:
    """The outcome of holding one published figure against a measurement."""

    measured: str
    difference: str
    verdict: str
    reason: str


def _precision(value: float) -> float:
    """Half a unit of the last printed digit: 88.7 -> 0.05, 20 -> 0.5, 1.25 -> 0.005."""
    text = repr(float(value)).removesuffix(".0")
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0.5 * 10.0**-decimals


def _within(measured: float, figure: Published, factor: float, tolerance: float) -> bool:
    """Whether ``measured`` (base units) reproduces the figure: within tolerance or its printed rounding."""
    published = figure.value * factor
    return abs(measured - published) <= max(tolerance * abs(published), _precision(figure.value) * factor)


def _percent(measured: float, published: float) -> str:
    return f"{100 * (measured - published) / published:+.1f}%" if published else MISSING


def _count(value: float) -> str:
    return f"{value / 1e6:,.3f} M" if value >= 1e5 else f"{value:,.0f}"


def check_params(figure: Published, model: str, measured: Measured) -> Check:
    """A parameter count, as printed, against the declared parameters."""
    count = measured.params(model)
    if count is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "parameters not counted here")
    published = figure.value * UNIT_FACTOR[figure.unit]
    ok = _within(count, figure, UNIT_FACTOR[figure.unit], TOLERANCE["params"])
    reason = "declared parameters"
    used = measured.params(model, used=True)
    if (
        not ok
        and used
        and used != count
        and _within(used, figure, UNIT_FACTOR[figure.unit], TOLERANCE["params"])
    ):
        detail = f"the parameters the forward uses ({_count(used)}); {_count(count - used)} more are declared"
        return Check(_count(used), _percent(used, published), REPRODUCED, detail)
    if not ok and figure.unit == "M" and _within(count * 4, figure, 1e6, TOLERANCE["model_size"]):
        reason = f"unit: {figure.value:g} M is the float32 weights' size in MB ({count * 4 / 1e6:.2f} MB), not a parameter count"
    return Check(_count(count), _percent(count, published), REPRODUCED if ok else DEVIATES, reason)


def check_model_size(figure: Published, model: str, measured: Measured) -> Check:
    """A size in MB tried as float32 weights (4 bytes a parameter) and as a parameter count in millions."""
    count = measured.params(model)
    if count is None:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "parameters not counted here")
    weights = count * 4  # bytes of the float32 weights
    factor = UNIT_FACTOR[figure.unit]
    shown = f"{weights / factor:.2f} {figure.unit} (float32 weights)"
    if _within(weights, figure, factor, TOLERANCE["model_size"]):
        return Check(
            shown, _percent(weights, figure.value * factor), REPRODUCED, "the size of the float32 weights"
        )
    if _within(count, figure, 1e6, TOLERANCE["params"]):
        return Check(
            shown,
            _percent(weights, figure.value * factor),
            DEVIATES,
            f"unit: {figure.value:g} is the parameter count in millions ({count / 1e6:.3f} M), printed as "
            f"'{figure.printed or figure.unit}'; the float32 weights are {weights / 1e6:.2f} MB",
        )
    return Check(
        shown,
        _percent(weights, figure.value * factor),
        DEVIATES,
        f"neither the float32 weights' size nor the parameter count in millions ({count / 1e6:.3f} M)",
    )


def _cost_matches(
    figure: Published,
    model: str,
    measured: Measured,
    sizes: Iterable[tuple[int, int]],
    per_mac: tuple[float, ...],
) -> list[tuple[float, tuple[int, int], str, float]]:
    """Every (relative error, size, counter, flops per MAC) of the counts against the figure, best first."""
    published = figure.value * UNIT_FACTOR[figure.unit]
    found = []
    for size in sizes:
        cost = measured.cost(model, size)
        for counter, macs in cost.macs.items() if cost is not None else ():
            for multiple in per_mac:
                if macs:
                    found.append((abs(macs * multiple - published) / published, size, counter, multiple))
    return sorted(found)


def _cost_check(figure: Published, model: str, measured: Measured, per_mac: tuple[float, ...]) -> Check:
    sizes = [figure.size] if figure.size else list(SEARCH_SIZES)
    found = _cost_matches(figure, model, measured, sizes, per_mac)
    if not found:
        return Check(MISSING, MISSING, NOT_COMPARABLE, "MACs not counted here at the figure's size")
    error, size, counter, multiple = found[0]
    cost = measured.cost(model, size)
    value = cost.macs[counter] * multiple
    label = COUNTERS.get(counter).label if counter in COUNTERS else counter
    unit = (
        "GMACs"
        if figure.quantity == "macs"
        else ("GFLOPs (1 per multiply-add)" if multiple == 1 else "GFLOPs (2 per multiply-add)")
    )
    shown = f"{value / 1e9:,.2f} {unit} at {size[0]}x{size[1]} ({label})"
    ok = _within(value, figure, UNIT_FACTOR[figure.unit], TOLERANCE["macs"])
    where = f"at {size[0]}x{size[1]}" + (
        "" if figure.size else ", a size the source does not state, found by search"
    )
    reading = (
        ""
        if figure.quantity == "macs"
        else (" read as 1 FLOP per multiply-add" if multiple == 1 else " read as 2 FLOPs per multiply-add")
    )
    if ok:
        return Check(
            shown,
            _percent(value, figure.value * UNIT_FACTOR[figure.unit]),
            REPRODUCED,
            f"{label}{reading} {where}",
        )
    if not figure.size:
        tried = ", ".join(f"{h}x{w}" for h, w in SEARCH_SIZES)
        return Check(
            shown,
            f"{100 * error:+.1f}%",
            NOT_COMPARABLE,
            f"no size stated, and no counter reproduces it at {tried} as MACs or 2 x MACs (closest shown)",
        )
    return Check(
        shown,
        _percent(value, figure.value * UNIT_FACTOR[figure.unit]),
        DEVIATES,
        f"closest counter {label}{reading}",
    )


def check_macs(figure: Published, model: str, measured: Measured) -> Check:
    """Multiply-accumulates at the stated size, by every counter (the closest shown)."""
    return _cost_check(figure, model, measured, (1.0,))


def check_flops(figure: Published, model: str, measured: Measured) -> Check:
    """FLOPs as printed: tried both as multiply-adds (fvcore's "flop") and as two per multiply-add."""
    return _cost_check(figure, model, measured, (1.0, 2.0))


def _timings(measured: Measured, model: str, size: tuple[int, int] | None) -> tuple[pd.DataFrame, str]:
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
        largest = rows["pixels"].max()
        rows = rows[rows["pixels"] == largest]
    return rows, device


def check_runtime(figure: Published, model: str, measured: Measured) -> Check:
    """A published runtime beside our synchronised and unsynchronised CUDA timings, or the CPU one."""
    rows, device = _timings(measured, model, figure.size)
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
    theirs = figure.device or "an unstated device"
    reason = f"devices differ: published on {theirs}, measured on {ours}"
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


def check_quality(figure: Published, model: str, measured: Measured) -> Check:
    """PSNR, or SSIM in the convention the authors name, against this store's mean on the same data."""
    rows = _quality_rows(figure, model, measured)
    where = figure.dataset + (f" ({figure.variant})" if figure.variant else "")
    if rows.empty:
        return Check(MISSING, MISSING, NOT_COMPARABLE, f"not evaluated on {where} here")
    best = rows.sort_values("psnr").iloc[-1]  # the best-scoring weights evaluated
    weights = best["weights"] or "no weights"
    if figure.quantity == "psnr":
        diff = float(best["psnr"]) - figure.value
        ok = abs(diff) <= max(TOLERANCE["psnr_db"], _precision(figure.value))
        return Check(
            f"{best['psnr']:.2f} dB",
            f"{diff:+.2f} dB",
            REPRODUCED if ok else DEVIATES,
            f"{int(best['images'])} images, weights {weights}",
        )
    if figure.ssim_tool == "cw-ssim":
        return Check(
            MISSING, MISSING, NOT_COMPARABLE, "the authors' SSIM is CW-SSIM, which is not computed here"
        )
    convention = SSIM_TOOL_CONVENTION.get(figure.ssim_tool)
    columns = [f"ssim_{convention}"] if convention else [c for c in rows.columns if c.startswith("ssim_")]
    values = {c: best[c] for c in columns if c in best and not pd.isna(best[c])}
    if not values:
        return Check(MISSING, MISSING, NOT_COMPARABLE, f"no SSIM ({convention or 'any convention'}) stored")
    column = min(values, key=lambda c: abs(values[c] - figure.value))
    diff = float(values[column]) - figure.value
    ok = abs(diff) <= max(TOLERANCE["ssim"], _precision(figure.value))
    how = "the convention the authors name" if convention else "SSIM tool not stated: the closest convention"
    return Check(
        f"{values[column]:.4f} ({column[5:]})",
        f"{diff:+.4f}",
        REPRODUCED if ok else DEVIATES,
        f"{how}; weights {weights}",
    )


CHECKS: Mapping[str, Callable[[Published, str, Measured], Check]] = {
    "params": check_params,
    "model_size": check_model_size,
    "macs": check_macs,
    "flops": check_flops,
    "runtime": check_runtime,
    "psnr": check_quality,
    "ssim": check_quality,
}


# ----------------------------------------------------------------------------- the table


def describe(figure: Published) -> str:
    """What a figure is, in a few words: ``PSNR gopro (blur)``, ``GFLOPs @1024x1024``, ``runtime``."""
    name = {"params": "parameters", "model_size": "model size", "macs": "MACs", "flops": "FLOPs"}
    text = name.get(
        figure.quantity, figure.quantity.upper() if figure.quantity in ("psnr", "ssim") else figure.quantity
    )
    if figure.dataset:
        text += f" {figure.dataset}" + (f" ({figure.variant})" if figure.variant else "")
    if figure.size:
        text += f" @{figure.size[0]}x{figure.size[1]}"
    return text


def printed(figure: Published) -> str:
    """The figure as printed: value, unit, and the header it stands under."""
    spaced = figure.unit in ("dB", "s", "ms", "MB", "MiB")  # a unit, not a magnitude prefix such as G
    value = f"{figure.value:g}" + (f" {figure.unit}" if spaced else figure.unit)
    return value + (f" ({figure.printed})" if figure.printed else "")


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
)


def figure_rows(model: str, measured: Measured) -> list[dict[str, Any]]:
    """One row per published figure of ``model``: as printed, its source, measured, difference, verdict."""
    rows = []
    for figure in get_spec(model).figures():
        check = CHECKS[figure.quantity](figure, model, measured)
        reporter = figure.reporter or "the authors"
        if figure.label:
            reporter += f" (as {figure.label})"
        rows.append(
            dict(
                zip(
                    CLAIM_COLUMNS,
                    (
                        display_name(model),
                        model,
                        describe(figure),
                        printed(figure),
                        figure.source,
                        reporter,
                        check.measured,
                        check.difference,
                        check.verdict,
                        check.reason,
                    ),
                    strict=True,
                )
            )
        )
    return rows


def claims_frame(
    store: Store | None = None, models: Iterable[str] | None = None, count: CostCounter | None = None
) -> pd.DataFrame:
    """Every published figure of ``models`` (default: every network measured in ``store``, or all) checked."""
    measured = Measured(store, count)
    if models is None:
        models = (
            sorted({r.model for r in measured._complexity()})
            if store is not None and count is None
            else list_models()
        )
    rows = [row for model in models if model in list_models() for row in figure_rows(model, measured)]
    return with_marks(pd.DataFrame(rows, columns=list(CLAIM_COLUMNS)), {})


# ----------------------------------------------------------------------------- the subject's claim


def published_quality(model: str, dataset: str = "gopro") -> Published | None:
    """The PSNR a network is known by on ``dataset``: its authors' own figure first, else a second-hand one."""
    figures = [f for f in get_spec(model).figures() if f.quantity == "psnr" and f.dataset == dataset]
    figures.sort(key=lambda f: (not f.headline, not f.own, f.variant == "blur_gamma"))
    return figures[0] if figures else None


def _verdict(subject: float | None, baseline: float | None) -> str:
    """``yes (0.07x)`` when the subject is lower than the baseline."""
    if subject is None or baseline is None or pd.isna(subject) or pd.isna(baseline):
        return MISSING
    return f"{'yes' if subject < baseline else 'no'} ({subject / baseline:.2g}x)" if baseline else MISSING


def _headline_macs(cost: ComplexityRecord | None) -> float | None:
    if cost is None:
        return None
    for counter in by_preference():
        if cost.macs.get(counter.name):
            return cost.macs[counter.name] / 1e9
    return None


@dataclass(frozen=True)
class SubjectColumns:
    """The headers of a subject's claim table, each naming the subject (e.g. "LMFN fewer params")."""

    name: str

    @property
    def params(self) -> str:
        return f"{self.name} fewer params"

    @property
    def macs(self) -> str:
        return f"{self.name} less computation"

    @property
    def quality(self) -> str:
        return f"{self.name} published PSNR minus baseline's (dB)"


def _baseline_row(
    base: str, subject: str, cols: SubjectColumns, measured: Measured, size: tuple[int, int]
) -> dict[str, Any]:
    mine, theirs = measured.cost(subject, size), measured.cost(base, size)
    params = {m: (c.params_declared / 1e6 if c else None) for m, c in ((subject, mine), (base, theirs))}
    macs = {subject: _headline_macs(mine), base: _headline_macs(theirs)}
    psnr = {m: published_quality(m) for m in (subject, base)}
    gap = psnr[subject].value - psnr[base].value if psnr[subject] and psnr[base] else math.nan
    where = f"@{size[0]}x{size[1]}"
    return {
        "Baseline": display_name(base),
        "Params (M)": params[base],
        cols.params: _verdict(params[subject], params[base]),
        f"GMACs {where}": macs[base],
        cols.macs: _verdict(macs[subject], macs[base]),
        "Published GoPro PSNR (dB)": psnr[base].value if psnr[base] else math.nan,
        "PSNR source": (psnr[base].reporter or "the authors") if psnr[base] else MISSING,
        cols.quality: gap,
    }


def _count_line(table: pd.DataFrame, criterion: str, column: str) -> list[str]:
    known = table[table[column] != MISSING] if column in table else table.iloc[0:0]
    if known.empty:
        return []
    wins = known[known[column].str.startswith("yes")]["Baseline"].tolist()
    losses = known[known[column].str.startswith("no")]["Baseline"].tolist()
    return [
        f"{criterion}: {len(wins)} of {len(known)} baselines"
        + (f" (not: {', '.join(losses)})" if losses else "")
        + "."
    ]


def _quality_line(table: pd.DataFrame, cols: SubjectColumns, subject: Published | None) -> str:
    if subject is None:
        return f"Quality: {cols.name} has no published GoPro PSNR; quality not compared."
    if table.empty:
        return "No baseline was measured at this size: nothing to compare with."
    gaps = table.dropna(subset=[cols.quality]) if cols.quality in table else table
    lower = [
        f"{b} by {-g:.2f} dB" for b, g in zip(gaps["Baseline"], gaps[cols.quality], strict=True) if g < 0
    ]
    text = (
        f"Published GoPro PSNR ({subject.value:g} dB, {subject.reporter or 'the authors'}"
        f"{' as ' + subject.label if subject.label else ''}): at least as high as "
        f"{len(gaps) - len(lower)} of {len(gaps)} baselines with a published figure"
    )
    return text + (f"; lower than {', '.join(lower)}." if lower else ".")


def subject_claims(
    store: Store | None = None,
    size: str | tuple[int, int] = (256, 256),
    subject: str = SUBJECT,
    count: CostCounter | None = None,
    baselines: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The subject against each baseline: fewer parameters, less computation, published quality.

    Parameters and MACs are measured (stored, or counted with ``count``); quality is each
    network's published GoPro PSNR (its authors' own figure first), since papers claim
    "comparable quality" on their published numbers. Reference methods and other variants of
    the subject (``<subject>_*``) are not baselines.
    """
    size = _size(size)
    measured = Measured(store, count)
    name = display_name(subject)
    if measured.cost(subject, size) is None:
        return pd.DataFrame(), [f"{name} was not measured at {size[0]}x{size[1]}: nothing to check."]
    if baselines is None:
        stored = {r.model for r in measured._complexity() if (r.height, r.width) == size}
        baselines = list_models() if count is not None else sorted(stored)
    others = [b for b in baselines if b != subject and not b.startswith(f"{subject}_") and b in list_models()]
    cols = SubjectColumns(name)
    rows = [
        _baseline_row(b, subject, cols, measured, size) for b in others if measured.cost(b, size) is not None
    ]
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values("Params (M)").reset_index(drop=True)
        with_marks(table, {}, {"Params (M)": 3, "Published GoPro PSNR (dB)": 2, cols.quality: 2})
    mine = measured.cost(subject, size)
    summary = [
        f"{name}: {mine.params_declared / 1e6:.3f} M parameters, {_headline_macs(mine):.3g} GMACs at {size[0]}x{size[1]}."
    ]
    summary += _count_line(table, "Fewer parameters than", cols.params)
    summary += _count_line(table, f"Less computation (MACs at {size[0]}x{size[1]}) than", cols.macs)
    summary.append(_quality_line(table, cols, published_quality(subject)))
    return table, summary


def _size(size: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, str):
        height, width = size.lower().split("x")
        return int(height), int(width)
    return (int(size[0]), int(size[1]))
