"""Figures from result tables (matplotlib + seaborn), written as PNG and SVG.

Every figure function takes frames (or arrays) and a path without suffix and
returns the files it wrote, or ``[]`` when the data it needs is not there: a
report of a partial store never crashes on a figure. Colours come from
seaborn's colour-blind-safe palette; the report's subject network (``highlight=``,
its display name: LMFN by default) is drawn larger, in vermilion, with a bold label;
reference methods (no parameters) are grey. Point labels are placed by
:func:`.labels.place_labels`, so that none overprints another label or point; methods at
identical coordinates (twins) are one point named for all of them; where marker size
encodes a quantity, a key gives reference sizes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import MatplotlibDeprecationWarning
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from ..atomic import atomic_path
from .display import note_header
from .labels import PointLabel, place_labels, place_panel_labels
from .pareto import pareto_front

PALETTE = sns.color_palette("colorblind")
BASE_COLOUR, HIGHLIGHT_COLOUR, REFERENCE_COLOUR = PALETTE[0], PALETTE[3], (0.55, 0.55, 0.55)
# vermilion is the subject's alone, grey the reference methods'
LINE_COLOURS = [c for i, c in enumerate(PALETTE) if i not in (3, 7)]
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def is_highlight(label: str, highlight: str | None) -> bool:
    """Whether a label (``Network`` or ``Network [weights]``) is the subject's, drawn highlighted."""
    label = str(label)
    return highlight is not None and (label == highlight or label.startswith(f"{highlight} ["))


DPI = 150  # the PNG's resolution; the tight box both formats are cropped to is measured at it


def tight_box(fig: plt.Figure, dpi: float = DPI) -> Bbox:
    """The box (inches) ``savefig(bbox_inches="tight")`` crops a PNG at ``dpi`` to, measured by one draw.

    Measured once and given to every format, the figure is laid out once instead of once per
    format; the PNG is the same file as with ``"tight"``.
    """
    original = fig.dpi
    fig.set_dpi(dpi)
    try:
        fig.draw_without_rendering()  # lays the figure out on the Agg renderer at ``dpi``
        box = fig.get_tightbbox(fig.canvas.get_renderer())
    finally:
        fig.set_dpi(original)
    pad = matplotlib.rcParams["savefig.pad_inches"]
    return box.padded(pad, pad)


def save(fig: plt.Figure, path: Path) -> list[Path]:
    """Write ``fig`` as ``path`` .png and .svg, both cropped to one :func:`tight_box`; returns both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = tight_box(fig)
    written = []
    for suffix in (".png", ".svg"):
        target = path.with_suffix(suffix)
        with atomic_path(target) as partial:
            fig.savefig(partial, dpi=DPI, bbox_inches=box)
        written.append(target)
    plt.close(fig)
    return written


def _minor_label(value: float, _pos: int) -> str:
    """Label the 2x and 5x minor ticks of a log axis, so that a short range still has numbers."""
    if value <= 0:
        return ""
    leading = value / 10 ** np.floor(np.log10(value))
    return f"{value:g}" if round(leading, 6) in (2.0, 5.0) else ""


def _log(ax: plt.Axes, *axes: str) -> None:
    """Log scale on ``axes`` ("x", "y") with plain tick numbers (0.5, 2, 300), not powers of ten."""
    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    for name in axes:
        getattr(ax, f"set_{name}scale")("log")
        axis = getattr(ax, f"{name}axis")
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(FuncFormatter(_minor_label))


def _column(df: pd.DataFrame, prefix: str) -> str | None:
    """The first column whose name starts with ``prefix`` and holds a value."""
    for column in df.columns:
        if str(column).startswith(prefix) and df[column].notna().any():
            return str(column)
    return None


def _finite(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The rows whose ``columns`` are all finite numbers (NaN, inf and missing values cannot be drawn)."""
    if frame.empty:
        return frame
    keep = np.ones(len(frame), dtype=bool)
    for column in columns:
        keep &= np.isfinite(pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float))
    return frame[keep]


def _with_infinite(label: str, infinite: pd.Series) -> str:
    count = int(infinite.get(label, 0))
    return f"{label} (+{count} at inf dB)" if count else label


def _label(row: pd.Series) -> str:
    weights = row.get("Weights")
    if isinstance(weights, str) and weights not in ("", "none", "–"):
        return f"{row['Network']} [{weights}]"
    return str(row["Network"])


def twin_label(names: Sequence[str]) -> str:
    """One name for the methods drawn at one point: ``A (+ TLC)`` for ``A`` and ``A + TLC``, else ``A / B``."""
    names = list(dict.fromkeys(str(name) for name in names))
    base = min(names, key=len)
    others = [name for name in names if name != base]
    if others and all(name.startswith(f"{base} + ") for name in others):
        return f"{base} ({', '.join(name[len(base) + 1 :] for name in others)})"
    return " / ".join(names)


def _points(
    data: pd.DataFrame, x: str, y: str, sizes: pd.Series | None, highlight: str | None
) -> pd.DataFrame:
    """One row (x, y, name, bold, size) per distinct point: twins at identical coordinates are merged.

    A merged point is named for all its methods (:func:`twin_label`), is the subject's when
    one of them is, and takes the largest of their marker sizes.
    """
    names = [_label(row) for _, row in data.iterrows()]
    bold = [is_highlight(name, highlight) for name in names]
    points = pd.DataFrame(
        {
            "x": data[x].astype(float).to_numpy(),
            "y": data[y].astype(float).to_numpy(),
            "name": names,
            "bold": bold,
            "size": sizes.to_numpy(dtype=float) if sizes is not None else [90.0 if b else 45.0 for b in bold],
        }
    )
    merged = points.groupby(["x", "y"], sort=False, as_index=False)
    return merged.agg(name=("name", twin_label), bold=("bold", "any"), size=("size", "max"))


def _scatter(ax: plt.Axes, points: pd.DataFrame) -> list[PointLabel]:
    """Draw each point of :func:`_points` (the subject's in vermilion); returns their labels to place."""
    labels = []
    for point in points.sort_values("size", ascending=False, kind="stable").itertuples():  # small on top
        linewidth = 1.2 if point.bold else 0.6
        ax.scatter(
            point.x,
            point.y,
            s=point.size,
            color=HIGHLIGHT_COLOUR if point.bold else BASE_COLOUR,
            alpha=0.9 if point.bold else 0.7,
            edgecolor="black",
            linewidth=linewidth,
            zorder=4 if point.bold else 3,
        )
        radius = np.sqrt(point.size) / 2 + linewidth / 2  # s is the marker's area in points^2
        labels.append(PointLabel(point.x, point.y, point.name, radius, point.bold))
    return labels


def macs_vs_params(
    summary: pd.DataFrame, path: Path, macs_column: str, highlight: str | None = None
) -> list[Path]:
    """GMACs against parameters, log-log, one labelled point per network, LMFN highlighted."""
    if summary.empty or macs_column not in summary:
        return []
    data = _finite(summary, "Params (M)", macs_column)
    data = data[(data["Params (M)"] > 0) & (data[macs_column] > 0)]
    if data.empty:
        return []
    fig, ax = plt.subplots(figsize=(7, 5))
    labels = _scatter(ax, _points(data, "Params (M)", macs_column, None, highlight))
    _log(ax, "x", "y")
    ax.set_xlabel("Parameters (millions, log scale)")
    ax.set_ylabel(f"{macs_column.replace('GMACs', 'Cost (GMACs)')}, log scale")
    ax.set_title("Computation vs. model size")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    place_labels(ax, labels)
    return save(fig, path)


def _bubble_area(value: float | pd.Series, largest: float) -> float | pd.Series:
    """A marker area (pt^2) growing linearly with ``value``, 30 at 0 to 900 at ``largest``."""
    return 30.0 + 870.0 * value / largest


def _bubble_sizes(values: pd.Series) -> pd.Series:
    """Marker areas growing linearly with ``values`` (GMACs), 30 to 900 pt^2; 60 where unknown."""
    finite = values.dropna()
    if finite.empty or finite.max() <= 0:
        return pd.Series(60.0, index=values.index)
    return _bubble_area(values, finite.max()).fillna(60.0)


def _round_down(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``value`` (> 0)."""
    power = 10 ** np.floor(np.log10(value))
    return float(max(step * power for step in (1, 2, 5) if step * power <= value * (1 + 1e-9)))


def _size_key(ax: plt.Axes, values: pd.Series, what: str) -> None:
    """A legend of three reference sizes, right of the axes: the largest value (2 digits), two round ones below."""
    finite = values.dropna()
    if finite.empty or finite.max() <= 0:
        return
    largest = float(finite.max())
    shown = sorted({float(f"{largest:.2g}"), _round_down(largest / 5), _round_down(largest / 25)})
    handles = [
        ax.scatter(
            [], [], s=_bubble_area(v, largest), color=BASE_COLOUR, alpha=0.7, edgecolor="black", linewidth=0.6
        )
        for v in shown
    ]
    unit = what.split(" ", 1)[0]  # "GMACs @256x256 (fvcore)" -> "GMACs"
    ax.legend(
        handles,
        [f"{v:g} {unit}" for v in shown],
        title=f"Bubble area:\n{what}",
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=8,
        title_fontsize=8,
        labelspacing=1.8,
        borderpad=1.0,
        handletextpad=1.2,
    )


def _reference_lines(ax: plt.Axes, references: dict[str, float] | None) -> None:
    """Reference methods (no parameters, no latency to place them by) as labelled horizontal lines.

    The blurry input is the floor and the deconvolutions told the true kernel an oracle: a
    single trained network is read against both.
    """
    for i, (label, psnr) in enumerate(sorted((references or {}).items(), key=lambda item: item[1])):
        if not np.isfinite(psnr):
            continue
        ax.axhline(psnr, color=REFERENCE_COLOUR, linestyle=("--", ":", "-.")[i % 3], linewidth=1.1, zorder=1)
        ax.annotate(
            f"{label} {psnr:.2f} dB",
            (1.0, psnr),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 3),
            textcoords="offset points",
            ha="right",
            fontsize=7.5,
            color=(0.3, 0.3, 0.3),
        )


def _include_lines(ax: plt.Axes, references: dict[str, float] | None) -> None:
    """Widen the y axis so that every reference line is inside it."""
    values = [v for v in (references or {}).values() if np.isfinite(v)]
    if values:
        low, high = ax.get_ylim()
        span = max(high, max(values)) - min(low, min(values))
        ax.set_ylim(min(low, min(values)) - 0.05 * span, max(high, max(values)) + 0.08 * span)


def psnr_vs_params(
    paper: pd.DataFrame, path: Path, highlight: str | None = None, references: dict[str, float] | None = None
) -> list[Path]:
    """PSNR against parameters (log), bubble area proportional to MACs, labelled, the subject highlighted.

    ``references`` (label -> PSNR) are drawn as labelled horizontal lines.
    """
    psnr, macs = _column(paper, "PSNR"), _column(paper, "GMACs")
    if psnr is None or "Params (M)" not in paper:
        return []
    data = _finite(paper, psnr, "Params (M)")
    data = data[data["Params (M)"] > 0]
    if data.empty:
        return []
    fig, ax = plt.subplots(figsize=(7.5, 5))
    sizes = _bubble_sizes(data[macs]) if macs else None
    labels = _scatter(ax, _points(data, "Params (M)", psnr, sizes, highlight))
    _include_lines(ax, references)
    _reference_lines(ax, references)
    _log(ax, "x")
    ax.set_xlabel("Parameters (millions, log scale)")
    ax.set_ylabel(psnr.replace("PSNR (dB)", "PSNR (dB),"))
    if macs:
        _size_key(ax, data[macs], macs)
    ax.set_title("Quality vs. model size")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    place_labels(ax, labels)
    return save(fig, path)


def psnr_vs_latency(
    paper: pd.DataFrame, path: Path, highlight: str | None = None, references: dict[str, float] | None = None
) -> list[Path]:
    """PSNR against latency (log), a labelled point per network (CUDA latency where measured, else CPU);
    ``references`` (label -> PSNR) as labelled horizontal lines."""
    psnr = _column(paper, "PSNR")
    latency = _column(paper, "CUDA latency") or _column(paper, "CPU latency")
    if psnr is None or latency is None:
        return []
    data = _finite(paper, psnr, latency)
    data = data[data[latency] > 0]
    if data.empty:
        return []
    doubtful = data[note_header(latency)].fillna("").astype(bool) if note_header(latency) in data else None
    if doubtful is not None and doubtful.any():  # noisy or timed on a busy machine: said at the point
        data = data.assign(
            Network=[
                f"{n} ({DOUBT_MARK})" if d else n for n, d in zip(data["Network"], doubtful, strict=True)
            ]
        )
    fig, ax = plt.subplots(figsize=(7.5, 5))
    labels = _scatter(ax, _points(data, latency, psnr, None, highlight))
    _include_lines(ax, references)
    _reference_lines(ax, references)
    _log(ax, "x")
    ax.set_xlabel(f"{latency}, median, log scale")
    ax.set_ylabel(psnr.replace("PSNR (dB)", "PSNR (dB),"))
    ax.set_title("Quality vs. latency")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    place_labels(ax, labels)
    return save(fig, path)


CLAIM_PANELS = (
    ("gmacs", "Cost (GMACs, measured, log scale)"),
    ("params_m", "Parameters (millions, log scale)"),
)
FRONT_GID = "pareto-front"  # the step line of a claim panel's Pareto front


def _front(ax: plt.Axes, points: pd.DataFrame) -> None:
    """The Pareto front of ``points`` (x cost, y quality) as a step line through the front's points.

    Between two front points the line holds the cheaper one's quality until the next
    cost: the best quality reachable at each cost.
    """
    on_front = pareto_front(points["x"].tolist(), points["y"].tolist())
    front = points[on_front].sort_values("x")
    ax.step(
        front["x"],
        front["y"],
        where="post",
        color="0.3",
        linewidth=1.0,
        linestyle="--",
        zorder=2,
        label="Pareto front (nothing both cheaper and better)",
        gid=FRONT_GID,
    )


def _claim_panel(
    ax: plt.Axes, data: pd.DataFrame, cost: str, xlabel: str, highlight: str | None
) -> list[PointLabel]:
    """One panel of :func:`claim_figure`: points, their front, axes; returns the labels to place."""
    points = _points(data, cost, "psnr", None, highlight)
    _front(ax, points)
    labels = _scatter(ax, points)
    _log(ax, "x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("PSNR (dB)")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return labels


def claim_figure(points: pd.DataFrame, path: Path, highlight: str | None, title: str = "") -> list[Path]:
    """PSNR against measured GMACs and against parameters, side by side, each with its Pareto front.

    ``points``: ``Network`` (display name), ``psnr`` (dB), ``gmacs`` and ``params_m`` (millions).
    Cost axes are log; a row without a positive cost or a PSNR is left out of that panel;
    twins (equal coordinates) are one point; the subject (``highlight``) is drawn highlighted.
    Skipped when neither panel has a point.
    """
    panels = [
        (_finite(points, "psnr", cost).query(f"{cost} > 0"), cost, xlabel)
        for cost, xlabel in CLAIM_PANELS
        if not points.empty and cost in points
    ]
    panels = [panel for panel in panels if not panel[0].empty]
    if not panels:
        return []
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 5.2), squeeze=False)
    labels = [
        _claim_panel(ax, data, cost, xlabel, highlight)
        for ax, (data, cost, xlabel) in zip(axes[0], panels, strict=True)
    ]
    fig.suptitle(title or "Quality vs. cost, with the Pareto front")
    fig.tight_layout()
    place_panel_labels(list(zip(axes[0], labels, strict=True)))
    return save(fig, path)


Style = tuple[tuple[float, float, float], str]  # a line's colour and marker


def line_styles(models: Sequence[str], names: dict[str, str], highlight: str | None) -> dict[str, Style]:
    """A colour and marker per model, no two alike: the subject vermilion, reference methods grey.

    Networks take the pairs colour by colour, then marker by marker (unique for up to 80
    networks); reference methods take grey with a marker each; the subject, vermilion.
    """
    from .display import is_reference

    pairs = [(colour, marker) for marker in MARKERS for colour in LINE_COLOURS]
    styles: dict[str, Style] = {}
    networks = references = 0
    for model in sorted(models):
        if is_highlight(names.get(model, model), highlight):
            styles[model] = (HIGHLIGHT_COLOUR, MARKERS[0])
        elif is_reference(model):
            styles[model] = (REFERENCE_COLOUR, MARKERS[references % len(MARKERS)])
            references += 1
        else:
            styles[model] = pairs[networks % len(pairs)]
            networks += 1
    return styles


def _lines(
    ax: plt.Axes,
    frame: pd.DataFrame,
    value: str,
    names: dict[str, str],
    styles: dict[str, Style],
    highlight: str | None,
) -> int:
    """One log-log line per network over megapixels; returns how many networks had two sizes or more."""
    drawn = 0
    for model, rows in frame.groupby("model", sort=True):
        rows = rows.dropna(subset=[value]).sort_values("pixels")
        rows = rows[rows[value] > 0]
        if len(rows) < 2:
            continue
        drawn += 1
        colour, marker = styles[model]
        label = names.get(model, model)
        lmfn = is_highlight(label, highlight)
        ax.plot(
            rows["pixels"] / 1e6,
            rows[value],
            marker=marker,
            color=colour,
            linewidth=2.6 if lmfn else 1.2,
            markersize=7 if lmfn else 4,
            label=label,
            zorder=4 if lmfn else 3,
        )
    _log(ax, "x", "y")
    ax.set_xlabel("Image size (megapixels, log scale)")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    return drawn


DOUBT_MARK = "noisy or busy machine"  # what a latency point whose row has a doubt is labelled


def _doubtful_points(ax: plt.Axes, frame: pd.DataFrame, value: str) -> None:
    """Ring the latency points timed noisily or on a busy machine (their row's ``doubt``)."""
    if "doubt" not in frame:
        return
    rows = frame[frame["doubt"].fillna("").astype(bool)]
    if rows.empty:
        return
    ax.scatter(
        rows["pixels"] / 1e6,
        rows[value],
        s=140,
        facecolors="none",
        edgecolors="red",
        linewidths=1.2,
        zorder=5,
        label=DOUBT_MARK,
    )


def cost_vs_resolution(
    complexity: pd.DataFrame,
    latency: pd.DataFrame,
    path: Path,
    names: dict[str, str] | None = None,
    highlight: str | None = None,
) -> list[Path]:
    """GMACs (torch counter) and latency against image size, log-log, one line per network.

    ``complexity`` is :func:`frames.complexity_frame`, ``latency`` :func:`frames.latency_frame`;
    latency is the synchronised median at batch 1 on the device with the most rows.
    Skipped unless some network was measured at two sizes or more.
    """
    names = names or {}
    panels: list[tuple[pd.DataFrame, str, str]] = []
    if not complexity.empty:
        from .frames import headline_macs

        gmacs, counter = headline_macs(complexity, meta_only=True)  # one convention at every size
        panels.append((complexity.assign(gmacs=gmacs), "gmacs", f"GMACs ({counter}), log scale"))
    if not latency.empty:
        lat = latency[(latency["sync"] == 1) & (latency["batch"] == 1)]
        if not lat.empty:
            device = lat["device_name"].value_counts().index[0]
            lat = lat[lat["device_name"] == device]
            dtype = "float32" if (lat["dtype"] == "float32").any() else lat["dtype"].iloc[0]
            lat = lat[lat["dtype"] == dtype]
            panels.append((lat, "median_ms", f"Latency (ms, median), {device}, {dtype}, log scale"))
    useful = [p for p in panels if (p[0].groupby("model")["pixels"].nunique() >= 2).any()]
    if not useful:
        return []
    models = pd.concat([frame["model"] for frame, _, _ in useful]).unique()
    styles = line_styles(models, names, highlight)  # one style per network across both panels
    fig, axes = plt.subplots(1, len(useful), figsize=(6.5 * len(useful), 5), squeeze=False)
    for ax, (frame, value, ylabel) in zip(axes[0], useful, strict=True):
        _lines(ax, frame, value, names, styles, highlight)
        _doubtful_points(ax, frame, value)
        ax.set_ylabel(ylabel)
    axes[0][0].set_title("How cost grows with image size")
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:
        more_h, more_l = ax.get_legend_handles_labels()
        for h, lab in zip(more_h, more_l, strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return save(fig, path)


def psnr_distribution(
    rows: pd.DataFrame, path: Path, title: str = "", highlight: str | None = None
) -> list[Path]:
    """Per-image PSNR per network as box plots with the images as dots, best median on top.

    ``rows`` are per-image quality rows with a ``label`` column (network, weights)
    and ``psnr``; skipped when no finite PSNR is present. A label with infinite PSNRs
    (an output identical to its ground truth) says how many it has that are not drawn.
    """
    if rows.empty or "psnr" not in rows:
        return []
    infinite = rows[np.isinf(rows["psnr"].astype(float))].groupby("label").size()
    data = _finite(rows, "psnr")
    if data.empty:
        return []
    data = data.assign(label=[_with_infinite(label, infinite) for label in data["label"]])
    order = data.groupby("label")["psnr"].median().sort_values(ascending=False).index.tolist()
    colours = {
        label: HIGHLIGHT_COLOUR
        if is_highlight(label, highlight)
        else PALETTE[0]
        if i % 2 == 0
        else PALETTE[9]
        for i, label in enumerate(order)
    }
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.6))
    with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib 3.11's deprecated ``vert``
        warnings.simplefilter("ignore", MatplotlibDeprecationWarning)
        sns.boxplot(
            data=data,
            x="psnr",
            y="label",
            hue="label",
            order=order,
            palette=colours,
            legend=False,
            showfliers=False,
            width=0.6,
            ax=ax,
        )
    state = np.random.get_state()  # seaborn jitters with numpy's global generator: seeded, the figure repeats
    np.random.seed(0)
    try:
        sns.stripplot(data=data, x="psnr", y="label", order=order, color="black", size=2.5, alpha=0.5, ax=ax)
    finally:
        np.random.set_state(state)
    for tick in ax.get_yticklabels():
        if is_highlight(tick.get_text(), highlight):
            tick.set_fontweight("bold")
    ax.set_xlabel("PSNR per image (dB)")
    ax.set_ylabel("")
    ax.set_title(title or "Per-image PSNR")
    ax.grid(True, axis="x", linestyle=":", linewidth=0.5)
    return save(fig, path)


def _as_array(image: np.ndarray | str | Path) -> np.ndarray:
    """An image as an (H, W, 3) float array in [0, 1], from an array or an image file."""
    if isinstance(image, (str, Path)):
        image = plt.imread(str(image))
    array = np.asarray(image)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        array = array.astype(np.float32) / 65535.0
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # (C, H, W) as a tensor would be
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return np.clip(array[..., :3].astype(np.float32), 0.0, 1.0)


def readable(path: Path) -> bool:
    """Whether an image file decodes (a run killed while writing it may have left it truncated)."""
    try:
        plt.imread(str(path))
    except (OSError, ValueError, SyntaxError):
        return False
    return True


def centre_crop(height: int, width: int, size: int = 160) -> tuple[int, int, int, int]:
    """A centred square crop ``(top, left, height, width)`` of at most ``size`` pixels."""
    side = min(size, height, width)
    return (height - side) // 2, (width - side) // 2, side, side


SHARP = "Sharp (ground truth)"  # the strip panel the others' PSNR is measured against


def panel_psnr(images: Sequence[tuple[str, np.ndarray]]) -> list[float | None]:
    """Each panel's PSNR (dB) against the ``SHARP`` panel: whole image, as 8-bit, by ``metrics.psnr``.

    None for the sharp panel itself, for an image of another size, and for every panel
    when no panel is the sharp one. ``images`` are ``(label, (H, W, 3) array in [0, 1])``.
    """
    import torch

    from ..bench.metrics import psnr

    def eight_bit(image: np.ndarray) -> torch.Tensor:  # as a saved image holds it
        return torch.from_numpy(np.round(image.astype(np.float64) * 255.0) / 255.0).permute(2, 0, 1)[None]

    sharp = next((image for label, image in images if label == SHARP), None)
    if sharp is None:
        return [None] * len(images)
    target = eight_bit(sharp)
    return [
        None if label == SHARP or image.shape != sharp.shape else float(psnr(eight_bit(image), target)[0])
        for label, image in images
    ]


def comparison_strip(
    panels: Sequence[tuple[str, np.ndarray | str | Path]],
    path: Path,
    crop: tuple[int, int, int, int] | None = None,
    title: str = "",
    highlight: str | None = None,
) -> list[Path]:
    """Crops side by side: e.g. blurry, each network's output, sharp; each under its label.

    ``panels`` are ``(label, image)`` with an image as an (H, W, 3) / (3, H, W)
    array (uint8 or float in [0, 1]) or a file path; ``crop`` is
    ``(top, left, height, width)`` (default: a centred square of the first image).
    Where a panel is labelled ``SHARP``, every other panel's title is its PSNR against
    it (:func:`panel_psnr`: the whole image, not the crop). Skipped when no panel is given.
    """
    if not panels:
        return []
    images = [(label, _as_array(image)) for label, image in panels]
    if crop is None:
        crop = centre_crop(*images[0][1].shape[:2])
    top, left, h, w = crop
    fig, axes = plt.subplots(1, len(images), figsize=(2.2 * len(images), 2.7), squeeze=False)
    for ax, (label, image), score in zip(axes[0], images, panel_psnr(images), strict=True):
        ax.imshow(image[top : top + h, left : left + w], interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if score is not None:
            ax.set_title(f"PSNR {score:.2f} dB", fontsize=8)
        lmfn = is_highlight(label, highlight)
        ax.set_xlabel(label, fontsize=8, fontweight="bold" if lmfn else "normal")
        if lmfn:
            for spine in ax.spines.values():
                spine.set_edgecolor(HIGHLIGHT_COLOUR)
                spine.set_linewidth(2.5)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save(fig, path)


def strip_panels(
    images_dir: Path, image_id: str, rows: Sequence[tuple[Mapping[str, Any], str]]
) -> list[tuple[str, Path]]:
    """Saved images for one comparison strip: blurry, each row's restored image, sharp, where the files exist.

    ``rows`` are ``(quality row, label)`` of one dataset variant's split in display order; each
    row's image is where :mod:`deblurbench.bench.evaluate` saved it (:func:`image_folder` of the
    row's key: its weights, variant, device and dtype, so a panel shows exactly the row it is
    labelled with). The blurry input is the ``identity`` row's output, the ground truth is
    under :func:`sharp_folder`.
    """
    from ..bench.evaluate import image_folder, image_path, sharp_folder

    def find(folder: Path) -> Path | None:  # the file name evaluate's image saving gives
        candidate = image_path(folder, image_id)
        return candidate if candidate.is_file() else None

    panels: list[tuple[str, Path]] = []
    blurry = next(
        (find(image_folder(images_dir, row)) for row, _ in rows if row["model"] == "identity"), None
    )
    if blurry is not None:
        panels.append(("Blurry input", blurry))
    for row, label in rows:
        if row["model"] == "identity":
            continue
        found = find(image_folder(images_dir, row))
        if found is not None:
            panels.append((label, found))
    sharp = find(sharp_folder(images_dir, rows[0][0])) if rows else None
    if sharp is not None:
        panels.append((SHARP, sharp))
    return panels
