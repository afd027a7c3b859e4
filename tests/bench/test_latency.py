"""Latency: CPU timing summary and settings; CUDA paths skip cleanly without CUDA."""

from __future__ import annotations

import pytest
import torch

import deblurbench as db
from deblurbench.bench.latency import TIMING_PLANS, LatencySettings, _time_calls, median_interval, summarize


def test_cpu_latency_result_carries_settings() -> None:
    result = db.latency("lmfn", (64, 64), warmup=1, repeats=3, threads=1)
    assert result["device"] == "cpu" and result["device_name"]
    assert result["torch_version"] == torch.__version__
    assert result["threads"] == 1
    assert result["repeats"] == 3
    assert 0 < result["p10_ms"] <= result["median_ms"] <= result["p90_ms"]
    assert result["peak_memory_mb"] is None
    assert (result["dtype"], result["batch"], result["channels_last"], result["compile"]) == (
        "float32",
        1,
        False,
        False,
    )
    assert result["method"] == "perf_counter"


def test_thread_count_restored() -> None:
    before = torch.get_num_threads()
    db.latency("lmfn", (64, 64), warmup=0, repeats=1, threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("opts", [{"dtype": "bfloat16"}, {"channels_last": True}, {"batch": 2}])
def test_cpu_options(opts: dict) -> None:
    result = db.latency("lmfn", (64, 64), warmup=0, repeats=1, **opts)
    for key, value in opts.items():
        expected = "bfloat16" if key == "dtype" else value
        assert result[key] == expected
    assert result["median_ms"] > 0


def test_size_padded_to_network_multiple() -> None:
    assert db.latency("lmfn", (70, 70), warmup=0, repeats=1)["input_size"] == [80, 80]


def test_summary_percentiles() -> None:
    stats = summarize([float(v) for v in range(1, 11)])
    assert stats["median_ms"] == 5.5
    assert stats["p10_ms"] == pytest.approx(1.9)
    assert stats["p90_ms"] == pytest.approx(9.1)
    assert (stats["min_ms"], stats["max_ms"]) == (1.0, 10.0)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="only makes sense on CUDA"):
        db.latency("lmfn", (64, 64), sync=False)
    with pytest.raises(ValueError, match="batch expects an integer >= 1; got 0"):
        db.latency("lmfn", (64, 64), batch=0)
    with pytest.raises(ValueError, match="unknown dtype"):
        db.latency("lmfn", (64, 64), dtype="fp8")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("sync", [True, False])
def test_cuda_latency_and_memory(sync: bool) -> None:
    result = db.latency("lmfn", (256, 256), device="cuda", warmup=2, repeats=5, sync=sync, dtype="float16")
    assert result["peak_memory_mb"] > 0
    assert result["method"] == ("cuda-events" if sync else result["method"])
    assert sync or "UNSYNCHRONISED" in result["method"]


def test_median_interval_is_the_order_statistic_interval() -> None:
    assert median_interval([1.0, 2.0, 3.0]) == (1.0, 3.0)  # fewer than 6: the full range
    values = [float(v) for v in range(1, 10)]  # n = 9: P(B <= 1) = 10/512 <= 0.025 < P(B <= 2)
    assert median_interval(values) == (2.0, 8.0)
    values = [float(v) for v in range(1, 31)]  # n = 30: ranks 10 and 21, as the binomial table gives
    assert median_interval(values) == (10.0, 21.0)


def test_repeats_stop_once_the_median_is_known() -> None:
    import time

    quick = TIMING_PLANS["quick"]
    calls = []
    times, stopped = _time_calls(
        lambda: calls.append(time.sleep(0.005)), torch.device("cpu"), quick, sync=True
    )
    assert stopped == "converged" and len(times) >= quick.min_repeats
    assert len(calls) == quick.warmup + len(times)
    assert quick.converged([10.0, 10.1, 10.2]) and not quick.converged([10.0, 14.0, 11.0])
    assert not quick.converged([10.0, 10.0])  # fewer than the minimum


def test_a_noisy_series_stops_at_the_budget_after_the_minimum() -> None:
    import itertools
    import time

    sleeps = itertools.cycle([0.0, 0.004, 0.0])
    plan = TIMING_PLANS["quick"].__class__(
        "t", warmup=0, min_repeats=3, max_repeats=1000, budget_s=0.05, tolerance=0.0
    )
    times, stopped = _time_calls(lambda: time.sleep(next(sleeps)), torch.device("cpu"), plan, sync=True)
    assert stopped == "budget" and 3 <= len(times) < 1000


def test_presets_and_overrides() -> None:
    publication = LatencySettings(timing="publication").plan()
    assert (publication.warmup, publication.min_repeats, publication.tolerance) == (10, 30, 0.01)
    fixed = LatencySettings(repeats=5, tolerance=0).plan()
    assert (fixed.max_repeats, fixed.min_repeats, fixed.tolerance) == (5, 3, 0)
    with pytest.raises(ValueError, match="timing expects quick or publication; got 'slow'"):
        LatencySettings(timing="slow").check()


def test_record_keeps_the_interval_and_why_it_stopped() -> None:
    result = db.latency("lmfn", (64, 64), threads=1)
    assert result.timing == "quick" and result.stopped in ("converged", "budget", "max repeats")
    assert result.ci_low_ms <= result.median_ms <= result.ci_high_ms and result.repeats >= 3


def test_a_wide_median_interval_is_noisy_even_with_a_tight_p90() -> None:
    from deblurbench.bench.latency import noisy

    # NAFNet-w32+TLC on a loaded machine: 1.9-9.3 s around an 8 s median, p90 only 1.1x the median
    assert noisy(8000.0, 9040.0, 1900.0, 9300.0).startswith("noisy (median interval 1.9e+03-9.3e+03")
    assert noisy(100.0, 104.0, 98.0, 103.0) == ""


def test_the_load_around_a_timing_is_recorded_and_a_busy_machine_is_said(monkeypatch) -> None:
    from deblurbench.bench import contention
    from deblurbench.bench.latency import doubt
    from deblurbench.bench.records import LatencyRecord

    loads = iter([1.0, 5.0])
    monkeypatch.setattr(contention, "load", lambda: next(loads))
    monkeypatch.setattr(contention, "cores", lambda: 2)
    record = db.latency("lmfn", (32, 32), warmup=0, repeats=3, threads=1)
    assert (record.load_before, record.load_after, record.cores) == (1.0, 5.0, 2)
    stored = LatencyRecord.from_row(record.to_row())  # kept in the details JSON: no schema change
    assert "busy machine (load 5 on 2 cores)" in doubt(stored.to_row())
    assert contention.busy(1.0, 1.5, 2) == "" and contention.busy(None, None, 2) == ""
