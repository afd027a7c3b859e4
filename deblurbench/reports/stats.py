"""Differences between two methods with their uncertainty: paired bootstrap intervals.

When two methods are scored on the same images, the question a reader asks is whether the
mean difference could be zero. A percentile bootstrap over images (resampling the pairs,
seeded, so a report is reproducible) gives its 95% interval; the counts of images where
each is better say how consistent the difference is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 10_000
LEVEL = 0.95


@dataclass(frozen=True)
class PairedDifference:
    """Mean of ``a - b`` over paired samples, its bootstrap interval, and how often each side is higher."""

    mean: float
    low: float
    high: float
    pairs: int
    a_higher: int
    b_higher: int

    @property
    def significant(self) -> bool:
        """Whether the interval excludes 0."""
        return not (self.low <= 0.0 <= self.high)

    def describe(self, unit: str, decimals: int = 2) -> str:
        """``+0.35 dB [0.20, 0.51] over 24 images`` and whether the interval contains 0."""
        text = (
            f"{self.mean:+.{decimals}f} {unit} (95% interval {self.low:+.{decimals}f} to {self.high:+.{decimals}f}, "
            f"{self.pairs} pairs; higher on {self.a_higher}, lower on {self.b_higher})"
        )
        return text + ("" if self.significant else ": not significant, the interval contains 0")


def paired_difference(
    a: np.ndarray, b: np.ndarray, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0
) -> PairedDifference:
    """The mean of ``a - b`` over pairs with a percentile bootstrap interval (pairs resampled together)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"paired samples need two equal, non-empty 1-D arrays (got {a.shape} and {b.shape})")
    diff = a - b
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return PairedDifference(
        float(diff.mean()), float(low), float(high), len(diff), int((diff > 0).sum()), int((diff < 0).sum())
    )
