"""How tables show methods and values: display names, the missing-value mark, display frames.

A display frame has headers that carry their units, one row per method and setting, and
``frame.attrs`` saying which columns are ranked (``better``: header -> "max"/"min") and
their decimals (``decimals``: header -> int), taken from the record declarations
(:mod:`deblurbench.bench.records`) by :class:`Display`. The renderings
(:mod:`.formats`) mark the best values from those attrs. Reference methods (the blurry
input, deconvolutions told the true kernel) are shown beside the networks but never marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..bench.records import HIGHER, LOWER, Column
from ..models.registry import MODELS

MISSING = "–"  # shown for a missing value (NULL in the store), never 0
NAME_COLUMNS = ("Network", "Method")  # the display tables' columns naming each row's method
_DIRECTION = {HIGHER: "max", LOWER: "min"}


def is_reference(model: str) -> bool:
    """Whether ``model`` names a non-learned reference method rather than a network."""
    from ..bench.references import is_reference as known

    return known(model)


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


def weights_suffix(weights: pd.Series) -> pd.Series:
    """`` [tag]`` after a network trained with named weights, nothing for none."""
    return weights.fillna("").map(lambda w: f" [{w}]" if w else "")


class Display:
    """A display frame built column by column, keeping each header's better direction and decimals."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.better: dict[str, str] = {}
        self.decimals: dict[str, int] = {}
        self.doubts: dict[str, str] = {}  # figure header -> its note header

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

    def doubted(self, headers: Sequence[str], notes: Any, note: str | None = None) -> None:
        """Say beside ``headers`` why some of their figures are doubtful (noisy, busy machine): never ranked.

        The note column is ``note`` (always added), else :func:`note_header` (added where some figure is doubtful).
        """
        notes = [n if isinstance(n, str) else "" for n in notes]
        if note is None and not any(notes):
            return
        note = note or note_header(headers[0])
        self.add(note, notes)
        self.doubts.update({header: note for header in headers})

    def frame(self) -> pd.DataFrame:
        """The frame, with ``attrs["better"]``, ``attrs["decimals"]`` and ``attrs["doubt"]``."""
        frame = pd.DataFrame(self.data)
        frame.attrs["doubt"] = dict(self.doubts)
        return with_marks(frame, self.better, self.decimals)


def note_header(header: str) -> str:
    """The column beside a figure's column that says why a figure in it is doubtful."""
    return f"{header.split(' (')[0]} note"


def with_marks(
    frame: pd.DataFrame, better: Mapping[str, str], decimals: Mapping[str, int] = {}
) -> pd.DataFrame:
    """``frame`` carrying which columns are ranked and their decimals (for the renderings)."""
    frame.attrs["better"] = {**frame.attrs.get("better", {}), **better}
    frame.attrs["decimals"] = {**frame.attrs.get("decimals", {}), **decimals}
    return frame


def drop_empty(df: pd.DataFrame, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Drop columns with no value at all (a counter that never ran, a metric not computed)."""
    keep = set(keep)
    empty = [c for c in df.columns if c not in keep and df[c].isna().all()]
    return df.drop(columns=empty)
