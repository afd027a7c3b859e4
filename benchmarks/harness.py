"""What the benchmarks compare ``db.evaluate`` with, and how they read its memory.

:class:`ForwardAndMetrics` is the reference: a method's forward and the dataset protocol's
metrics on a pair already decoded, built from the same pieces ``db.evaluate`` uses (its
method runner, :class:`EvalSettings`, the protocol table), so the two differ only by the
harness around them. :func:`rss_mb` and :func:`memory_trend` say whether resident memory
stays flat over a long evaluation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from deblurbench.bench.evaluate import EvalSettings, Method, Restore, _model_runner, _sync
from deblurbench.bench.protocols import PROTOCOLS, ScoreContext
from deblurbench.datasets.paired import Pair, PairedDataset


@dataclass
class ForwardAndMetrics:
    """One method's forward and the metrics of ``db.evaluate``'s protocol, timed apart from any loading."""

    restore: Restore
    dataset: PairedDataset
    settings: EvalSettings  # resolved for ``dataset``

    @classmethod
    def build(
        cls,
        method: Method,
        dataset: PairedDataset,
        weights: str | Path | None = None,
        settings: EvalSettings | None = None,
    ) -> ForwardAndMetrics:
        """The reference for ``method`` on ``dataset``, scoring as ``settings`` (default: evaluate's)."""
        resolved = (settings or EvalSettings()).resolved(dataset)
        _, restore = _model_runner(method, weights, torch.device(resolved.device), resolved.dtype)
        return cls(restore, dataset, resolved)

    @property
    def device(self) -> torch.device:
        """Where the method runs and the metrics are computed."""
        return torch.device(self.settings.device)

    def context(self, pair: Pair, index: int) -> ScoreContext:
        """What the protocol needs to score ``pair`` (at ``index`` in the dataset)."""
        s = self.settings
        return ScoreContext(pair, self.dataset, index, s.quantized, s.conventions, s.lpips_net, self.device)

    def forward(self, pair: Pair) -> torch.Tensor:
        """The restored image of ``pair`` as ``db.evaluate`` scores it: float32 in [0, 1], on the device."""
        pred = self.restore(pair.blur[None].to(self.device), pair)
        _sync(self.device)
        return pred.to(torch.float32).clamp(0.0, 1.0)

    def score(self, pred: torch.Tensor, ctx: ScoreContext) -> dict[str, Any]:
        """The protocol's scores of ``pred``."""
        scores = PROTOCOLS.get(self.settings.protocol).score(pred, ctx)
        _sync(self.device)
        return scores

    def timed(self, pair: Pair, index: int) -> tuple[float, float]:
        """(forward seconds, metrics seconds) of one pair already in memory."""
        started = time.perf_counter()
        pred = self.forward(pair)
        forward_done = time.perf_counter()
        self.score(pred, self.context(pair, index))
        return forward_done - started, time.perf_counter() - forward_done


def rss_mb() -> float:
    """This process's resident memory now (``VmRSS`` of ``/proc/self/status``), in MB (10^6 bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("/proc/self/status has no VmRSS line: resident memory is read on Linux only")


@dataclass(frozen=True)
class MemoryTrend:
    """Resident memory from one image on: where it starts and ends, how far and how fast it grows."""

    start: int  # the index (0-based) of the image the trend starts at
    at_start_mb: float
    at_end_mb: float
    max_growth_mb: float  # the highest reading after ``start`` less the reading at ``start``
    max_growth_pct: float  # the same, in % of the reading at ``start``
    slope_mb_per_100: float  # least-squares slope over the readings from ``start`` on, MB per 100 images
    slope_2se_mb_per_100: float  # two standard errors of that slope: a smaller slope is not a trend


def memory_trend(readings_mb: list[float] | np.ndarray, start: int) -> MemoryTrend:
    """The :class:`MemoryTrend` of one reading per image (after it) from image ``start`` (0-based) on.

    Needs at least two readings from ``start`` on: a slope of one point is not a slope.
    """
    tail = np.asarray(readings_mb, dtype=np.float64)[start:]
    if start < 0 or len(tail) < 2:
        raise ValueError(
            f"memory_trend: {len(readings_mb)} readings, none or one from image {start} on; "
            "evaluate more images (or start earlier)"
        )
    x = np.arange(len(tail), dtype=np.float64)
    slope, intercept = np.polyfit(x, tail, 1)
    residuals = tail - (slope * x + intercept)
    spread = float(((x - x.mean()) ** 2).sum())
    se = np.sqrt((residuals**2).sum() / (len(tail) - 2) / spread) if len(tail) > 2 else np.inf
    growth = float(tail.max() - tail[0])
    return MemoryTrend(
        start=start,
        at_start_mb=float(tail[0]),
        at_end_mb=float(tail[-1]),
        max_growth_mb=growth,
        max_growth_pct=100.0 * growth / float(tail[0]),
        slope_mb_per_100=float(slope) * 100.0,
        slope_2se_mb_per_100=float(2 * se) * 100.0,
    )
