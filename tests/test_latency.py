"""Latency: CPU timing summary and settings; CUDA paths skip cleanly without CUDA."""

from __future__ import annotations

import pytest
import torch

import deblurbench as db
from deblurbench.bench.latency import summarize


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
    assert torch.get_num_threads() != 1 or torch.get_num_threads() == 1  # restored below
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
    with pytest.raises(ValueError, match="batch=0"):
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
