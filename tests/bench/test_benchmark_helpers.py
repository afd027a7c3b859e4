"""The benchmarks' own arithmetic: the RSS trend of a long evaluation and the GoPro-sized copy's scenes."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from gopro_load import SCENES, scene_counts
from harness import memory_trend, rss_mb


def test_memory_trend_of_a_steady_leak_and_of_a_flat_series():
    leak = [500.0 + 0.2 * i for i in range(200)]  # 0.2 MB per image, from 500 MB
    trend = memory_trend(leak, 49)
    assert trend.at_start_mb == pytest.approx(509.8)
    assert trend.at_end_mb == pytest.approx(539.8)
    assert trend.slope_mb_per_100 == pytest.approx(20.0)
    assert trend.slope_2se_mb_per_100 == pytest.approx(0.0, abs=1e-9)  # an exact line: no doubt
    assert trend.max_growth_mb == pytest.approx(30.0)
    assert trend.max_growth_pct == pytest.approx(100 * 30.0 / 509.8)

    flat = np.full(200, 900.0)
    flat[:49] = np.linspace(600, 900, 49)  # warm-up before the trend starts: not counted
    flat[120] = 960.0  # one spike: counted as the largest growth, barely in the slope
    trend = memory_trend(flat, 49)
    assert trend.max_growth_mb == pytest.approx(60.0)
    assert abs(trend.slope_mb_per_100) < 1.0
    assert abs(trend.slope_mb_per_100) < trend.slope_2se_mb_per_100  # one spike: no trend


def test_memory_trend_refuses_too_few_readings():
    with pytest.raises(ValueError, match="none or one from image 49 on"):
        memory_trend([1.0] * 50, 49)


def test_rss_is_read_in_mb():
    assert 1.0 < rss_mb() < 1e6


@pytest.mark.parametrize("pairs", [11, 12, 120, 1000, sum(SCENES.values())])
def test_scene_counts_spread_the_pairs_over_every_scene(pairs):
    counts = scene_counts(pairs)
    assert list(counts) == list(SCENES) and sum(counts.values()) == pairs
    assert min(counts.values()) >= 1
    if pairs == sum(SCENES.values()):
        assert counts == SCENES  # the real test set's 1,111 pairs in its 11 scenes


def test_scene_counts_refuses_fewer_pairs_than_scenes():
    with pytest.raises(SystemExit, match="--pairs 10"):
        scene_counts(10)
