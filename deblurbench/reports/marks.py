"""Cells as text and the marks of a table: best value per column first, second best second.

A display frame (:mod:`.display`) says which columns are ranked and in which direction;
here each cell is formatted as its column declares (missing values as a dash), and each
ranked column gets rank 1 (best) and 2 (second best) on the values as shown, within groups
of rows, among the networks only: reference methods are never marked. The renderings
(:mod:`.formats`) turn the ranks into bold and underline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .display import MISSING, NAME_COLUMNS, is_reference_label


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
    methods' rows, and figures whose note column (``attrs["doubt"]``) says they are noisy or
    were timed on a busy machine, are left out of the ranking (rank 0 always).
    """
    ranks = np.zeros(df.shape, dtype=int)
    keys = [g for g in group if g in df.columns]
    groups = (
        list(df.groupby(keys, sort=False, dropna=False).indices.values()) if keys else [np.arange(len(df))]
    )
    competing = _competing(df).to_numpy()
    doubts = df.attrs.get("doubt", {})
    for column, direction in better.items():
        if direction is None or column not in df.columns:
            continue
        shown = pd.to_numeric(cells[column].astype(str).str.replace(",", ""), errors="coerce").to_numpy(float)
        trusted = competing
        if doubts.get(column) in df.columns:  # noisy or contended figures are never best
            trusted = competing & ~df[doubts[column]].fillna("").astype(bool).to_numpy()
        where = df.columns.get_loc(column)
        for rows in groups:
            rows = rows[trusted[rows] & ~np.isnan(shown[rows])]
            if len(rows) < 2:
                continue
            values = shown[rows]
            distinct = np.unique(values)  # ascending
            if direction == "max":
                distinct = distinct[::-1]
            ranks[rows[values == distinct[0]], where] = 1
            if len(distinct) > 1:
                ranks[rows[values == distinct[1]], where] = 2
    return pd.DataFrame(ranks, index=df.index, columns=df.columns)


def cells_and_ranks(
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
