"""Paper figures beside measured ones: what the authors reported vs. what we count.

Pure functions over specs and stored results; nothing here runs a network.

- :func:`claims_frame`: per network, the paper's parameters, MACs (at the
  resolution it gives them for), runtime and PSNR/SSIM per dataset beside the
  measured value, the ratio, and a flag where the two disagree beyond a
  tolerance. A reported GPU runtime is set beside both the synchronised (true)
  and the unsynchronised CUDA timing when both are stored, and says which one
  it matches: many papers timed without synchronising.
- :func:`subject_claims`: a subject network's central claim (LMFN's by default:
  fewer parameters and less computation than the baselines at comparable quality)
  checked baseline by baseline, on parameters, on MACs, on latency measured here,
  and on PSNR where both were evaluated on the same data. The column labels name
  the subject.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..bench.records import ComplexityRecord
from ..bench.store import Store
from ..models import get_spec
from .tables import (
    MISSING,
    _display_name,
    _pick_protocol,
    complexity_frame,
    headline_macs,
    is_reference,
    latency_frame,
    paper_dataset,
    quality_frame,
    with_marks,
)

MEGA = 1e6

# How far measured may be from reported before the claims report flags it.
TOLERANCE = {"params": 0.02, "macs": 0.02, "psnr_db": 0.1, "ssim": 0.005}
FLAG = "DEVIATES"
RUNTIME_SIZE = (720, 1280)  # GoPro frames: where deblurring papers time their networks
SUBJECT = "lmfn"  # the network whose claim a report checks unless told otherwise


def relative_difference(measured: float | None, reported: float | None) -> float | None:
    """``(measured - reported) / reported``, or None when either is unknown."""
    if measured is None or reported is None or reported == 0:
        return None
    if isinstance(measured, float) and math.isnan(measured):
        return None
    return (measured - reported) / reported


def reported_beside(result: dict[str, Any], macs_counter: str = "fvcore") -> dict[str, Any]:
    """The paper's parameters and MACs next to a complexity result, with relative differences.

    Reported MACs are compared only at the resolution the paper gives them for;
    the counter compared against is fvcore (the convention most papers use),
    falling back to torch.utils.flop_counter where fvcore did not run.
    """
    spec = get_spec(result["model"])
    reported = spec.reported
    measured_params = result["params"]["declared"]
    macs = result["macs"].get(macs_counter) or result["macs"].get("torch_flop_counter")
    same_size = reported.macs_at is not None and list(reported.macs_at) == list(result["size"])
    reported_macs = reported.macs_g * 1e9 if (reported.macs_g is not None and same_size) else None
    return {
        "reported_params": reported.params,
        "params_diff": relative_difference(measured_params, reported.params),
        "reported_gmacs": reported_macs / 1e9 if reported_macs is not None else None,
        "gmacs_diff": relative_difference(macs, reported_macs),
        "reported_source": reported.source,
    }


def _ratio(measured: float | None, reported: float | None) -> float:
    if measured is None or reported is None or reported == 0 or pd.isna(measured):
        return math.nan
    return float(measured) / float(reported)


def _percent(fraction: float | None) -> str:
    return MISSING if fraction is None or pd.isna(fraction) else f"{100 * fraction:+.1f}%"


def _row(
    network: str,
    model: str,
    quantity: str,
    reported: str,
    measured: str,
    ratio: float,
    deviation: str,
    flag: str,
    note: str = "",
) -> dict[str, Any]:
    return {
        "Network": network,
        "model": model,
        "Quantity": quantity,
        "Reported": reported,
        "Measured": measured,
        "Ratio (measured / reported)": ratio,
        "Deviation": deviation,
        "Flag": flag,
        "Note": note,
    }


def runtime_size(note: str) -> tuple[int, int] | None:
    """The resolution a runtime note names (``1280x720`` is width x height), as (H, W); else None."""
    match = re.search(r"(\d{3,4})\s*[x×]\s*(\d{3,4})", note)
    if not match:
        return None
    a, b = int(match.group(1)), int(match.group(2))
    return (min(a, b), max(a, b))  # deblurring frames are landscape


def _runtime_rows(model: str, network: str, spec: Any, lat: pd.DataFrame) -> list[dict[str, Any]]:
    reported = spec.reported.runtime_s
    if reported is None:
        return []
    cuda = (
        lat[(lat["model"] == model) & (lat["device"] == "cuda") & (lat["batch"] == 1)]
        if not lat.empty
        else lat
    )
    quantity = "Runtime (s)"
    if cuda.empty:
        return [
            _row(
                network,
                model,
                quantity,
                f"{reported:g}",
                MISSING,
                math.nan,
                MISSING,
                "",
                "not timed on CUDA here",
            )
        ]
    wanted = runtime_size(spec.reported.runtime_note) or RUNTIME_SIZE
    sizes = {(int(h), int(w)) for h, w in zip(cuda["height"], cuda["width"], strict=True)}
    size = wanted if wanted in sizes else max(sizes, key=lambda s: s[0] * s[1])
    at = cuda[(cuda["height"] == size[0]) & (cuda["width"] == size[1])]
    if (at["dtype"] == "float32").any():
        at = at[at["dtype"] == "float32"]
    medians = {
        int(s): rows.sort_values("created")["median_ms"].iloc[-1] / 1e3 for s, rows in at.groupby("sync")
    }
    sync, unsync = medians.get(1), medians.get(0)
    parts, ratios = [], {}
    for label, value in (("synchronised", sync), ("unsynchronised", unsync)):
        if value is not None:
            parts.append(f"{value:.4g} {label}")
            ratios[label] = _ratio(value, reported)
    flag = ""
    if len(ratios) == 2:
        closer = min(ratios, key=lambda k: abs(math.log(ratios[k])) if ratios[k] > 0 else math.inf)
        flag = f"matches {closer.upper() if closer == 'unsynchronised' else closer} timing"
    device = str(at["device_name"].iloc[-1])
    note = f"measured at {size[0]}x{size[1]} on {device}"
    if wanted not in sizes:
        note += f" (the paper's {wanted[0]}x{wanted[1]} was not timed)"
    note += f"; paper: {spec.reported.runtime_note}" if spec.reported.runtime_note else ""
    ratio_text = "; ".join(f"{k} x{v:.3g}" for k, v in ratios.items())
    main = ratios.get("synchronised", ratios.get("unsynchronised", math.nan))
    return [
        _row(
            network,
            model,
            f"{quantity} @{size[0]}x{size[1]}",
            f"{reported:g}",
            " / ".join(parts),
            main,
            ratio_text,
            flag,
            note,
        )
    ]


def _quality_rows(model: str, network: str, spec: Any, quality: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    reported = spec.reported
    for dataset in sorted(set(reported.psnr) | set(reported.ssim)):
        measured = (
            quality[(quality["model"] == model) & (quality["dataset"] == dataset)]
            if not quality.empty
            else quality
        )
        measured = _pick_protocol(measured) if not measured.empty else measured
        groups = list(measured.itertuples()) if not measured.empty else [None]
        for group in groups:
            suffix = f" [{group.weights or 'no weights'}]" if group is not None else ""
            note = (
                f"{group.images} images, {group.protocol} protocol"
                if group is not None
                else "not evaluated here"
            )
            if dataset in reported.psnr:
                value = reported.psnr[dataset]
                got = getattr(group, "psnr", None) if group is not None else None
                diff = None if got is None or pd.isna(got) else got - value
                flag = "" if diff is None else FLAG if abs(diff) > TOLERANCE["psnr_db"] else "ok"
                rows.append(
                    _row(
                        network,
                        model,
                        f"PSNR (dB) {dataset}{suffix}",
                        f"{value:.2f}",
                        MISSING if diff is None else f"{got:.2f}",
                        _ratio(got, value),
                        MISSING if diff is None else f"{diff:+.2f} dB",
                        flag,
                        note,
                    )
                )
            if dataset in reported.ssim:
                value = reported.ssim[dataset]
                best: tuple[float, str] | None = None
                if group is not None:  # the convention closest to the paper's figure is the one it used
                    for column in ("ssim_matlab", "ssim_skimage", "ssim_basicsr"):
                        got = getattr(group, column)
                        if not pd.isna(got) and (best is None or abs(got - value) < abs(best[0] - value)):
                            best = (float(got), column.removeprefix("ssim_"))
                diff = None if best is None else best[0] - value
                flag = "" if diff is None else FLAG if abs(diff) > TOLERANCE["ssim"] else "ok"
                rows.append(
                    _row(
                        network,
                        model,
                        f"SSIM {dataset}{suffix}",
                        f"{value:.4f}",
                        MISSING if best is None else f"{best[0]:.4f} ({best[1]})",
                        _ratio(best[0] if best else None, value),
                        MISSING if diff is None else f"{diff:+.4f}",
                        flag,
                        note + ("; the closest SSIM convention shown" if best else ""),
                    )
                )
    return rows


def claims_frame(store: Store) -> pd.DataFrame:
    """Per network: reported parameters, MACs, runtime, PSNR/SSIM beside the measured values.

    ``Flag`` is ``DEVIATES`` beyond :data:`TOLERANCE` (2% for parameters and
    MACs, 0.1 dB PSNR, 0.005 SSIM), ``ok`` within it, and for a runtime says
    whether the paper's figure matches the synchronised or the unsynchronised
    timing. Networks whose paper reports nothing are left out.
    """
    complexity = store.records(ComplexityRecord)
    lat = latency_frame(store)
    quality = quality_frame(store)
    models = {r.model for r in complexity}
    models |= set(lat["model"]) if not lat.empty else set()
    models |= set(quality["model"]) if not quality.empty else set()
    rows: list[dict[str, Any]] = []
    for model in sorted(models):
        try:
            spec = get_spec(model)
        except KeyError:  # a reference method, or a plugin network not installed here
            continue
        network = spec.display_name
        results = [r for r in complexity if r.model == model]
        if results and spec.reported.params is not None:
            measured = results[0]["params"]["declared"]
            diff = relative_difference(measured, spec.reported.params)
            rows.append(
                _row(
                    network,
                    model,
                    "Params (M)",
                    f"{spec.reported.params / MEGA:.2f}",
                    f"{measured / MEGA:.3f}",
                    _ratio(measured, spec.reported.params),
                    _percent(diff),
                    FLAG if abs(diff) > TOLERANCE["params"] else "ok",
                    "declared parameters",
                )
            )
        if spec.reported.macs_g is not None and spec.reported.macs_at is not None:
            at = [r for r in results if list(r["size"]) == list(spec.reported.macs_at)]
            size = "x".join(map(str, spec.reported.macs_at))
            if at:
                beside = reported_beside(at[0])
                macs = at[0]["macs"].get("fvcore") or at[0]["macs"].get("torch_flop_counter")
                counter = "fvcore" if at[0]["macs"].get("fvcore") else "torch.utils.flop_counter"
                diff = beside["gmacs_diff"]
                others = ", ".join(
                    f"{k} {v / 1e9:.4g}" for k, v in at[0]["macs"].items() if v and k != counter.split(".")[0]
                )
                rows.append(
                    _row(
                        network,
                        model,
                        f"GMACs @{size}",
                        f"{spec.reported.macs_g:g}",
                        f"{macs / 1e9:.4g} ({counter})",
                        _ratio(macs, spec.reported.macs_g * 1e9),
                        _percent(diff),
                        FLAG if diff is not None and abs(diff) > TOLERANCE["macs"] else "ok",
                        f"other counters: {others}" if others else "",
                    )
                )
            elif results:
                reported_macs = f"{spec.reported.macs_g:g}"
                note = f"not counted at {size} here"
                rows.append(
                    _row(
                        network, model, f"GMACs @{size}", reported_macs, MISSING, math.nan, MISSING, "", note
                    )
                )
        rows += _runtime_rows(model, network, spec, lat)
        rows += _quality_rows(model, network, spec, quality)
    frame = pd.DataFrame(rows, columns=list(_row("", "", "", "", "", math.nan, "", "")))
    return with_marks(frame, {}, {"Ratio (measured / reported)": 3})


def _times(value: float, other: float) -> str:
    return f"{value / other:.2g}x" if other else MISSING


def _verdict(subject: float | None, baseline: float | None, lower: bool = True) -> str:
    """``yes (0.07x)`` when the subject is lower (or higher, ``lower=False``) than the baseline."""
    if subject is None or baseline is None or pd.isna(subject) or pd.isna(baseline):
        return MISSING
    wins = subject < baseline if lower else subject > baseline
    return f"{'yes' if wins else 'no'} ({_times(subject, baseline)})"


def _best_psnr(quality: pd.DataFrame, dataset: str | None) -> pd.DataFrame:
    """Per model: the weights with the highest mean PSNR on ``dataset`` (standard protocol)."""
    if quality.empty or dataset is None:
        return pd.DataFrame(columns=["psnr", "weights"])
    rows = _pick_protocol(quality[quality["dataset"] == dataset]).dropna(subset=["psnr"])
    if rows.empty:
        return pd.DataFrame(columns=["psnr", "weights"])
    return rows.sort_values("psnr").groupby("model")[["psnr", "weights"]].last()


@dataclass(frozen=True)
class ClaimColumns:
    """The headers of a subject's claim table, each naming the subject (e.g. "LMFN fewer params")."""

    name: str

    @property
    def params(self) -> str:
        return f"{self.name} fewer params"

    @property
    def macs(self) -> str:
        return f"{self.name} less computation"

    def faster(self, device: str) -> str:
        return f"{self.name} faster on {device.upper()}"

    @property
    def psnr_gap(self) -> str:
        return f"{self.name} minus baseline (dB)"


def _subject_timings(lat: pd.DataFrame, size: str, subject: str) -> dict[str, pd.Series]:
    """Per device where the subject was timed: synchronised batch-1 medians at ``size`` by model."""
    timings: dict[str, pd.Series] = {}
    if lat.empty:
        return timings
    for device in ("cpu", "cuda"):
        rows = lat[
            (lat["device"] == device) & (lat["size"] == size) & (lat["sync"] == 1) & (lat["batch"] == 1)
        ]
        rows = rows[rows["dtype"] == "float32"] if (rows["dtype"] == "float32").any() else rows
        if subject in set(rows["model"]):
            timings[device] = rows.sort_values("created").groupby("model")["median_ms"].last()
    return timings


def _baseline_row(
    base: str,
    subject: str,
    cols: ClaimColumns,
    cost: pd.DataFrame,
    timings: dict,
    psnr: pd.DataFrame,
    size: str,
) -> dict[str, Any]:
    params, macs = cost["params"], cost["macs"]
    row: dict[str, Any] = {
        "Baseline": _display_name(base),
        "Params (M)": params.get(base),
        cols.params: _verdict(params.get(subject), params.get(base)),
        f"GMACs @{size}": macs.get(base),
        cols.macs: _verdict(macs.get(subject), macs.get(base)),
    }
    for device, series in timings.items():
        row[f"{device.upper()} latency (ms) @{size}"] = series.get(base, math.nan)
        row[cols.faster(device)] = _verdict(series.get(subject), series.get(base))
    if subject in psnr.index:
        row["PSNR (dB)"] = psnr["psnr"].get(base, math.nan)
        row[cols.psnr_gap] = psnr["psnr"][subject] - row["PSNR (dB)"]
    return row


def _count_line(table: pd.DataFrame, criterion: str, column: str) -> list[str]:
    if table.empty or column not in table:
        return []
    known = table[table[column] != MISSING]
    wins = known[known[column].str.startswith("yes")]["Baseline"].tolist()
    losses = known[known[column].str.startswith("no")]["Baseline"].tolist()
    text = f"{criterion}: {len(wins)} of {len(known)} baselines"
    return [text + (f" (not: {', '.join(losses)})" if losses else "") + "."]


def _psnr_line(table: pd.DataFrame, cols: ClaimColumns, dataset: str | None) -> str:
    if cols.psnr_gap in table:
        diffs = table.dropna(subset=[cols.psnr_gap])
        higher = diffs[diffs[cols.psnr_gap] >= 0]["Baseline"].tolist()
        gaps = zip(diffs["Baseline"], diffs[cols.psnr_gap], strict=True)
        lower = [f"{b} by {-d:.2f} dB" for b, d in gaps if d < 0]
        text = f"PSNR on {dataset} (best weights of each): at least as high as {len(higher)} of {len(diffs)} baselines"
        return text + (f"; lower than {', '.join(lower)}." if lower else ".")
    if dataset is not None:
        return f"PSNR: {cols.name} was not evaluated on {dataset}; quality not compared."
    return "PSNR: no quality results in the store; quality not compared."


def subject_claims(
    store: Store, size: str = "256x256", subject: str = SUBJECT
) -> tuple[pd.DataFrame, list[str]]:
    """The subject network against each measured baseline: params, MACs, latency here, PSNR where measured.

    Returns one row per baseline (a ``yes``/``no`` per criterion, with the subject's value
    as a multiple of the baseline's) and summary lines, one per criterion. Reference
    methods and other variants of the subject (``<subject>_*``) are not baselines.
    """
    cx = complexity_frame(store)
    small = cx[cx["size"] == size].set_index("model") if not cx.empty else pd.DataFrame()
    name = _display_name(subject)
    if small.empty or subject not in small.index:
        return pd.DataFrame(), [f"{name} was not measured at {size}: nothing to check."]
    cost = pd.DataFrame({"params": small["params_declared"] / MEGA, "macs": headline_macs(small)[0]})
    timings = _subject_timings(latency_frame(store), size, subject)
    quality = quality_frame(store)
    dataset = paper_dataset(quality)
    psnr = _best_psnr(quality, dataset)
    cols = ClaimColumns(name)
    baselines = [
        m for m in small.index if m != subject and not m.startswith(f"{subject}_") and not is_reference(m)
    ]
    baselines.sort(key=lambda m: cost["params"].get(m, math.inf))
    table = pd.DataFrame([_baseline_row(b, subject, cols, cost, timings, psnr, size) for b in baselines])
    table = table.rename(columns={"PSNR (dB)": f"PSNR (dB) {dataset}"})
    with_marks(table, {}, {"Params (M)": 3, f"PSNR (dB) {dataset}": 2, cols.psnr_gap: 2})
    summary = [
        f"{name}: {cost['params'][subject]:.3f} M parameters, {cost['macs'].get(subject, math.nan):.3g} GMACs at {size}"
        + "".join(f", {s[subject]:.4g} ms on {d.upper()}" for d, s in timings.items())
        + (f", {psnr['psnr'][subject]:.2f} dB PSNR on {dataset}" if subject in psnr.index else "")
        + "."
    ]
    summary += _count_line(table, "Fewer parameters than", cols.params)
    summary += _count_line(table, f"Less computation (MACs at {size}) than", cols.macs)
    for device in timings:
        summary += _count_line(
            table, f"Faster here ({device.upper()}, {size}, batch 1) than", cols.faster(device)
        )
    summary.append(_psnr_line(table, cols, dataset))
    return table, summary


def lmfn_claims(store: Store, size: str = "256x256", model: str = SUBJECT) -> tuple[pd.DataFrame, list[str]]:
    """:func:`subject_claims` with LMFN (or ``model``) as the subject: the name earlier versions had."""
    return subject_claims(store, size, model)
