"""The cost tables: the headline summary, complexity per counter, and latency per setting.

Every measured column is shown as its record declares it (:mod:`deblurbench.bench.records`):
header, unit, decimals and which direction is better. MACs are multiply-accumulates; the
headline figure comes from the preferred counter that counted (:func:`.frames.headline_macs`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import sizes
from ..bench.counters import COUNTERS
from ..bench.records import ComplexityRecord, LatencyRecord
from ..bench.store import Store
from .display import MISSING, Display, display_name, drop_empty
from .frames import complexity_frame, gmacs_column, headline_macs, latency_frame, median_latency

# The MACs columns of every counter share unit, direction and display: any one of them says how.
MACS = ComplexityRecord.column(f"macs_{COUNTERS.names()[0]}")


def add_params(display: Display, rows: pd.DataFrame | pd.Series, used: bool = True) -> None:
    """The parameter columns (declared, and used unless ``used`` is false) of ``rows``."""
    display.measured(ComplexityRecord.column("params_declared"), rows["params_declared"])
    if used:
        display.measured(ComplexityRecord.column("params_used"), rows["params_used"])


def summary_frame(
    store: Store, size: str = sizes.label(sizes.HEADLINE), large: str = sizes.label(sizes.LARGE)
) -> pd.DataFrame:
    """The headline table: one row per network, parameters, MACs at two sizes, CPU latency.

    GMACs at ``size`` by the preferred counter (fvcore, what papers report) and at ``large``
    by the preferred counter that runs at any size (meta device), both multiply-accumulates.
    """
    cx = complexity_frame(store)
    if cx.empty:
        return pd.DataFrame()
    small = cx[cx["size"] == size].set_index("model")
    big = cx[cx["size"] == large].set_index("model")
    models = sorted(set(small.index) | set(big.index))
    small, big = small.reindex(models), big.reindex(models)
    lat = median_latency(latency_frame(store), "cpu", size).reindex(models)
    d = Display()
    d.add("Network", [display_name(m) for m in models])
    d.add("model", models)
    add_params(d, small)
    for frame, at, meta_only in ((small, size, False), (small, size, True), (big, large, True)):
        values, label = headline_macs(frame, meta_only)
        d.shown(MACS, values, header=f"GMACs @{at} ({label})")
    median = LatencyRecord.column("median_ms")
    shown = [
        d.measured(median, lat["median_ms"].to_numpy(), header=f"CPU ms @{size} (median)"),
        d.measured(LatencyRecord.column("p90_ms"), lat["p90_ms"].to_numpy(), header=f"CPU ms @{size} (p90)"),
    ]
    d.doubted(shown, lat["doubt"])
    return d.frame().sort_values("Params (M)").reset_index(drop=True)


def complexity_table(store: Store) -> pd.DataFrame:
    """Parameters (declared / used) and GMACs per counter, one row per network and size."""
    cx = complexity_frame(store)
    if cx.empty:
        return pd.DataFrame()
    cx = cx.sort_values(["pixels", "params_declared"]).reset_index(drop=True)
    d = Display()
    d.add("Network", cx["model"].map(display_name))
    d.add("Size (HxW)", cx["size"])
    add_params(d, cx)
    for name in COUNTERS.names():
        column = ComplexityRecord.column(f"macs_{name}")
        d.shown(column, cx[gmacs_column(name)], header=f"{COUNTERS.get(name).label} ({column.shown})")
    return drop_empty(d.frame(), keep=("Params (M)",))


def _timing_label(sync: Any, device: str) -> str:
    if device != "cuda":
        return "wall (perf_counter)"
    return "synchronised (true latency)" if int(sync) else "UNSYNCHRONISED (not true latency)"


def _latency_settings(row: pd.Series) -> str:
    parts = [f"{row['timing']} timing"] if row.get("timing") not in (None, "", "quick") else []
    if row["device"] == "cpu" and row["threads"]:
        parts.append(f"{int(row['threads'])} threads")
    if int(row["channels_last"]):
        parts.append("channels_last")
    if int(row["compile"]):
        parts.append("compiled")
    return ", ".join(parts) or "default"


def latency_table(store: Store) -> pd.DataFrame:
    """Latency per network and setting: device, dtype, resolution, median, p90, peak memory."""
    lat = latency_frame(store)
    if lat.empty:
        return pd.DataFrame()
    clock = [_timing_label(s, d) for s, d in zip(lat["sync"], lat["device"], strict=True)]
    lat = lat.assign(clock=clock).sort_values(["device_name", "dtype", "clock", "pixels", "median_ms"])
    lat = lat.reset_index(drop=True)
    d = Display()
    d.add("Network", lat["model"].map(display_name))
    for header, column in (("Device", "device_name"), ("Dtype", "dtype"), ("Size (HxW)", "size")):
        d.add(header, lat[column])
    d.add("Batch", lat["batch"].astype(int))
    d.add("Timing", lat["clock"])
    d.add("Settings", [_latency_settings(row) for _, row in lat.iterrows()])
    timed = [
        d.measured(LatencyRecord.column(name), lat[name])
        for name in ("median_ms", "p90_ms", "peak_memory_mb")
    ]
    d.add("Repeats", lat["repeats"])
    d.add("Median interval (ms)", [_interval(row) for _, row in lat.iterrows()])
    d.doubted(timed, lat["doubt"], note="Noisy")  # noisy, or timed on a busy machine (bench.latency.doubt)
    return drop_empty(d.frame(), keep=("Median (ms)", "Noisy"))


def _interval(row: pd.Series) -> str:
    """The median's order-statistic interval, where recorded (rows timed before 0.2 have none)."""
    if pd.isna(row.get("ci_low_ms")):
        return MISSING
    return f"{row['ci_low_ms']:.3g}-{row['ci_high_ms']:.3g}"


LATENCY_GROUP = ("Device", "Dtype", "Size (HxW)", "Batch", "Timing", "Settings")
