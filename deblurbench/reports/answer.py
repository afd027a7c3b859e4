"""The whole claims check, computed once: what ``deblurbench claims`` prints and the report shows.

Both read the same :class:`Claims`, so the counts, verdicts and the subject's standing are one
answer wherever they appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ..bench.store import Store
from ..config import SUBJECT
from .claims import (
    HEADLINE_SIZE,
    CostCounter,
    Measured,
    _claims_frame,
    _known,
    network_summary,
    summary_line,
)
from .relative import relative_frame
from .subject import claim_points, front_lines, scored_points, subject_claims


@dataclass
class Claims:
    """Every published figure and comparison checked, the subject's claim, and the points of the claim figure."""

    figures: pd.DataFrame
    relative: pd.DataFrame
    networks: pd.DataFrame
    subject: str
    subject_table: pd.DataFrame
    subject_lines: list[str]
    points: pd.DataFrame
    front: list[str]
    scored: pd.DataFrame = field(default_factory=pd.DataFrame)
    scored_dataset: str = ""
    scored_front: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The one line of verdict counts (distinct figures)."""
        return summary_line(self.figures)


def check_claims(
    store: Store | None = None,
    models: Iterable[str] | None = None,
    subject: str = SUBJECT,
    count: CostCounter | None = None,
    size: tuple[int, int] = HEADLINE_SIZE,
) -> Claims:
    """Check every published figure and comparison of ``models`` and the subject's claim, once."""
    measured = Measured(store, count)
    names = _known(models, measured)
    figures = _claims_frame(measured, names)
    table, lines = subject_claims(store, size=size, subject=subject, baselines=names, measured=measured)
    points = claim_points(measured, sorted(set(names) | {subject}), size)
    scored, dataset = scored_points(store, measured, size)
    return Claims(
        figures=figures,
        relative=relative_frame(measured, names),
        networks=network_summary(figures),
        subject=subject,
        subject_table=table,
        subject_lines=lines,
        points=points,
        front=front_lines(points, subject, "Published GoPro PSNR"),
        scored=scored,
        scored_dataset=dataset,
        scored_front=front_lines(scored, subject, f"Our scores on {dataset}") if not scored.empty else [],
    )
