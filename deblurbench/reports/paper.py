"""The combined table of a paper: quality on one dataset beside parameters, MACs and latency.

One row per network and weights, as deblurring papers print their comparison table: PSNR
and one SSIM convention (named in its header) on the paper dataset, parameters, headline
MACs and the synchronised batch-1 latency on CPU and CUDA at the headline size.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import sizes
from ..bench.records import LatencyRecord, QualityRecord
from ..bench.store import Store
from .cost import MACS, add_params
from .display import MISSING, Display, display_name, drop_empty
from .frames import (
    complexity_frame,
    headline_macs,
    latency_frame,
    median_latency,
    paper_dataset,
    pick_protocol,
    quality_frame,
    shown_ssim,
)


def _paper_rows(quality: pd.DataFrame, models: list[str]) -> list[tuple[str, Any]]:
    """(model, its quality row or None) per network and weights, every network at least once."""
    rows: list[tuple[str, Any]] = []
    for model in models:
        mine = quality[quality["model"] == model] if not quality.empty else quality
        rows += [(model, row) for _, row in mine.iterrows()] or [(model, None)]
    return rows


def paper_table(
    store: Store, size: str = sizes.label(sizes.HEADLINE), dataset: str | None = None
) -> pd.DataFrame:
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
    add_params(d, cost, used=False)
    values, label = headline_macs(cost)
    d.shown(MACS, values, f"GMACs @{size} ({label})")
    for device in ("cpu", "cuda"):
        timed = median_latency(lat, device, size).reindex([m for m, _ in rows])
        header = d.measured(
            LatencyRecord.column("median_ms"),
            timed["median_ms"].to_numpy(),
            f"{device.upper()} latency (ms) @{size}",
        )
        d.doubted([header], timed["doubt"])
    table = d.frame().sort_values(["Params (M)", psnr], ascending=[True, False])
    if quality.empty:
        table = table.drop(columns="Weights")
    return drop_empty(table.reset_index(drop=True), keep=("Params (M)", psnr))
