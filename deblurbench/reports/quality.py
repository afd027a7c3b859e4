"""The quality tables: PSNR, SSIM (each convention named) and LPIPS means per dataset, and per source.

One table per dataset, one row per network, weights, split and protocol; the by-source
table gives mean PSNR per source of the image ids (a GoPro scene, a HIDE part, a synthetic
picture) and the mean of those means, which weighs each source equally.
"""

from __future__ import annotations

import pandas as pd

from ..bench.records import QualityRecord
from ..bench.store import Store
from .display import Display, display_name, drop_empty, weights_suffix
from .frames import quality_frame


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
    for name in PRECISION:  # shown where a dataset holds evaluations on two devices or in two dtypes
        d.add(QualityRecord.column(name).label, rows[name])
    d.add("Images", rows["images"].astype(int))
    for column in QualityRecord.value_columns():
        if column.name == "lpips":
            d.measured(column, rows["lpips"], header=_lpips_header(rows["lpips_net"]))
        elif column.name != "seconds":
            d.measured(column, rows[column.name])
    table = d.frame().reset_index(drop=True)
    single = [
        c for c in ("8-bit", *(QualityRecord.column(n).label for n in PRECISION)) if table[c].nunique() == 1
    ]
    table = table.drop(columns=single)
    # LPIPS stays when missing everywhere (no backbone weights): shown as dashes, never dropped silently
    lpips = [c for c in table.columns if c.startswith("LPIPS")]
    return drop_empty(table, keep=("PSNR (dB)", *lpips))


def quality_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Quality per dataset: PSNR/SSIM/LPIPS means per network, weights, split and protocol.

    The SSIM convention is named in each SSIM header (they differ, by up to 0.35 on the
    synthetic split); "8-bit" appears only when quantised and unquantised rows are both stored.
    """
    q = quality_frame(store)
    if q.empty:
        return {}
    return {str(dataset): _quality_table(rows) for dataset, rows in q.groupby("dataset", sort=True)}


PRECISION = ("device", "dtype")  # key fields shown only where they vary
QUALITY_GROUP = ("Split", "Variant", "Protocol", "8-bit", *(QualityRecord.column(n).label for n in PRECISION))

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
