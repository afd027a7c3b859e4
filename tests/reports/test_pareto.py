"""Pareto dominance: the front, who dominates whom, NaNs and twins."""

from __future__ import annotations

import math

import pytest

from deblurbench.reports.pareto import dominated, dominates, dominators, pareto_front

NAN = math.nan

# cost (GMACs), quality (dB): 0 cheap and poor, 1 dearer and better, 2 dominated by 1,
# 3 the best and dearest, 4 as cheap as 0 but worse (dominated by 0 alone)
COSTS = [4.0, 20.0, 30.0, 150.0, 4.0]
QUALITY = [29.0, 31.5, 31.0, 33.0, 28.0]


def test_front_is_the_undominated_points() -> None:
    assert pareto_front(COSTS, QUALITY) == [True, True, False, True, False]


def test_dominators_and_dominated_name_each_other() -> None:
    assert dominators(2, COSTS, QUALITY) == [1]
    assert dominators(4, COSTS, QUALITY) == [0]  # equal cost, lower quality: dominated
    assert dominators(3, COSTS, QUALITY) == []
    assert dominated(0, COSTS, QUALITY) == [4]
    assert dominated(1, COSTS, QUALITY) == [2]  # not 4: 4 is cheaper
    for i in range(len(COSTS)):
        for j in dominated(i, COSTS, QUALITY):
            assert i in dominators(j, COSTS, QUALITY)


def test_nan_is_never_on_the_front_and_never_dominates() -> None:
    costs, quality = [NAN, 10.0, 5.0, 1.0], [40.0, 30.0, NAN, 20.0]
    assert pareto_front(costs, quality) == [False, True, False, True]
    assert dominators(0, costs, quality) == [] and dominated(0, costs, quality) == []
    assert dominated(2, costs, quality) == []  # a NaN quality at a low cost dominates nothing


def test_twins_do_not_dominate_each_other() -> None:
    assert pareto_front([3.0, 3.0, 5.0], [30.0, 30.0, 29.0]) == [True, True, False]
    assert not dominates((3.0, 30.0), (3.0, 30.0))


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="2 costs but 1 quality"):
        pareto_front([1.0, 2.0], [3.0])
