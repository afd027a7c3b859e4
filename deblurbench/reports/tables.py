"""Tables from the results store as pandas DataFrames, and their text formats.

The standard tables (complexity, latency, quality per dataset, the combined "paper
table") are display frames: headers carry their units, one row per network and
setting. Every measured column comes from a record's declaration
(:mod:`deblurbench.bench.records`): its header, the unit tables show it in, its
decimals, and which direction is better. A display frame carries those facts in
``frame.attrs`` (``better``: header -> "max"/"min", ``decimals``: header -> int), and the
Markdown, LaTeX (booktabs) and HTML renderings mark the best value of each column
in bold and the second best underlined from them (CSV holds plain values). Reference
methods (the blurry input, deconvolutions told the true kernel) are shown beside the
networks but never marked: the marks say which network is best.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_text
from ..bench.counters import COUNTERS, by_preference
from ..bench.metrics import SSIM_PREFERENCE
from ..bench.protocols import preference_order
from ..bench.records import HIGHER, LOWER, Column, ComplexityRecord, LatencyRecord, QualityRecord
from ..bench.store import Store
from ..models.registry import MODELS

MISSING = "–"  # shown for a missing value (NULL in the store), never 0
_DIRECTION = {HIGHER: "max", LOWER: "min"}


def is_reference(model: str) -> bool:
    """Whether ``model`` names a non-learned reference method rather than a network."""
    from ..bench.references import is_reference as known

    return known(model)


NAME_COLUMNS = ("Network", "Method")  # the display tables' columns naming each row's method


def is_reference_label(label: object) -> bool:
    """Whether a table row's name (a display name) is a reference method's: shown, never marked best."""
    from ..bench.references import REFERENCES

    return any(REFERENCES.get(name).display_name == label for name in REFERENCES.names())


def display_name(model: str) -> str:
    """The display name of a network, reference method or released outputs ("NAME (released outputs)");
    an unknown name (a plugin not installed) itself."""
    from ..bench import released
    from ..bench.references import REFERENCES

    if model in MODELS:
        return MODELS.get(model).spec.display_name
    if model in REFERENCES:
        return REFERENCES.get(model).display_name
    if released.is_released(model):
        return released.display_name(model)
    return model


_display_name = display_name  # the name the report modules and tests use


class Display:
    """A display frame built column by column, keeping each header's better direction and decimals."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.better: dict[str, str] = {}
        self.decimals: dict[str, int] = {}

    def add(
        self, header: str, values: Any, *, better: str | None = None, decimals: int | None = None
    ) -> None:
        """A column of plain values; ``better`` is ``higher``/``lower`` when it is ranked."""
        self.data[header] = values.to_numpy() if isinstance(values, pd.Series) else values  # by position
        if better is not None:
            self.better[header] = _DIRECTION[better]
        if decimals is not None:
            self.decimals[header] = decimals

    def measured(self, column: Column, values: Any, header: str | None = None) -> str:
        """A measured column as its record declares it: shown unit, scale, direction, decimals."""
        return self.shown(column, values * column.scale if column.scale != 1.0 else values, header)

    def shown(self, column: Column, values: Any, header: str | None = None) -> str:
        """Values already in the column's shown unit, ranked and formatted as it declares."""
        header = header or column.header
        self.add(header, values, better=column.better, decimals=column.decimals)
        return header

    def frame(self) -> pd.DataFrame:
        """The frame, with ``attrs["better"]`` and ``attrs["decimals"]``."""
        frame = pd.DataFrame(self.data)
        return with_marks(frame, self.better, self.decimals)


def with_marks(
    frame: pd.DataFrame, better: Mapping[str, str], decimals: Mapping[str, int] = {}
) -> pd.DataFrame:
    """``frame`` carrying which columns are ranked and their decimals (for the renderings)."""
    frame.attrs["better"] = {**frame.attrs.get("better", {}), **better}
    frame.attrs["decimals"] = {**frame.attrs.get("decimals", {}), **decimals}
    return frame


def _size(height: Any, width: Any) -> pd.Series | str:
    if isinstance(height, pd.Series):
        return height.astype(int).astype(str) + "x" + width.astype(int).astype(str)
    return f"{int(height)}x{int(width)}"


def _drop_empty(df: pd.DataFrame, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Drop columns with no value at all (a counter that never ran, a metric not computed)."""
    keep = set(keep)
    empty = [c for c in df.columns if c not in keep and df[c].isna().all()]
    return df.drop(columns=empty)


# ----------------------------------------------------------------------------- raw frames


# The MACs columns of every counter share unit, direction and display: any one of them says how.
MACS = ComplexityRecord.column(f"macs_{COUNTERS.names()[0]}")


def gmacs_column(counter: str) -> str:
    """The raw frames' column of one counter's GMACs."""
    return f"gmacs_{counter}"


def complexity_frame(store: Store) -> pd.DataFrame:
    """One row per (network, size): parameters and, per counter, GMACs (``gmacs_<counter>``)."""
    df = store.frame("complexity")
    out = df[["model", "params_declared", "params_used", "height", "width"]].copy()
    out["size"] = _size(df["height"], df["width"])
    out["pixels"] = df["height"] * df["width"]
    for name in COUNTERS.names():
        column = ComplexityRecord.column(f"macs_{name}")
        out[gmacs_column(name)] = df[column.name] * column.scale
    return out.sort_values(["model", "pixels"]).reset_index(drop=True)  # empty: with every column


def headline_macs(frame: pd.DataFrame, meta_only: bool = False) -> tuple[pd.Series, str]:
    """GMACs from the preferred counter that counted, per row, and the counter label(s) used.

    The preference is the counter table's (:func:`~deblurbench.bench.counters.by_preference`):
    fvcore first (what papers report), the torch counter where fvcore did not run.
    ``meta_only`` takes only counters that run at any size (one convention across sizes).
    """
    values = pd.Series(float("nan"), index=frame.index)
    used: list[str] = []
    for counter in by_preference(meta_only):
        column = frame.get(gmacs_column(counter.name))
        if column is None or not column.notna().any():
            continue
        if values.isna().any() and column[values.isna()].notna().any():
            used.append(counter.label)
        values = values.fillna(column)
    return values, "/".join(used) or by_preference(meta_only)[0].label


_LATENCY_SETTING = [
    k for k in LatencyRecord.key_names() if k not in ("torch_version", "threads", "height", "width")
]


def latency_frame(store: Store) -> pd.DataFrame:
    """Latency rows, newest per setting (any torch version or thread count), with ``size`` and ``pixels``."""
    df = store.frame("latency")
    if df.empty:
        return df
    df = df.sort_values("created")
    df["size"] = _size(df["height"], df["width"])
    df["pixels"] = df["height"] * df["width"]
    keys = [*_LATENCY_SETTING, "size"]
    return df.groupby(keys, as_index=False, dropna=False).last().sort_values(["model", "pixels"])


QUALITY_GROUP_KEYS = [k for k in QualityRecord.key_names() if k != "image_id"]


def quality_frame(store: Store) -> pd.DataFrame:
    """Per (model, weights, dataset, split, protocol, quantized): image count and the mean of every value.

    Means skip missing values (LPIPS without its backbone is NULL, never 0);
    ``lpips_images`` says over how many images the LPIPS mean is taken.
    """
    df = store.frame("quality")
    if df.empty:
        return df
    grouped = df.groupby(QUALITY_GROUP_KEYS, as_index=False, dropna=False)
    means = {c.name: (c.name, "mean") for c in QualityRecord.value_columns()}
    out = grouped.agg(
        images=("image_id", "count"),
        **means,
        lpips_images=("lpips", "count"),
        lpips_net=("lpips_net", "first"),
    )
    return out.sort_values(QUALITY_GROUP_KEYS).reset_index(drop=True)


def pick_protocol(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the most preferred protocol present (standard first), 8-bit where both are stored."""
    for protocol in preference_order():
        if (rows["protocol"] == protocol).any():
            rows = rows[rows["protocol"] == protocol]
            break
    if (rows["quantized"] == 1).any():
        rows = rows[rows["quantized"] == 1]
    return rows


_pick_protocol = pick_protocol


def shown_ssim(quality: pd.DataFrame) -> str | None:
    """The SSIM column a one-SSIM table shows: the first convention of ``SSIM_PREFERENCE`` computed."""
    for convention in SSIM_PREFERENCE:
        column = f"ssim_{convention}"
        if not quality.empty and column in quality and quality[column].notna().any():
            return column
    return None


# ----------------------------------------------------------------------------- display tables


def _params(display: Display, rows: pd.DataFrame | pd.Series, used: bool = True) -> None:
    display.measured(ComplexityRecord.column("params_declared"), rows["params_declared"])
    if used:
        display.measured(ComplexityRecord.column("params_used"), rows["params_used"])


def _median_at(lat: pd.DataFrame, device: str, size: str) -> pd.DataFrame:
    """Synchronised batch-1 latency rows of ``device`` at ``size``, float32 where measured, newest per model."""
    if lat.empty:
        return pd.DataFrame(columns=["median_ms", "p90_ms"])
    rows = lat[(lat["device"] == device) & (lat["size"] == size) & (lat["sync"] == 1) & (lat["batch"] == 1)]
    rows = rows[rows["dtype"] == "float32"] if (rows["dtype"] == "float32").any() else rows
    return rows.sort_values("created").groupby("model")[["median_ms", "p90_ms"]].last()


def summary_frame(store: Store, size: str = "256x256", large: str = "720x1280") -> pd.DataFrame:
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
    lat = _median_at(latency_frame(store), "cpu", size).reindex(models)
    d = Display()
    d.add("Network", [display_name(m) for m in models])
    d.add("model", models)
    _params(d, small)
    for frame, at, meta_only in ((small, size, False), (small, size, True), (big, large, True)):
        values, label = headline_macs(frame, meta_only)
        d.shown(MACS, values, header=f"GMACs @{at} ({label})")
    median = LatencyRecord.column("median_ms")
    d.measured(median, lat["median_ms"].to_numpy(), header=f"CPU ms @{size} (median)")
    d.measured(LatencyRecord.column("p90_ms"), lat["p90_ms"].to_numpy(), header=f"CPU ms @{size} (p90)")
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
    _params(d, cx)
    for name in COUNTERS.names():
        column = ComplexityRecord.column(f"macs_{name}")
        d.shown(column, cx[gmacs_column(name)], header=f"{COUNTERS.get(name).label} ({column.shown})")
    return _drop_empty(d.frame(), keep=("Params (M)",))


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
    for name in ("median_ms", "p90_ms", "peak_memory_mb"):
        d.measured(LatencyRecord.column(name), lat[name])
    d.add("Repeats", lat["repeats"])
    d.add("Median interval (ms)", [_interval(row) for _, row in lat.iterrows()])
    d.add("Noisy", [_noisy(row) for _, row in lat.iterrows()])
    return _drop_empty(d.frame(), keep=("Median (ms)", "Noisy"))


NOISY_SPREAD = 1.5  # a timing whose p90 is above this multiple of its median is marked noisy


def _noisy(row: pd.Series) -> str:
    """``noisy (p90 1.7x median)`` where the spread says the machine was busy, else empty."""
    spread = row["p90_ms"] / row["median_ms"] if row["median_ms"] else math.nan
    return f"noisy (p90 {spread:.2g}x median)" if spread > NOISY_SPREAD else ""


def _interval(row: pd.Series) -> str:
    """The median's order-statistic interval, where recorded (rows timed before 0.2 have none)."""
    if pd.isna(row.get("ci_low_ms")):
        return MISSING
    return f"{row['ci_low_ms']:.3g}-{row['ci_high_ms']:.3g}"


LATENCY_GROUP = ("Device", "Dtype", "Size (HxW)", "Batch", "Timing", "Settings")


def _lpips_header(lpips_net: pd.Series) -> str:
    nets = sorted({n for n in lpips_net.dropna() if n})
    return f"LPIPS ({', '.join(nets)})" if nets else "LPIPS"


def _quality_table(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values(["split", "protocol", "psnr"], ascending=[True, True, False])
    d = Display()
    d.add("Network", rows["model"].map(display_name))
    d.add("Weights", rows["weights"].replace("", "none"))
    d.add("Split", rows["split"])
    if rows["variant"].astype(bool).any():  # a dataset option chose other pairs for some rows
        d.add("Variant", rows["variant"].replace("", "default"))
    d.add("Protocol", rows["protocol"])
    d.add("8-bit", rows["quantized"].map({1: "yes", 0: "no"}))
    d.add("Images", rows["images"].astype(int))
    for column in QualityRecord.value_columns():
        if column.name == "lpips":
            d.measured(column, rows["lpips"], header=_lpips_header(rows["lpips_net"]))
        elif column.name != "seconds":
            d.measured(column, rows[column.name])
    table = d.frame().reset_index(drop=True)
    if table["8-bit"].nunique() == 1:
        table = table.drop(columns="8-bit")
    # LPIPS stays when missing everywhere (no backbone weights): shown as dashes, never dropped silently
    lpips = [c for c in table.columns if c.startswith("LPIPS")]
    return _drop_empty(table, keep=("PSNR (dB)", *lpips))


def quality_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Quality per dataset: PSNR/SSIM/LPIPS means per network, weights, split and protocol.

    The SSIM convention is named in each SSIM header (they differ, by up to 0.35 on the
    synthetic split); "8-bit" appears only when quantised and unquantised rows are both stored.
    """
    q = quality_frame(store)
    if q.empty:
        return {}
    return {str(dataset): _quality_table(rows) for dataset, rows in q.groupby("dataset", sort=True)}


QUALITY_GROUP = ("Split", "Variant", "Protocol", "8-bit")

# the by-source table: the first part of an image id (a GoPro scene, a HIDE part, a synthetic picture)
SOURCE = "Source"
MEAN_OF_SOURCES = "(mean of sources)"
BY_SOURCE_GROUP = ("Split", SOURCE)


def quality_by_source(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean PSNR per source (first part of the image id) and method, and the mean of those means.

    ``rows``: one dataset's per-image quality rows, one protocol (as :func:`pick_protocol` leaves
    them). An image mean weighs a source by its image count (9 of the synthetic test split's 24
    tiles are one picture, hubble_deep_field); the mean of source means weighs each source
    equally. Empty when the ids name fewer than two sources or one image each.
    """
    if rows.empty:
        return pd.DataFrame()
    ids = rows["image_id"].astype(str)
    source = ids.str.split("/", n=1).str[0].where(ids.str.contains("/"), "")
    if source.eq("").any() or source.nunique() < 2 or source.nunique() == ids.nunique():
        return pd.DataFrame()
    rows = rows.assign(source=source, label=rows["model"].map(display_name) + weights_suffix(rows["weights"]))
    per_source = rows.groupby(["split", "source", "label"], as_index=False).agg(
        images=("image_id", "count"), psnr=("psnr", "mean")
    )
    balanced = per_source.groupby(["split", "label"], as_index=False).agg(
        images=("images", "sum"), psnr=("psnr", "mean")
    )
    both = pd.concat([per_source.assign(last=False), balanced.assign(source=MEAN_OF_SOURCES, last=True)])
    both = both.sort_values(["split", "last", "source", "psnr"], ascending=[True, True, True, False])
    d = Display()
    d.add("Split", both["split"])
    d.add(SOURCE, both["source"])
    d.add("Method", both["label"])
    d.add("Images", both["images"].astype(int))
    d.measured(QualityRecord.column("psnr"), both["psnr"])
    return d.frame().reset_index(drop=True)


def weights_suffix(weights: pd.Series) -> pd.Series:
    """`` [tag]`` after a network trained with named weights, nothing for none."""
    return weights.fillna("").map(lambda w: f" [{w}]" if w else "")


def paper_dataset(quality: pd.DataFrame) -> str | None:
    """The dataset the paper table uses: GoPro when measured, else the one most networks ran on."""
    if quality.empty:
        return None
    datasets = quality.groupby("dataset")["model"].nunique()
    if "gopro" in datasets.index:
        return "gopro"
    return str(datasets.sort_values(ascending=False, kind="stable").index[0])


def _paper_rows(quality: pd.DataFrame, models: list[str]) -> list[tuple[str, Any]]:
    """(model, its quality row or None) per network and weights, every network at least once."""
    rows: list[tuple[str, Any]] = []
    for model in models:
        mine = quality[quality["model"] == model] if not quality.empty else quality
        rows += [(model, row) for _, row in mine.iterrows()] or [(model, None)]
    return rows


def paper_table(store: Store, size: str = "256x256", dataset: str | None = None) -> pd.DataFrame:
    """The combined table of a paper: PSNR, SSIM, params, MACs and latency per network.

    Quality is the mean over ``dataset`` (default :func:`paper_dataset`) under its
    preferred protocol, one row per network and weights; SSIM is the first convention of
    ``SSIM_PREFERENCE`` computed, named in the header. MACs at ``size`` by the preferred
    counter; latency is the synchronised median, batch 1, float32, at ``size``.
    """
    cx, q, lat = complexity_frame(store), quality_frame(store), latency_frame(store)
    dataset = dataset or paper_dataset(q)
    quality = pick_protocol(q[q["dataset"] == dataset]) if dataset is not None else pd.DataFrame()
    small = cx[cx["size"] == size].set_index("model")
    models = sorted(set(small.index) | (set(quality["model"]) if not quality.empty else set()))
    if not models:
        return pd.DataFrame()
    rows = _paper_rows(quality, models)
    cost = small.reindex([m for m, _ in rows]).reset_index(drop=True)
    qrows = pd.DataFrame([r.to_dict() if r is not None else {} for _, r in rows]).reindex(columns=q.columns)
    d = Display()
    d.add("Network", [display_name(m) for m, _ in rows])
    d.add("Weights", [MISSING if r is None else (r["weights"] or "none") for _, r in rows])
    psnr = d.measured(
        QualityRecord.column("psnr"), qrows["psnr"], f"PSNR (dB) {dataset}" if dataset else None
    )
    ssim = shown_ssim(quality)
    if ssim is not None:
        column = QualityRecord.column(ssim)
        d.measured(column, qrows[ssim], header=f"{column.label} {dataset}")
    _params(d, cost, used=False)
    values, label = headline_macs(cost)
    d.shown(MACS, values, f"GMACs @{size} ({label})")
    for device in ("cpu", "cuda"):
        medians = _median_at(lat, device, size)["median_ms"].reindex([m for m, _ in rows]).to_numpy()
        d.measured(LatencyRecord.column("median_ms"), medians, f"{device.upper()} latency (ms) @{size}")
    table = d.frame().sort_values(["Params (M)", psnr], ascending=[True, False])
    if quality.empty:
        table = table.drop(columns="Weights")
    return _drop_empty(table.reset_index(drop=True), keep=("Params (M)", psnr))


def failures_frame(store: Store) -> pd.DataFrame:
    """Failed measurements: model, task, first line of the error."""
    df = store.frame("failures")
    if df.empty:
        return df
    return pd.DataFrame(
        {"model": df["model"], "task": df["task"], "error": df["error"].str.split("\n").str[0]}
    )


# ----------------------------------------------------------------------------- formatting


def _decimals(value: float, declared: int | None) -> int:
    """The declared decimals, or by magnitude for a column that declares none."""
    if declared is not None:
        return declared
    magnitude = abs(value)
    return 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 4


def format_value(value: Any, decimals: int | None = None) -> str:
    """One cell as text: ``decimals`` (else by magnitude), integers with thousands separators, missing as a dash."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if isinstance(value, float) or hasattr(value, "dtype"):
        number = float(value)
        return f"{number:.{_decimals(number, decimals)}f}"
    return str(value)


def _competing(df: pd.DataFrame) -> pd.Series:
    """Which rows compete for the marks: all but those a name column names as a reference method."""
    competing = pd.Series(True, index=df.index)
    for column in NAME_COLUMNS:
        if column in df.columns:
            competing &= ~df[column].map(is_reference_label).astype(bool)
    return competing


def _ranks(
    df: pd.DataFrame, cells: pd.DataFrame, better: Mapping[str, str | None], group: Sequence[str]
) -> pd.DataFrame:
    """Per cell 1 (best), 2 (second best) or 0, by column and within groups of ``group``.

    Ranked on the displayed (rounded) values, so equal-looking cells share a rank;
    a column is ranked only where at least two networks have a value. Reference
    methods' rows are left out of the ranking (rank 0 always).
    """
    ranks = pd.DataFrame(0, index=df.index, columns=df.columns)
    keys = [g for g in group if g in df.columns]
    groups = [rows.index for _, rows in df.groupby(keys, sort=False, dropna=False)] if keys else [df.index]
    competing = _competing(df)
    for column, direction in better.items():
        if direction is None or column not in df.columns:
            continue
        shown = pd.to_numeric(cells[column].str.replace(",", ""), errors="coerce")
        for index in groups:
            values = shown.loc[index][competing.loc[index]].dropna()
            distinct = sorted(set(values), reverse=direction == "max")
            if len(values) < 2:
                continue
            ranks.loc[values.index[values == distinct[0]], column] = 1
            if len(distinct) > 1:
                ranks.loc[values.index[values == distinct[1]], column] = 2
    return ranks


def _prepare(
    df: pd.DataFrame, better: Mapping[str, str | None] | None, group: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells as text and their ranks; ``better`` None: the directions the frame carries (``attrs``)."""
    decimals = df.attrs.get("decimals", {})
    cells = pd.DataFrame(
        {c: [format_value(v, decimals.get(c)) for v in df[c]] for c in df.columns},
        index=df.index,
        columns=df.columns,
    )
    if better is None:
        better = {c: d for c, d in df.attrs.get("better", {}).items() if c not in group}
    better = {c: d for c, d in better.items() if c in df and pd.api.types.is_numeric_dtype(df[c])}
    return cells, _ranks(df, cells, better, group)


def to_markdown(
    df: pd.DataFrame, better: Mapping[str, str | None] | None = None, group: Sequence[str] = ()
) -> str:
    """A GitHub Markdown table; best value per column in bold, second best in italics."""
    if df.empty:
        return "_(no rows)_"
    cells, ranks = _prepare(df, better, group)
    marked = cells.copy()
    marked[ranks == 1] = "**" + cells[ranks == 1] + "**"
    marked[ranks == 2] = "_" + cells[ranks == 2] + "_"
    marked = marked.map(lambda s: s.replace("|", "\\|"))
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    return marked.to_markdown(
        index=False, disable_numparse=True, colalign=["right" if n else "left" for n in numeric]
    )


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text."""
    text = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    return text.replace(MISSING, "--")


def to_latex(
    df: pd.DataFrame,
    better: Mapping[str, str | None] | None = None,
    group: Sequence[str] = (),
    caption: str = "",
    label: str = "",
) -> str:
    r"""A booktabs ``table``: ``\textbf`` on the best value per column, ``\underline`` on the second.

    Written by hand rather than with ``DataFrame.to_latex``: pandas renders LaTeX
    through its Styler, which needs jinja2, not a dependency of this package.
    Needs ``\usepackage{booktabs}``; rows of one ``group`` are separated by ``\midrule``.
    """
    cells, ranks = _prepare(df, better, group)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = [
        "% needs \\usepackage{booktabs}",
        "\\begin{table}[t]",
        "\\centering",
    ]
    if caption:
        lines.append(f"\\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(f"\\label{{{label}}}")
    lines += [
        f"\\begin{{tabular}}{{{''.join('r' if n else 'l' for n in numeric)}}}",
        "\\toprule",
        " & ".join(latex_escape(c) for c in df.columns) + " \\\\",
        "\\midrule",
    ]
    keys = [g for g in group if g in df.columns]
    previous = None
    for index in df.index:
        key = tuple(df.loc[index, keys]) if keys else None
        if previous is not None and key != previous:
            lines.append("\\midrule")
        previous = key
        row = []
        for column in df.columns:
            text = latex_escape(cells.loc[index, column])
            rank = ranks.loc[index, column]
            row.append(
                f"\\textbf{{{text}}}" if rank == 1 else f"\\underline{{{text}}}" if rank == 2 else text
            )
        lines.append(" & ".join(row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(lines)


def to_html(
    df: pd.DataFrame,
    better: Mapping[str, str | None] | None = None,
    group: Sequence[str] = (),
    table_id: str = "",
) -> str:
    """An HTML ``<table>``: best value per column in ``<strong>``, second best in ``<u>``."""
    cells, ranks = _prepare(df, better, group)
    marked = cells.map(html.escape)
    marked[ranks == 1] = "<strong>" + marked[ranks == 1] + "</strong>"
    marked[ranks == 2] = "<u>" + marked[ranks == 2] + "</u>"
    marked.columns = [html.escape(c) for c in df.columns]
    return marked.to_html(index=False, escape=False, table_id=table_id or None, classes="results", border=0)


def to_csv(df: pd.DataFrame) -> str:
    """Plain CSV of the unformatted values (missing values empty)."""
    return df.to_csv(index=False)


def write_table(
    df: pd.DataFrame,
    directory: Path,
    name: str,
    group: Sequence[str] = (),
    caption: str = "",
    better: Mapping[str, str | None] | None = None,
) -> list[Path]:
    """Write ``directory/name.{csv,md,tex,html}``; returns the four paths."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        ".csv": to_csv(df),
        ".md": to_markdown(df, better, group) + "\n",
        ".tex": to_latex(df, better, group, caption=caption, label=f"tab:{name}"),
        ".html": to_html(df, better, group, table_id=name) + "\n",
    }
    paths = []
    for suffix, text in texts.items():
        path = directory / f"{name}{suffix}"
        write_text(path, text)
        paths.append(path)
    return paths


def to_text(df: pd.DataFrame, fmt: str = "table", floatfmt: str = ".3f") -> str:
    """Render a DataFrame as ``table`` (aligned text), ``markdown``, ``csv`` or ``json``."""
    if fmt == "csv":
        return df.to_csv(index=False)
    if fmt == "json":
        return json.dumps(json.loads(df.to_json(orient="records")), indent=2)
    if fmt == "markdown":
        return df.to_markdown(index=False, floatfmt=floatfmt)
    if fmt == "table":
        return df.to_string(index=False, float_format=lambda v: format(v, floatfmt))
    raise ValueError(f"unknown format {fmt!r}: use table, json, csv or markdown")
