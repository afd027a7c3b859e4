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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..models import ModelSpec
from ..models.restorer import padded_size, parse_device, parse_dtype
from .complexity import OfficialPath, _resolve
from .records import LatencyRecord


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


@dataclass(frozen=True)
class LatencySettings:
    """How a timing is taken, resolved against this machine: the settings part of its key.

    :meth:`resolve` fills what the defaults leave open (the device's name, the CPU thread
    count, the canonical dtype name), so that the key a timing will be stored under is
    known before it is taken (the runner's is-done check) and is the same key
    :func:`latency` writes into its record.
    """

    device: str = "cpu"
    dtype: str = "float32"
    batch: int = 1
    channels_last: bool = False
    compile: bool = False
    threads: int | None = None
    sync: bool = True
    warmup: int = 3
    repeats: int = 30
    max_time_s: float = 10.0
    cudnn_benchmark: bool = True

    def check(self) -> LatencySettings:
        """One-line ``ValueError`` for settings that cannot work; returns self."""
        dev = parse_device(self.device)
        parse_dtype(self.dtype)
        if self.batch < 1:
            raise ValueError(f"batch={self.batch}: must be at least 1")
        if self.repeats < 1 or self.warmup < 0:
            raise ValueError(
                f"repeats={self.repeats}, warmup={self.warmup}: need repeats >= 1 and warmup >= 0"
            )
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads={self.threads}: must be at least 1")
        if self.max_time_s <= 0:
            raise ValueError(f"max_time_s={self.max_time_s}: must be > 0")
        if not self.sync and dev.type != "cuda":
            raise ValueError("sync=False (unsynchronised timing) only makes sense on CUDA")
        return self

    def check_fits(self, model: nn.Module, spec: ModelSpec, input_size: tuple[int, int]) -> None:
        """One-line ``MemoryError`` before any allocation when the forward cannot fit on the device."""
        from .memory import check_fits

        weight_dtype = torch.float64 if parse_dtype(self.dtype) == torch.float64 else torch.float32
        check_fits(model, spec, (self.batch, 3, *input_size), weight_dtype, parse_device(self.device))

    def key(self, model: str, size: tuple[int, int]) -> dict[str, Any]:
        """The :class:`LatencyRecord` key this timing of ``model`` at ``size`` has on this machine."""
        dev = parse_device(self.device)
        threads = (self.threads or torch.get_num_threads()) if dev.type == "cpu" else 0
        return {
            "model": model,
            "device": dev.type,
            "device_name": device_name(dev),
            "torch_version": torch.__version__,
            "dtype": str(parse_dtype(self.dtype)).removeprefix("torch."),
            "batch": int(self.batch),
            "height": int(size[0]),
            "width": int(size[1]),
            "channels_last": bool(self.channels_last),
            "compile": bool(self.compile),
            "threads": int(threads),
            "sync": bool(self.sync),
        }


def _timed_call(path: nn.Module, x: torch.Tensor, settings: LatencySettings) -> Callable[[], Any]:
    """The call to time: the (compiled) path on ``x`` in inference mode, under autocast for half types."""
    precision = parse_dtype(settings.dtype)
    runner: Callable[[torch.Tensor], Any] = torch.compile(path) if settings.compile else path
    autocast = (
        torch.autocast(x.device.type, dtype=precision)
        if precision in (torch.float16, torch.bfloat16)
        else contextlib.nullcontext()
    )

    def call() -> Any:
        with torch.inference_mode(), autocast:
            return runner(x)

    return call


def _prepared(
    model: nn.Module, spec: ModelSpec, input_size: tuple[int, int], settings: LatencySettings
) -> tuple[nn.Module, torch.Tensor]:
    """The official path on the device in the weights' dtype and memory format, and an input."""
    dev = parse_device(settings.device)
    weight_dtype = torch.float64 if parse_dtype(settings.dtype) == torch.float64 else torch.float32
    path = OfficialPath(model, spec).to(device=dev, dtype=weight_dtype)
    path.train(spec.test_mode == "train")
    fmt = torch.channels_last if settings.channels_last else torch.contiguous_format
    if settings.channels_last:
        _to_channels_last(path)
    x = torch.rand(settings.batch, 3, *input_size, device=dev, dtype=weight_dtype)
    return path, x.contiguous(memory_format=fmt)


def _method(device: torch.device, sync: bool) -> str:
    if device.type != "cuda":
        return "perf_counter"
    return "cuda-events" if sync else "UNSYNCHRONISED wall time (as many papers timed; not true latency)"


def _measure(call: Callable[[], Any], settings: LatencySettings) -> tuple[list[float], float | None]:
    """Timings in ms and the CUDA peak memory in MiB (None on CPU), with cudnn.benchmark as asked."""
    dev = parse_device(settings.device)
    previous_benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = settings.cudnn_benchmark
    try:
        with _threads(settings.threads):
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
                torch.cuda.reset_peak_memory_stats(dev)
            times = _time_calls(
                call, dev, settings.warmup, settings.repeats, settings.max_time_s, settings.sync
            )
            peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
    finally:
        torch.backends.cudnn.benchmark = previous_benchmark
    return times, peak


def latency(
    model_or_name: str | nn.Module,
    size: tuple[int, int] = (256, 256),
    device: str | torch.device = "cpu",
    *,
    spec: ModelSpec | None = None,
    settings: LatencySettings | None = None,
    **options: Any,
) -> LatencyRecord:
    """Time one network's official test-time path at ``size`` = (H, W) on ``device``.

    ``options`` are the fields of :class:`LatencySettings` (batch, dtype, channels_last,
    compile, threads, warmup, repeats, max_time_s, sync, cudnn_benchmark), or pass
    ``settings``. ``dtype`` float16 / bfloat16 run under autocast (weights stay float32),
    as mixed-precision inference is done in practice; float64 casts the weights.
    Repeats stop early (after at least 5) once ``max_time_s`` is spent. Returns a
    :class:`~deblurbench.bench.records.LatencyRecord` (``.to_dict()``: the flat dict).
    """
    settings = (settings or LatencySettings(device=str(device), **options)).check()
    model, spec = _resolve(model_or_name, spec)
    input_size = padded_size(spec, *size)
    settings.check_fits(model, spec, input_size)
    path, x = _prepared(model, spec, input_size, settings)
    times, peak = _measure(_timed_call(path, x, settings), settings)
    dev = parse_device(settings.device)
    key = settings.key(spec.name, size)
    return LatencyRecord(
        **key,
        **summarize(times),
        repeats=len(times),
        peak_memory_mb=peak,
        input_height=input_size[0],
        input_width=input_size[1],
        warmup=settings.warmup,
        method=_method(dev, settings.sync),
        autocast=parse_dtype(settings.dtype) in (torch.float16, torch.bfloat16),
        cudnn_benchmark=settings.cudnn_benchmark if dev.type == "cuda" else None,
    )
