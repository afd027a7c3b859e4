"""Pareto dominance between methods on cost (lower is better) and quality (higher is better).

A point *dominates* another when its cost is no higher and its quality no lower, one of
them strictly. The front is the points nothing dominates: the trade-offs a claim of
"better and cheaper" is read against. A point with a NaN coordinate is not comparable:
it dominates nothing, nothing dominates it, and it is never on the front.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _comparable(cost: float, quality: float) -> bool:
    return not (math.isnan(cost) or math.isnan(quality))


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether point ``a`` (cost, quality) dominates ``b``: no costlier, no worse, and one strictly."""
    if not (_comparable(*a) and _comparable(*b)):
        return False
    (cost_a, quality_a), (cost_b, quality_b) = a, b
    return cost_a <= cost_b and quality_a >= quality_b and (cost_a < cost_b or quality_a > quality_b)


def dominators(i: int, costs: Sequence[float], quality: Sequence[float]) -> list[int]:
    """Indices of the points that dominate point ``i``, in index order."""
    point = (costs[i], quality[i])
    return [j for j in range(len(costs)) if j != i and dominates((costs[j], quality[j]), point)]


def dominated(i: int, costs: Sequence[float], quality: Sequence[float]) -> list[int]:
    """Indices of the points that point ``i`` dominates, in index order."""
    point = (costs[i], quality[i])
    return [j for j in range(len(costs)) if j != i and dominates(point, (costs[j], quality[j]))]


def pareto_front(costs: Sequence[float], quality: Sequence[float]) -> list[bool]:
    """Per point, whether it is on the Pareto front (comparable, and dominated by no other point).

    Points with identical coordinates do not dominate each other: twins are on the front together.
    """
    if len(costs) != len(quality):
        raise ValueError(f"{len(costs)} costs but {len(quality)} quality values")
    return [
        _comparable(costs[i], quality[i]) and not dominators(i, costs, quality) for i in range(len(costs))
    ]
