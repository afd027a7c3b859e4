"""Latency and peak memory of a network's official test-time path.

CUDA: CUDA events around each call, warm-up first, a synchronize before every
reading, many repeats; ``cudnn.benchmark`` recorded; peak memory from
``torch.cuda.max_memory_allocated``. CPU: ``time.perf_counter`` around each call,
warm-up, repeats, thread count recorded (peak memory is not measured on CPU).

``sync=False`` is the clearly labelled *unsynchronised* CUDA mode: wall time
around the launch only, as many deblurring papers timed their networks. It
under-states GPU latency (MIMO-UNet's README: MPRNet 0.075 s vs 1.474 s) and is
never the default; it exists so the claims report can show which one a paper's
runtime matches.
"""

from __future__ import annotations

import contextlib
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..models import ModelSpec
from ..models.restorer import padded_size, parse_device, parse_dtype
from .complexity import OfficialPath, _resolve


def device_name(device: torch.device) -> str:
    """A human name for the device: the GPU's name, or the CPU model."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[int]:
    previous = torch.get_num_threads()
    if n is not None:
        if n < 1:
            raise ValueError(f"threads={n}: must be at least 1")
        torch.set_num_threads(n)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(previous)


def _to_channels_last(module: nn.Module) -> None:
    """NHWC for every 4-D parameter and buffer (``Module.to`` refuses models with 5-D weights)."""
    with torch.no_grad():
        for tensor in [*module.parameters(), *module.buffers()]:
            if tensor.dim() == 4:
                tensor.data = tensor.data.contiguous(memory_format=torch.channels_last)


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default) of already sorted values."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(times_ms: list[float]) -> dict[str, float]:
    """Median, mean, p10, p90, min, max and standard deviation of timings in ms."""
    ordered = sorted(times_ms)
    return {
        "median_ms": statistics.median(ordered),
        "mean_ms": statistics.fmean(ordered),
        "p10_ms": _percentile(ordered, 0.10),
        "p90_ms": _percentile(ordered, 0.90),
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
        "std_ms": statistics.pstdev(ordered) if len(ordered) > 1 else 0.0,
    }


def _time_calls(
    fn: Callable[[], Any], device: torch.device, warmup: int, repeats: int, max_time_s: float, sync: bool
) -> list[float]:
    cuda = device.type == "cuda"
    for _ in range(warmup):
        fn()
    if cuda:
        torch.cuda.synchronize(device)
    times: list[float] = []
    budget_end = time.perf_counter() + max_time_s
    while len(times) < repeats:
        if cuda and sync:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
            if cuda:  # unsynchronised mode: drain the queue outside the timed region
                torch.cuda.synchronize(device)
        if len(times) >= 5 and time.perf_counter() > budget_end:
            break
    return times


def latency(
    model_or_name: str | nn.Module,
    size: tuple[int, int] = (256, 256),
    device: str | torch.device = "cpu",
    *,
    batch: int = 1,
    dtype: str | torch.dtype = "float32",
    channels_last: bool = False,
    compile: bool = False,
    threads: int | None = None,
    warmup: int = 3,
    repeats: int = 30,
    max_time_s: float = 10.0,
    sync: bool = True,
    cudnn_benchmark: bool = True,
    spec: ModelSpec | None = None,
) -> dict[str, Any]:
    """Time one network's official test-time path at ``size`` = (H, W) on ``device``.

    ``dtype`` float16 / bfloat16 run under autocast (weights stay float32), as
    mixed-precision inference is done in practice; float64 casts the weights.
    Repeats stop early (after at least 5) once ``max_time_s`` is spent.
    Returns the timing summary in ms plus every setting, the device name and
    the torch version.
    """
    dev = parse_device(device)
    precision = parse_dtype(dtype)
    if batch < 1:
        raise ValueError(f"batch={batch}: must be at least 1")
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats={repeats}, warmup={warmup}: need repeats >= 1 and warmup >= 0")
    if not sync and dev.type != "cuda":
        raise ValueError("sync=False (unsynchronised timing) only makes sense on CUDA")
    model, spec = _resolve(model_or_name, spec)
    height, width = size
    input_size = padded_size(spec, height, width)

    weight_dtype = torch.float64 if precision == torch.float64 else torch.float32
    path = OfficialPath(model, spec).to(device=dev, dtype=weight_dtype)
    path.train(spec.test_mode == "train")
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        _to_channels_last(path)
    x = torch.rand(batch, 3, *input_size, device=dev, dtype=weight_dtype).contiguous(
        memory_format=memory_format
    )
    runner: Callable[[torch.Tensor], Any] = torch.compile(path) if compile else path
    autocast = (
        torch.autocast(dev.type, dtype=precision)
        if precision in (torch.float16, torch.bfloat16)
        else contextlib.nullcontext()
    )

    def call() -> Any:
        with torch.inference_mode(), autocast:
            return runner(x)

    previous_benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = cudnn_benchmark
    try:
        with _threads(threads) as n_threads:
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
                torch.cuda.reset_peak_memory_stats(dev)
            times = _time_calls(call, dev, warmup, repeats, max_time_s, sync)
            peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
    finally:
        torch.backends.cudnn.benchmark = previous_benchmark

    if dev.type == "cuda":
        method = (
            "cuda-events" if sync else "UNSYNCHRONISED wall time (as many papers timed; not true latency)"
        )
    else:
        method = "perf_counter"
    return {
        "model": spec.name,
        "device": dev.type,
        "device_name": device_name(dev),
        "torch_version": torch.__version__,
        "dtype": str(precision).removeprefix("torch."),
        "autocast": precision in (torch.float16, torch.bfloat16),
        "batch": batch,
        "size": [height, width],
        "input_size": list(input_size),
        "channels_last": channels_last,
        "compile": compile,
        "threads": n_threads if dev.type == "cpu" else None,
        "cudnn_benchmark": cudnn_benchmark if dev.type == "cuda" else None,
        "sync": sync,
        "method": method,
        "warmup": warmup,
        "repeats": len(times),
        **summarize(times),
        "peak_memory_mb": peak,
    }
