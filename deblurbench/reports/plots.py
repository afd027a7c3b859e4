"""Figures from result tables (matplotlib + seaborn), written as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

HIGHLIGHT = "LMFN"


def save(fig: plt.Figure, path: Path) -> list[Path]:
    """Write ``fig`` as ``path`` .png and .svg; returns both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".png", ".svg"):
        target = path.with_suffix(suffix)
        fig.savefig(target, dpi=150, bbox_inches="tight")
        written.append(target)
    plt.close(fig)
    return written


def macs_vs_params(summary: pd.DataFrame, path: Path, macs_column: str) -> list[Path]:
    """GMACs against parameters, log-log, one labelled point per network, LMFN highlighted."""
    data = summary.dropna(subset=["Params (M)", macs_column])
    palette = sns.color_palette("colorblind")
    fig, ax = plt.subplots(figsize=(7, 5))
    for _, row in data.iterrows():
        lmfn = row["Network"] == HIGHLIGHT
        ax.scatter(
            row["Params (M)"],
            row[macs_column],
            s=90 if lmfn else 45,
            color=palette[3] if lmfn else palette[0],
            edgecolor="black",
            linewidth=0.6,
            zorder=3,
        )
        ax.annotate(
            row["Network"],
            (row["Params (M)"], row[macs_column]),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
            fontweight="bold" if lmfn else "normal",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Parameters (millions, log scale)")
    ax.set_ylabel(f"{macs_column.replace('GMACs', 'Cost (GMACs)')}, log scale")
    ax.set_title("Computation vs. model size")
    ax.grid(True, which="both", linestyle=":", linewidth=0.5)
    return save(fig, path)
