"""Tables from the results store as pandas DataFrames, and their text formats."""

from __future__ import annotations

import json

import pandas as pd

from ..bench.store import Store
from ..models import get_spec

GIGA = 1e9
MEGA = 1e6


def _display_name(model: str) -> str:
    try:
        return get_spec(model).display_name
    except KeyError:  # a model from a plugin that is not installed here any more
        return model


def complexity_frame(store: Store) -> pd.DataFrame:
    """One row per (network, size): parameters and GMACs per counter."""
    df = store.frame("complexity")
    if df.empty:
        return df
    out = pd.DataFrame(
        {
            "model": df["model"],
            "size": df["height"].astype(str) + "x" + df["width"].astype(str),
            "params_declared": df["params_declared"],
            "params_used": df["params_used"],
            "gmacs_fvcore": df["macs_fvcore"] / GIGA,
            "gmacs_ptflops_pytorch": df["macs_ptflops_pytorch"] / GIGA,
            "gmacs_ptflops_aten": df["macs_ptflops_aten"] / GIGA,
            "gmacs_torch": df["macs_torch_flop_counter"] / GIGA,
            "pixels": df["height"] * df["width"],
        }
    )
    return out.sort_values(["model", "pixels"]).drop(columns="pixels").reset_index(drop=True)


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


def failures_frame(store: Store) -> pd.DataFrame:
    """Failed measurements: model, task, first line of the error."""
    df = store.frame("failures")
    if df.empty:
        return df
    return pd.DataFrame(
        {"model": df["model"], "task": df["task"], "error": df["error"].str.split("\n").str[0]}
    )


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
