"""A subject network's central claim, baseline by baseline, and where it stands on the Pareto front.

LMFN (the default subject) claims a state-of-the-art result with far fewer parameters and
less computation. Parameters and MACs here are measured (the correct count, the same in
``deblurbench claims`` and the report); quality is each network's published GoPro PSNR (its
authors' own figure first), since papers claim "comparable quality" on published numbers, and,
where the store scored both on the same images, our paired difference with its interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..bench.records import QualityRecord
from ..config import SUBJECT
from ..models import get_spec, list_models
from ..models.published import Published
from .claims import HEADLINE_SIZE, Measured, correct_macs
from .display import MISSING, display_name, is_reference, with_marks
from .frames import pick_protocol
from .pareto import dominated, dominators, pareto_front
from .stats import paired_difference


def published_quality(model: str, dataset: str = "gopro") -> Published | None:
    """The PSNR a network is known by on ``dataset``: its authors' own figure first, else a second-hand one."""
    figures = [f for f in get_spec(model).figures() if f.quantity == "psnr" and f.dataset == dataset]
    figures.sort(key=lambda f: (not f.headline, not f.own, f.variant == "blur_gamma"))
    return figures[0] if figures else None


def _verdict(subject: float | None, baseline: float | None) -> str:
    """``yes (0.07x)`` when the subject is lower than the baseline."""
    if subject is None or baseline is None or pd.isna(subject) or pd.isna(baseline) or not baseline:
        return MISSING
    return f"{'yes' if subject < baseline else 'no'} ({subject / baseline:.2g}x)"


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

    @property
    def ours(self) -> str:
        return f"{self.name} minus baseline, our PSNR (dB)"


def _gmacs(measured: Measured, model: str, size: tuple[int, int]) -> float | None:
    macs = correct_macs(measured.cost(model, size))
    return macs / 1e9 if macs else None


def _baseline_row(
    base: str, subject: str, cols: SubjectColumns, measured: Measured, size: tuple[int, int]
) -> dict[str, Any]:
    mine, theirs = measured.cost(subject, size), measured.cost(base, size)
    params = {m: (c.params_declared / 1e6 if c else None) for m, c in ((subject, mine), (base, theirs))}
    macs = {m: _gmacs(measured, m, size) for m in (subject, base)}
    psnr = {m: published_quality(m) for m in (subject, base)}
    gap = psnr[subject].value - psnr[base].value if psnr[subject] and psnr[base] else math.nan
    return {
        "Baseline": display_name(base),
        "model": base,
        "Params (M)": params[base],
        cols.params: _verdict(params[subject], params[base]),
        f"GMACs @{size[0]}x{size[1]}": macs[base],
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


# ----------------------------------------------------------------------------- our own scores


def _best_weights_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Per model, the per-image rows of its best-scoring weights (one protocol, 8-bit where stored)."""
    rows = pick_protocol(rows)
    means = rows.groupby(["model", "weights"], dropna=False)["psnr"].mean().reset_index()
    best = means.sort_values("psnr").groupby("model").tail(1)
    return rows.merge(best[["model", "weights"]], on=["model", "weights"])


def paired_lines(store: Any, subject: str, baselines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Our paired PSNR difference subject - baseline per baseline scored on the same images, with its interval."""
    if store is None:
        return {}, []
    quality = store.frame(QualityRecord.TABLE)
    if quality.empty or not (quality["model"] == subject).any():
        return {}, []
    cells, lines = {}, []
    for dataset, rows in quality.groupby("dataset"):
        rows = _best_weights_rows(rows)
        mine = rows[rows["model"] == subject].set_index(["split", "image_id"])["psnr"]
        if mine.empty:
            continue
        for base in baselines:
            theirs = rows[rows["model"] == base].set_index(["split", "image_id"])["psnr"]
            both = pd.concat([mine, theirs], axis=1, join="inner").dropna()
            if len(both) < 2 or base in cells:
                continue
            diff = paired_difference(both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy())
            cells[base] = f"{diff.mean:+.2f} [{diff.low:+.2f}, {diff.high:+.2f}]" + (
                "" if diff.significant else " n.s."
            )
            lines.append(
                f"Our scores on {dataset}: {display_name(subject)} minus {display_name(base)} = "
                f"{diff.describe('dB')}."
            )
    return cells, lines


def latency_lines(measured: Measured, subject: str, baselines: list[str], size: tuple[int, int]) -> list[str]:
    """The subject's median latency against each baseline timed alike, significant only where the intervals are disjoint."""
    lat = measured.latency()
    if lat.empty:
        return []
    rows = lat[(lat["height"] == size[0]) & (lat["width"] == size[1]) & (lat["batch"] == 1)]
    lines = []
    for setting, group in rows.groupby(["device_name", "dtype", "sync"]):
        by_model = group.set_index("model")
        if subject not in by_model.index:
            continue
        mine = by_model.loc[subject]
        slower, faster, unclear = [], [], []
        for base in baselines:
            if base not in by_model.index:
                continue
            theirs = by_model.loc[base]
            (my_low, my_high), (their_low, their_high) = _interval(mine), _interval(theirs)
            if my_high < their_low:
                faster.append(f"{display_name(base)} ({_times(theirs['median_ms'] / mine['median_ms'])})")
            elif my_low > their_high:
                slower.append(display_name(base))
            else:
                unclear.append(display_name(base))
        device = f"{setting[0]}, {setting[1]}" + ("" if setting[2] else ", unsynchronised")
        text = f"Latency at {size[0]}x{size[1]} on {device} ({mine['median_ms']:.3g} ms median): faster than {len(faster)}"
        text += f" ({', '.join(faster)})" if faster else ""
        text += f", slower than {', '.join(slower)}" if slower else ""
        text += (
            f"; not significant against {', '.join(unclear)} (the medians' intervals overlap)"
            if unclear
            else ""
        )
        lines.append(text + ".")
    return lines


def _times(ratio: float) -> str:
    """A speed ratio as a reader says it: ``1.3x``, ``9.2x``, ``130x``."""
    return f"{ratio:.2g}x" if ratio < 10 else f"{ratio:.0f}x"


def _interval(row: pd.Series) -> tuple[float, float]:
    """The median's distribution-free interval; the p10-p90 range (wider) for rows timed before it was kept."""
    if pd.notna(row.get("ci_low_ms")) and pd.notna(row.get("ci_high_ms")):
        return float(row["ci_low_ms"]), float(row["ci_high_ms"])
    return float(row["p10_ms"]), float(row["p90_ms"])


# ----------------------------------------------------------------------------- the Pareto front


def claim_points(
    measured: Measured, models: list[str], size: tuple[int, int] = HEADLINE_SIZE
) -> pd.DataFrame:
    """Every network with a published GoPro PSNR: that PSNR, its correct GMACs at ``size`` and its parameters."""
    rows = []
    for model in models:
        figure = published_quality(model)
        cost = measured.cost(model, size)
        if figure is None or cost is None:
            continue
        rows.append(
            {
                "Network": display_name(model),
                "model": model,
                "psnr": figure.value,
                "gmacs": (correct_macs(cost) or math.nan) / 1e9,
                "params_m": cost.params_declared / 1e6,
                "PSNR source": figure.reporter or "the authors",
            }
        )
    return pd.DataFrame(rows, columns=["Network", "model", "psnr", "gmacs", "params_m", "PSNR source"])


def scored_points(
    store: Any, measured: Measured, size: tuple[int, int] = HEADLINE_SIZE
) -> tuple[pd.DataFrame, str]:
    """Our own mean PSNR on the dataset most networks were scored on, with the same costs: the second figure."""
    quality = measured.quality()
    if store is None or quality.empty:
        return pd.DataFrame(), ""
    networks = quality[quality["model"].isin(list_models())]
    if networks.empty:
        return pd.DataFrame(), ""
    counts = networks.groupby("dataset")["model"].nunique().sort_values()
    if counts.iloc[-1] < 2:  # one network scored: nothing to draw a front through
        return pd.DataFrame(), ""
    dataset = counts.index[-1]
    rows = []
    for model, group in networks[networks["dataset"] == dataset].groupby("model"):
        cost = measured.cost(model, size)
        if cost is None:
            continue
        best = pick_protocol(group).sort_values("psnr").iloc[-1]
        rows.append(
            {
                "Network": display_name(model),
                "model": model,
                "psnr": float(best["psnr"]),
                "gmacs": (correct_macs(cost) or math.nan) / 1e9,
                "params_m": cost.params_declared / 1e6,
            }
        )
    return pd.DataFrame(rows), str(dataset)


def front_lines(points: pd.DataFrame, subject: str, what: str) -> list[str]:
    """Whether the subject is on the Pareto front of quality against MACs and against parameters, in words."""
    if points.empty or subject not in set(points["model"]):
        return [f"{display_name(subject)} has no point on the {what} figure."]
    lines = []
    frame = points.reset_index(drop=True)
    i = int(frame.index[frame["model"] == subject][0])
    for cost, label in (("gmacs", "MACs"), ("params_m", "parameters")):
        costs, quality = frame[cost].tolist(), frame["psnr"].tolist()
        on = pareto_front(costs, quality)[i]
        above = [frame.at[j, "Network"] for j in dominators(i, costs, quality)]
        below = [frame.at[j, "Network"] for j in dominated(i, costs, quality)]
        text = f"{what}, PSNR against {label}: {display_name(subject)} is {'on' if on else 'not on'} the Pareto front"
        text += f"; dominated by {', '.join(above)}" if above else ""
        text += f"; it dominates {', '.join(below)}" if below else "; it dominates no network"
        lines.append(text + ".")
    return lines


# ----------------------------------------------------------------------------- the claim


def subject_claims(
    store: Any = None,
    size: str | tuple[int, int] = HEADLINE_SIZE,
    subject: str = SUBJECT,
    count: Any = None,
    baselines: list[str] | None = None,
    measured: Measured | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The subject against each baseline: fewer parameters, less computation, published and our quality.

    Reference methods and other variants of the subject (``<subject>_*``) are not baselines.
    """
    size = _size(size)
    measured = measured or Measured(store, count)
    name = display_name(subject)
    mine = measured.cost(subject, size)
    if mine is None:
        return pd.DataFrame(), [f"{name} was not measured at {size[0]}x{size[1]}: nothing to check."]
    candidates = measured.models() if baselines is None else baselines
    others = [
        b
        for b in candidates
        if b != subject and not b.startswith(f"{subject}_") and b in list_models() and not is_reference(b)
    ]
    cols = SubjectColumns(name)
    rows = [
        _baseline_row(b, subject, cols, measured, size) for b in others if measured.cost(b, size) is not None
    ]
    table = pd.DataFrame(rows)
    from ..bench.references import list_references

    compared = [r["model"] for r in rows] + list_references()  # the blurry input and the oracles too
    cells, paired = paired_lines(store, subject, compared)
    if not table.empty:
        if cells:
            table[cols.ours] = table["model"].map(cells).fillna(MISSING)
        table = table.sort_values("Params (M)").drop(columns="model").reset_index(drop=True)
        with_marks(table, {}, {"Params (M)": 3, "Published GoPro PSNR (dB)": 2, cols.quality: 2})
    summary = [
        f"{name}: {mine.params_declared / 1e6:.3f} M parameters, {_gmacs(measured, subject, size):.3g} GMACs "
        f"(correct count) at {size[0]}x{size[1]}."
    ]
    summary += _count_line(table, "Fewer parameters than", cols.params)
    summary += _count_line(table, f"Less computation (MACs at {size[0]}x{size[1]}) than", cols.macs)
    summary.append(_quality_line(table, cols, published_quality(subject)))
    summary += paired
    summary += latency_lines(measured, subject, [r["model"] for r in rows], size)
    return table, summary


def _size(size: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, str):
        height, width = size.lower().split("x")
        return int(height), int(width)
    return (int(size[0]), int(size[1]))
