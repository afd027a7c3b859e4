"""The results store as raw pandas DataFrames: one row per measurement or per group of them.

The display tables (:mod:`.cost`, :mod:`.quality`, :mod:`.paper`), the claims check and the
plots read these: complexity with GMACs per counter, latency newest per setting, quality
means per group, failures, each with the ``size`` label (:func:`deblurbench.sizes.label`)
the tables select sizes by; and the choices every table shares (the preferred protocol,
the SSIM convention a one-SSIM table shows, the counter a headline MACs figure comes from).
"""

from __future__ import annotations

import pandas as pd

from ..bench.counters import COUNTERS, by_preference
from ..bench.latency import doubt
from ..bench.metrics import SSIM_PREFERENCE
from ..bench.protocols import preference_order
from ..bench.records import ComplexityRecord, LatencyRecord, QualityRecord
from ..bench.store import Store
from ..sizes import label


def size_labels(height: pd.Series, width: pd.Series) -> pd.Series:
    """``HxW`` per row (``"720x1280"``), the key the tables select a size by."""
    sizes = [label((int(h), int(w))) for h, w in zip(height, width, strict=True)]
    return pd.Series(sizes, index=height.index, dtype=str)


def gmacs_column(counter: str) -> str:
    """The raw frames' column of one counter's GMACs."""
    return f"gmacs_{counter}"


def complexity_frame(store: Store) -> pd.DataFrame:
    """One row per (network, size): parameters and, per counter, GMACs (``gmacs_<counter>``)."""
    df = store.frame("complexity")
    out = df[["model", "params_declared", "params_used", "height", "width"]].copy()
    out["size"] = size_labels(df["height"], df["width"])
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
    df["size"] = size_labels(df["height"], df["width"])
    df["pixels"] = df["height"] * df["width"]
    df["doubt"] = [doubt(row) for _, row in df.iterrows()]  # noisy or timed on a busy machine
    keys = [*_LATENCY_SETTING, "size"]
    return df.groupby(keys, as_index=False, dropna=False).last().sort_values(["model", "pixels"])


# the precision results are compared in; a network measured only in another is shown in that one, marked
REFERENCE_DTYPE = "float32"

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
    """The rows of the most preferred protocol present (standard first), 8-bit where both are stored,
    and per network and weights one precision (:func:`pick_precision`)."""
    for protocol in preference_order():
        if (rows["protocol"] == protocol).any():
            rows = rows[rows["protocol"] == protocol]
            break
    if (rows["quantized"] == 1).any():
        rows = rows[rows["quantized"] == 1]
    return pick_precision(rows)


def pick_precision(rows: pd.DataFrame) -> pd.DataFrame:
    """Per network and weights, the rows of one device and dtype: ``REFERENCE_DTYPE`` where stored,
    then the device with the most images (then by name), so that no mean mixes two precisions'
    scores of the same images (a bfloat16 evaluation is another row, never averaged in)."""
    precision = ["dtype", "device"]
    if rows.empty or not set(precision) <= set(rows.columns):
        return rows
    owner = ["model", "weights"]
    sizes = rows["images"] if "images" in rows else pd.Series(1, index=rows.index)
    runs = rows.assign(_n=sizes).groupby(owner + precision, dropna=False, as_index=False)["_n"].sum()
    runs["_other"] = runs["dtype"] != REFERENCE_DTYPE
    runs = runs.sort_values(["_other", "_n", "device", "dtype"], ascending=[True, False, True, True])
    chosen = pd.MultiIndex.from_frame(runs.drop_duplicates(owner)[owner + precision])
    return rows[pd.MultiIndex.from_frame(rows[owner + precision]).isin(chosen)]


def shown_ssim(quality: pd.DataFrame) -> str | None:
    """The SSIM column a one-SSIM table shows: the first convention of ``SSIM_PREFERENCE`` computed."""
    for convention in SSIM_PREFERENCE:
        column = f"ssim_{convention}"
        if not quality.empty and column in quality and quality[column].notna().any():
            return column
    return None


def median_latency(lat: pd.DataFrame, device: str, size: str) -> pd.DataFrame:
    """Synchronised batch-1 latency rows of ``device`` at ``size``, ``REFERENCE_DTYPE`` where measured, newest per model."""
    if lat.empty:
        return pd.DataFrame(columns=["median_ms", "p90_ms", "doubt"])
    rows = lat[(lat["device"] == device) & (lat["size"] == size) & (lat["sync"] == 1) & (lat["batch"] == 1)]
    reference = rows["dtype"] == REFERENCE_DTYPE
    rows = rows[reference] if reference.any() else rows
    return rows.sort_values("created").groupby("model")[["median_ms", "p90_ms", "doubt"]].last()


def paper_dataset(quality: pd.DataFrame) -> str | None:
    """The dataset the paper table uses: GoPro when measured, else the one most networks ran on."""
    if quality.empty:
        return None
    datasets = quality.groupby("dataset")["model"].nunique()
    if "gopro" in datasets.index:
        return "gopro"
    return str(datasets.sort_values(ascending=False, kind="stable").index[0])


def failures_frame(store: Store) -> pd.DataFrame:
    """Failed measurements: model, task, first line of the error."""
    df = store.frame("failures")
    if df.empty:
        return df
    return pd.DataFrame(
        {"model": df["model"], "task": df["task"], "error": df["error"].str.split("\n").str[0]}
    )
