"""Tables from the results store as pandas DataFrames, and their text formats.

The standard tables (complexity, latency, quality per dataset, the combined
"paper table") are display frames: headers carry their units, one row per
network and setting. They render as Markdown, CSV, LaTeX (booktabs) and HTML
with the best value of each column in bold and the second best underlined;
which way is better is read from the header (higher PSNR/SSIM, lower
parameters/MACs/latency/memory/LPIPS), see :func:`better_direction`.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..bench.store import Store
from ..models import get_spec

GIGA = 1e9
MEGA = 1e6
MISSING = "–"  # shown for a missing value (NULL in the store), never 0

# Reference methods are not networks: they have no spec, parameters or MACs.
# Their display names, used when ``deblurbench.bench.references`` cannot say.
REFERENCE_NAMES = {
    "identity": "Blurry input",
    "wiener": "Wiener (true kernel)",
    "richardson_lucy": "Richardson-Lucy (true kernel)",
}
SSIM_COLUMNS = ("ssim_matlab", "ssim_skimage", "ssim_basicsr")  # preference order for the paper table
PROTOCOL_ORDER = ("standard", "realblur", "kohler")


def is_reference(model: str) -> bool:
    """Whether ``model`` names a non-learned reference method rather than a network."""
    try:
        from ..bench.references import is_reference as known
    except ImportError:  # the reference methods are not part of this installation
        return model in REFERENCE_NAMES
    return bool(known(model)) or model in REFERENCE_NAMES


def _display_name(model: str) -> str:
    """The network's display name; a reference method's or an unknown name's own text."""
    try:
        return get_spec(model).display_name
    except KeyError:  # UnknownModelError is a KeyError: a reference method or a plugin not installed here
        pass
    try:
        from ..bench.references import get_reference

        return get_reference(model).display_name
    except (ImportError, KeyError, ValueError):  # not a reference method either: the name itself
        return REFERENCE_NAMES.get(model, model)


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


def complexity_frame(store: Store) -> pd.DataFrame:
    """One row per (network, size): parameters and GMACs per counter."""
    df = store.frame("complexity")
    if df.empty:
        return df
    out = pd.DataFrame(
        {
            "model": df["model"],
            "size": _size(df["height"], df["width"]),
            "params_declared": df["params_declared"],
            "params_used": df["params_used"],
            "gmacs_fvcore": df["macs_fvcore"] / GIGA,
            "gmacs_ptflops_pytorch": df["macs_ptflops_pytorch"] / GIGA,
            "gmacs_ptflops_aten": df["macs_ptflops_aten"] / GIGA,
            "gmacs_torch": df["macs_torch_flop_counter"] / GIGA,
            "height": df["height"],
            "width": df["width"],
            "pixels": df["height"] * df["width"],
        }
    )
    return out.sort_values(["model", "pixels"]).reset_index(drop=True)


def latency_frame(store: Store) -> pd.DataFrame:
    """Latency rows, newest per setting, with a ``size`` column and a ``pixels`` column."""
    df = store.frame("latency")
    if df.empty:
        return df
    df = df.sort_values("created")
    df["size"] = _size(df["height"], df["width"])
    df["pixels"] = df["height"] * df["width"]
    keys = ["model", "device", "device_name", "dtype", "batch", "size", "channels_last", "compile", "sync"]
    return df.groupby(keys, as_index=False, dropna=False).last().sort_values(["model", "pixels"])


def quality_frame(store: Store) -> pd.DataFrame:
    """Per (model, weights, dataset, split, protocol, quantized): image count and metric means.

    Means skip missing values (LPIPS without its backbone is NULL, never 0);
    ``lpips_images`` says over how many images the LPIPS mean is taken.
    """
    df = store.frame("quality")
    if df.empty:
        return df
    keys = ["model", "weights", "dataset", "split", "protocol", "quantized"]
    grouped = df.groupby(keys, as_index=False, dropna=False)
    out = grouped.agg(
        images=("image_id", "count"),
        psnr=("psnr", "mean"),
        ssim_matlab=("ssim_matlab", "mean"),
        ssim_skimage=("ssim_skimage", "mean"),
        ssim_basicsr=("ssim_basicsr", "mean"),
        lpips=("lpips", "mean"),
        lpips_images=("lpips", "count"),
        lpips_net=("lpips_net", "first"),
    )
    return out.sort_values(keys).reset_index(drop=True)


# ----------------------------------------------------------------------------- display tables


def summary_frame(store: Store, size: str = "256x256", large: str = "720x1280") -> pd.DataFrame:
    """The headline table: one row per network, parameters, MACs at two sizes, CPU latency.

    GMACs at ``size`` come from fvcore (what papers report) and at ``large`` from
    torch.utils.flop_counter (meta device); both in multiply-accumulates.
    """
    cx = complexity_frame(store)
    if cx.empty:
        return pd.DataFrame()
    small = cx[cx["size"] == size].set_index("model")
    big = cx[cx["size"] == large].set_index("model")
    lat = store.frame("latency")
    lat = lat[(lat["device"] == "cpu") & (lat["height"].astype(str) + "x" + lat["width"].astype(str) == size)]
    lat = lat[lat["sync"] == 1].sort_values("created").groupby("model").last()
    models = sorted(set(small.index) | set(big.index))
    rows = []
    for model in models:
        row = {
            "Network": _display_name(model),
            "model": model,
            "Params (M)": small["params_declared"].get(model, float("nan")) / MEGA,
            "Params used (M)": small["params_used"].get(model, float("nan")) / MEGA,
            f"GMACs @{size} (fvcore)": small["gmacs_fvcore"].get(model, float("nan")),
            f"GMACs @{size} (torch)": small["gmacs_torch"].get(model, float("nan")),
            f"GMACs @{large} (torch)": big["gmacs_torch"].get(model, float("nan")),
            f"CPU ms @{size} (median)": lat["median_ms"].get(model, float("nan")),
            f"CPU ms @{size} (p90)": lat["p90_ms"].get(model, float("nan")),
        }
        rows.append(row)
    return pd.DataFrame(rows).sort_values("Params (M)").reset_index(drop=True)


def complexity_table(store: Store) -> pd.DataFrame:
    """Parameters (declared / used) and GMACs per counter, one row per network and size."""
    cx = complexity_frame(store)
    if cx.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {
            "Network": cx["model"].map(_display_name),
            "Size (HxW)": cx["size"],
            "Params (M)": cx["params_declared"] / MEGA,
            "Params used (M)": cx["params_used"] / MEGA,
            "fvcore (GMACs)": cx["gmacs_fvcore"],
            "ptflops-pytorch (GMACs)": cx["gmacs_ptflops_pytorch"],
            "ptflops-aten (GMACs)": cx["gmacs_ptflops_aten"],
            "torch counter (GMACs)": cx["gmacs_torch"],
            "_pixels": cx["pixels"],
        }
    )
    table = table.sort_values(["_pixels", "Params (M)"]).drop(columns="_pixels").reset_index(drop=True)
    return _drop_empty(table, keep=("Params (M)",))


def _timing_label(sync: Any, device: str) -> str:
    if device != "cuda":
        return "wall (perf_counter)"
    return "synchronised (true latency)" if int(sync) else "UNSYNCHRONISED (not true latency)"


def latency_table(store: Store) -> pd.DataFrame:
    """Latency per network and setting: device, dtype, resolution, median, p90, peak memory."""
    lat = latency_frame(store)
    if lat.empty:
        return pd.DataFrame()
    settings = []
    for _, row in lat.iterrows():
        parts = []
        if row["device"] == "cpu" and row["threads"]:
            parts.append(f"{int(row['threads'])} threads")
        if int(row["channels_last"]):
            parts.append("channels_last")
        if int(row["compile"]):
            parts.append("compiled")
        settings.append(", ".join(parts) or "default")
    table = pd.DataFrame(
        {
            "Network": lat["model"].map(_display_name).to_numpy(),
            "Device": lat["device_name"].to_numpy(),
            "Dtype": lat["dtype"].to_numpy(),
            "Size (HxW)": lat["size"].to_numpy(),
            "Batch": lat["batch"].astype(int).to_numpy(),
            "Timing": [_timing_label(s, d) for s, d in zip(lat["sync"], lat["device"], strict=True)],
            "Settings": settings,
            "Median (ms)": lat["median_ms"].to_numpy(),
            "p90 (ms)": lat["p90_ms"].to_numpy(),
            "Peak memory (MiB)": lat["peak_memory_mb"].to_numpy(),
            "_pixels": lat["pixels"].to_numpy(),
        }
    )
    table = table.sort_values(["Device", "Dtype", "Timing", "_pixels", "Median (ms)"])
    return _drop_empty(table.drop(columns="_pixels").reset_index(drop=True), keep=("Median (ms)",))


LATENCY_GROUP = ("Device", "Dtype", "Size (HxW)", "Batch", "Timing", "Settings")


def _lpips_header(lpips_net: pd.Series) -> str:
    nets = sorted({n for n in lpips_net.dropna() if n})
    return f"LPIPS ({', '.join(nets)})" if nets else "LPIPS"


def quality_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Quality per dataset: PSNR/SSIM/LPIPS means per network, weights, split and protocol.

    The SSIM convention is named in each SSIM header (they differ by up to 0.02);
    "8-bit" appears only when quantised and unquantised rows are both stored.
    """
    q = quality_frame(store)
    tables: dict[str, pd.DataFrame] = {}
    if q.empty:
        return tables
    for dataset, rows in q.groupby("dataset", sort=True):
        table = pd.DataFrame(
            {
                "Network": rows["model"].map(_display_name).to_numpy(),
                "Weights": rows["weights"].replace("", "none").to_numpy(),
                "Split": rows["split"].to_numpy(),
                "Protocol": rows["protocol"].to_numpy(),
                "8-bit": rows["quantized"].map({1: "yes", 0: "no"}).to_numpy(),
                "Images": rows["images"].astype(int).to_numpy(),
                "PSNR (dB)": rows["psnr"].to_numpy(),
                "SSIM (matlab)": rows["ssim_matlab"].to_numpy(),
                "SSIM (skimage)": rows["ssim_skimage"].to_numpy(),
                "SSIM (basicsr)": rows["ssim_basicsr"].to_numpy(),
                _lpips_header(rows["lpips_net"]): rows["lpips"].to_numpy(),
            }
        )
        if table["8-bit"].nunique() == 1:
            table = table.drop(columns="8-bit")
        table = table.sort_values(["Split", "Protocol", "PSNR (dB)"], ascending=[True, True, False])
        # LPIPS stays when missing everywhere (no backbone weights): shown as dashes, never dropped silently
        lpips = [c for c in table.columns if c.startswith("LPIPS")]
        tables[str(dataset)] = _drop_empty(table.reset_index(drop=True), keep=("PSNR (dB)", *lpips))
    return tables


QUALITY_GROUP = ("Split", "Protocol", "8-bit")


def paper_dataset(quality: pd.DataFrame) -> str | None:
    """The dataset the paper table uses: GoPro when measured, else the one most networks ran on."""
    if quality.empty:
        return None
    datasets = quality.groupby("dataset")["model"].nunique()
    if "gopro" in datasets.index:
        return "gopro"
    return str(datasets.sort_values(ascending=False, kind="stable").index[0])


def _pick_protocol(rows: pd.DataFrame) -> pd.DataFrame:
    for protocol in PROTOCOL_ORDER:
        if (rows["protocol"] == protocol).any():
            rows = rows[rows["protocol"] == protocol]
            break
    if (rows["quantized"] == 1).any():
        rows = rows[rows["quantized"] == 1]
    return rows


def _latency_at(lat: pd.DataFrame, device: str, size: str) -> pd.Series:
    if lat.empty:
        return pd.Series(dtype=float)
    rows = lat[(lat["device"] == device) & (lat["size"] == size) & (lat["sync"] == 1) & (lat["batch"] == 1)]
    rows = rows[rows["dtype"] == "float32"] if (rows["dtype"] == "float32").any() else rows
    return rows.sort_values("created").groupby("model")["median_ms"].last()


def paper_table(store: Store, size: str = "256x256", dataset: str | None = None) -> pd.DataFrame:
    """The combined table of a paper: PSNR, SSIM, params, MACs and latency per network.

    Quality is the mean over ``dataset`` (default :func:`paper_dataset`) under its
    standard protocol, one row per network and weights; SSIM is the first of the
    matlab / skimage / basicsr conventions that was computed, named in the header.
    MACs at ``size`` by fvcore (torch.utils.flop_counter where fvcore did not run);
    latency is the synchronised median, batch 1, float32, at ``size``.
    """
    cx = complexity_frame(store)
    q = quality_frame(store)
    lat = latency_frame(store)
    dataset = dataset or paper_dataset(q)
    rows: list[dict[str, Any]] = []
    quality = _pick_protocol(q[q["dataset"] == dataset]) if dataset is not None else pd.DataFrame()
    ssim_column = next((c for c in SSIM_COLUMNS if not quality.empty and quality[c].notna().any()), None)
    small = cx[cx["size"] == size].set_index("model") if not cx.empty else pd.DataFrame()
    if not small.empty:
        macs = small["gmacs_fvcore"].fillna(small["gmacs_torch"])
        counter = "fvcore" if small["gmacs_fvcore"].notna().all() else "fvcore/torch"
    else:
        macs, counter = pd.Series(dtype=float), "fvcore"
    cpu, cuda = _latency_at(lat, "cpu", size), _latency_at(lat, "cuda", size)
    psnr_header = f"PSNR (dB) {dataset}" if dataset else "PSNR (dB)"
    ssim_header = (
        f"SSIM ({ssim_column.removeprefix('ssim_') if ssim_column else 'n/a'}) {dataset or ''}".strip()
    )
    models = sorted(set(small.index) | (set(quality["model"]) if not quality.empty else set()))
    for model in models:
        weights = [None]
        if not quality.empty and (quality["model"] == model).any():
            weights = list(quality.loc[quality["model"] == model, "weights"])
        for weight in weights:
            qrow = None
            if weight is not None:
                qrow = quality[(quality["model"] == model) & (quality["weights"] == weight)].iloc[0]
            rows.append(
                {
                    "Network": _display_name(model),
                    "Weights": ("none" if weight == "" else weight) if weight is not None else MISSING,
                    psnr_header: qrow["psnr"] if qrow is not None else math.nan,
                    ssim_header: qrow[ssim_column] if (qrow is not None and ssim_column) else math.nan,
                    "Params (M)": small["params_declared"].get(model, math.nan) / MEGA
                    if not small.empty
                    else math.nan,
                    f"GMACs @{size} ({counter})": macs.get(model, math.nan),
                    f"CPU latency (ms) @{size}": cpu.get(model, math.nan),
                    f"CUDA latency (ms) @{size}": cuda.get(model, math.nan),
                }
            )
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).sort_values(["Params (M)", psnr_header], ascending=[True, False])
    if quality.empty:
        table = table.drop(columns="Weights")
    return _drop_empty(table.reset_index(drop=True), keep=("Params (M)", psnr_header))


def failures_frame(store: Store) -> pd.DataFrame:
    """Failed measurements: model, task, first line of the error."""
    df = store.frame("failures")
    if df.empty:
        return df
    return pd.DataFrame(
        {"model": df["model"], "task": df["task"], "error": df["error"].str.split("\n").str[0]}
    )


# ----------------------------------------------------------------------------- formatting


_HIGHER = re.compile(r"\bPSNR\b|\bSSIM\b", re.IGNORECASE)
_LOWER = re.compile(r"\bparams\b|MACs|\(ms\)|\bms\b|latency|memory|\bLPIPS\b", re.IGNORECASE)


def better_direction(column: str) -> str | None:
    """``"max"`` when higher is better (PSNR, SSIM), ``"min"`` when lower is (cost, LPIPS), else None."""
    if _HIGHER.search(column):
        return "max"
    if _LOWER.search(column):
        return "min"
    return None


def _decimals(column: str, value: float) -> int:
    if re.search(r"SSIM|LPIPS", column):
        return 4
    if column.startswith("Ratio"):
        return 3
    if "PSNR" in column or "Params" in column:
        return 2 if "PSNR" in column else 3
    magnitude = abs(value)
    return 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 4


def format_value(value: Any, column: str = "") -> str:
    """One cell as text: fixed decimals by kind (PSNR 2, SSIM/LPIPS 4, params 3), missing as a dash."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if isinstance(value, float) or hasattr(value, "dtype"):
        number = float(value)
        return f"{number:.{_decimals(column, number)}f}"
    return str(value)


def _ranks(
    df: pd.DataFrame, cells: pd.DataFrame, better: Mapping[str, str | None], group: Sequence[str]
) -> pd.DataFrame:
    """Per cell 1 (best), 2 (second best) or 0, by column and within groups of ``group``.

    Ranked on the displayed (rounded) values, so equal-looking cells share a rank;
    a column is ranked only where at least two values are present.
    """
    ranks = pd.DataFrame(0, index=df.index, columns=df.columns)
    keys = [g for g in group if g in df.columns]
    groups = [rows.index for _, rows in df.groupby(keys, sort=False, dropna=False)] if keys else [df.index]
    for column, direction in better.items():
        if direction is None or column not in df.columns:
            continue
        shown = pd.to_numeric(cells[column].str.replace(",", ""), errors="coerce")
        for index in groups:
            values = shown.loc[index].dropna()
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
    cells = pd.DataFrame(
        {c: [format_value(v, c) for v in df[c]] for c in df.columns}, index=df.index, columns=df.columns
    )
    if better is None:
        better = {c: better_direction(c) for c in df.columns if c not in group}
        better = {c: d for c, d in better.items() if pd.api.types.is_numeric_dtype(df[c])}
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
        path.write_text(text, encoding="utf-8")
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
