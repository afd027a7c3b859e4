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
import json
import math
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .. import sizes
from ..models import ModelSpec
from ..models.restorer import (
    DEVICES,
    DTYPE_NAMES,
    canonical_device,
    canonical_dtype,
    padded_size,
    parse_device,
    parse_dtype,
)
from ..options import boolean, either, integer, number, one_of, option, optional
from ..options import check as check_options
from . import contention
from .complexity import _resolve
from .official_path import OfficialPath
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


def median_interval(sorted_ms: list[float], level: float = 0.95) -> tuple[float, float]:
    """A distribution-free interval for the median: order statistics from the binomial law.

    ``[x_(k), x_(n+1-k)]`` with the largest k for which ``P(Binomial(n, 1/2) < k) <= (1 - level) / 2``;
    with fewer than 6 timings (no such k above 1) it is the full range, whose coverage is
    ``1 - 2^(1-n)`` (75% for 3, 94% for 5).
    """
    n = len(sorted_ms)
    tail, k, cdf = (1 - level) / 2, 0, 0.0
    while cdf + math.comb(n, k) / 2**n <= tail:
        cdf += math.comb(n, k) / 2**n
        k += 1
    k = max(k, 1)
    return sorted_ms[k - 1], sorted_ms[n - k]


NOISY_SPREAD = 1.5  # a p90 above this multiple of the median is noisy
NOISY_WIDTH = 0.5  # so is a median interval wider than this fraction of the median (1.9-9.3 s always is)


def _number(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def noisy(median: float | None, p90: float | None, low: float | None, high: float | None) -> str:
    """``noisy (...)`` where the spread or the median's interval says the timing is not to be trusted, else ""."""
    median, p90, low, high = (_number(x) for x in (median, p90, low, high))
    if not median:
        return ""
    if p90 is not None and p90 / median > NOISY_SPREAD:
        return f"noisy (p90 {p90 / median:.2g}x median)"
    if low is not None and high is not None and (high - low) / median > NOISY_WIDTH:
        return f"noisy (median interval {low:.3g}-{high:.3g} ms)"
    return ""


def doubt(row: Mapping[str, Any]) -> str:
    """Why a latency row's figures are not to be ranked: noisy and/or taken on a busy machine, else ""."""
    details = row.get("details")
    if isinstance(details, str):
        details = json.loads(details or "{}")
    details = details if isinstance(details, Mapping) else row
    reasons = [
        noisy(row.get("median_ms"), row.get("p90_ms"), row.get("ci_low_ms"), row.get("ci_high_ms")),
        contention.busy(details.get("load_before"), details.get("load_after"), details.get("cores")),
    ]
    return "; ".join(r for r in reasons if r)


@dataclass(frozen=True)
class TimingPlan:
    """When to stop repeating: warm-up, repeat bounds, the time budget and the precision to reach."""

    name: str
    warmup: int
    min_repeats: int
    max_repeats: int
    budget_s: float
    tolerance: float  # stop once the median's interval half-width is within this fraction of it

    def converged(self, times_ms: list[float]) -> bool:
        """Whether the median of ``times_ms`` is known to within the tolerance (and enough were taken)."""
        if len(times_ms) < self.min_repeats:
            return False
        ordered = sorted(times_ms)
        low, high = median_interval(ordered)
        return (high - low) / 2 <= self.tolerance * statistics.median(ordered)


# quick: the default run (one warm-up; stop when the median is known to 5% or 3 s are spent; at least
# 3 repeats). publication: more warm-up and repeats, to 1%, as a paper's table should be timed.
TIMING_PLANS = {
    plan.name: plan
    for plan in (
        TimingPlan("quick", warmup=1, min_repeats=3, max_repeats=30, budget_s=3.0, tolerance=0.05),
        TimingPlan(
            "publication", warmup=10, min_repeats=30, max_repeats=1000, budget_s=120.0, tolerance=0.01
        ),
    )
}


def _time_once(fn: Callable[[], Any], device: torch.device, sync: bool) -> float:
    """One call in ms: CUDA events and a synchronize, or wall time (unsynchronised CUDA: launch only)."""
    if device.type == "cuda" and sync:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end)
    t0 = time.perf_counter()
    fn()
    elapsed = (time.perf_counter() - t0) * 1e3
    if device.type == "cuda":  # unsynchronised mode: drain the queue outside the timed region
        torch.cuda.synchronize(device)
    return elapsed


def _time_calls(
    fn: Callable[[], Any], device: torch.device, plan: TimingPlan, sync: bool
) -> tuple[list[float], str]:
    """Timings in ms after the warm-up, and why they stopped: converged, budget or max repeats."""
    for _ in range(plan.warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    times: list[float] = []
    budget_end = time.perf_counter() + plan.budget_s
    while len(times) < plan.max_repeats:
        times.append(_time_once(fn, device, sync))
        if plan.converged(times):
            return times, "converged"
        if len(times) >= plan.min_repeats and time.perf_counter() > budget_end:
            return times, "budget"
    return times, "max repeats"


# what --timing and latency_timing say of the presets
TIMING_HELP = (
    "quick (default: one warm-up, repeat until the median is known to 5%% or 3 s are spent, at least 3) "
    "or publication (10 warm-ups, at least 30 repeats, to 1%%, up to 120 s)"
)
DEVICE = f"a device of this machine: {DEVICES}"  # what a device option expects
_COUNT = optional(integer(1))


@dataclass(frozen=True)
class LatencySettings:
    """How a timing is taken, resolved against this machine: the settings part of its key.

    Each field is an option (:mod:`deblurbench.options`): ``deblurbench latency``'s flags and
    the run configuration's ``latency_*`` keys are derived from these declarations.
    :meth:`resolve` fills what the defaults leave open (the device's name, the CPU thread
    count, the canonical dtype name), so that the key a timing will be stored under is
    known before it is taken (the runner's is-done check) and is the same key
    :func:`latency` writes into its record.
    """

    device: str = option("cpu", canonical_device, DEVICE, help=DEVICES, flag="--device")
    dtype: str = option(
        "float32",
        canonical_dtype,
        either(DTYPE_NAMES),
        help=f"{either(DTYPE_NAMES)} (autocast)",
        flag="--dtype",
    )
    batch: int = option(1, integer(1), "an integer >= 1", flag="--batch")
    channels_last: bool = option(False, boolean, "true or false", flag="--channels-last")
    compile: bool = option(
        False, boolean, "true or false", help="torch.compile the network first", flag="--compile"
    )
    threads: int | None = option(
        None, _COUNT, "an integer >= 1 (CPU threads)", help="CPU threads (default: torch's)", flag="--threads"
    )
    # a TIMING_PLANS preset; the fields below it override its parts
    timing: str = option(
        "quick",
        one_of(tuple(TIMING_PLANS)),
        either(tuple(TIMING_PLANS)),
        help=TIMING_HELP,
        flag="--timing",
        choices=tuple(TIMING_PLANS),
    )
    warmup: int | None = option(
        None,
        optional(integer(0)),
        "an integer >= 0",
        help="warm-up calls (default: the preset's)",
        flag="--warmup",
    )
    repeats: int | None = option(
        None,
        _COUNT,
        "an integer >= 1 (the most repeats)",
        help="the most timed calls (default: the preset's)",
        flag="--repeats",
    )
    min_repeats: int | None = option(
        None,
        _COUNT,
        "an integer >= 1",
        help="the fewest timed calls (default: the preset's)",
        flag="--min-repeats",
    )
    max_time_s: float | None = option(  # the time budget
        None,
        optional(number(0, strict=True)),
        "a number of seconds > 0",
        help="the time budget in seconds (default: the preset's)",
        flag="--max-time",
    )
    tolerance: float | None = option(
        None,
        optional(number(0, strict=False)),
        "a number >= 0 (0: never stop early)",
        help="stop when the median is known to this fraction (0: never early)",
        flag="--tolerance",
    )
    sync: bool = option(
        True,
        boolean,
        "true or false",
        help="CUDA only: time without synchronising, as many papers did (NOT the true latency)",
        flag="--unsynchronised",
    )
    cudnn_benchmark: bool = option(True, boolean, "true or false")

    def plan(self) -> TimingPlan:
        """The timing plan: the preset with every field given here overriding it."""
        preset = TIMING_PLANS[self.timing]  # a preset's name: check() reads it as declared
        given = {
            "warmup": self.warmup,
            "max_repeats": self.repeats,
            "min_repeats": self.min_repeats,
            "budget_s": self.max_time_s,
            "tolerance": self.tolerance,
        }
        plan = replace(preset, **{k: v for k, v in given.items() if v is not None})
        return replace(plan, min_repeats=min(plan.min_repeats, plan.max_repeats))

    def check(self) -> LatencySettings:
        """One-line ``ValueError`` for settings that cannot work (each option read as declared); returns self."""
        check_options(self, "latency")
        if self.repeats is not None and self.min_repeats is not None and self.min_repeats > self.repeats:
            raise ValueError(
                f"min_repeats={self.min_repeats} (--min-repeats) is more than repeats={self.repeats} (--repeats): "
                "the fewest timed calls cannot exceed the most"
            )
        if (
            self.threads is not None
            and parse_device(self.device).type == "cpu"
            and self.threads > contention.cores()
        ):
            raise ValueError(
                f"threads={self.threads} (--threads) is more than the {contention.cores()} cores this process "
                "may use: the threads would time each other; give at most that many"
            )
        if not self.sync and parse_device(self.device).type != "cuda":
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
            "timing": self.timing_label(),
        }

    def timing_label(self) -> str:
        """The plan as keyed: the preset's name, and each repeat bound or stopping rule given over it.

        ``quick`` alone is the preset; ``quick, repeats<=50`` a timing that may repeat 50 times,
        so a rerun with other bounds is timed anew instead of found "already in the store".
        The warm-up is left out: it changes no figure (the runner sets it to 0 on a warm network).
        """
        given = (
            ("repeats<=", self.repeats),
            ("repeats>=", self.min_repeats),
            ("max-time=", self.max_time_s),
            ("tolerance=", self.tolerance),
        )
        return ", ".join([self.timing, *(f"{name}{value:g}" for name, value in given if value is not None)])


def check_grid(models: Sequence[str], sizes: Sequence[tuple[int, int]], settings: LatencySettings) -> None:
    """Refuse, before any timing, each network and size whose forward cannot fit on the device (one line)."""
    from ..models import create_model, get_spec
    from .memory import needs_check

    for model in models:
        for size in sizes:
            input_size = padded_size(get_spec(model), *size)
            if needs_check((settings.batch, 3, *input_size)):
                settings.check_fits(create_model(model), get_spec(model), input_size)


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


def _measure(call: Callable[[], Any], settings: LatencySettings) -> tuple[list[float], str, float | None]:
    """Timings in ms, why they stopped, and the CUDA peak memory in MiB (None on CPU)."""
    dev = parse_device(settings.device)
    previous_benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = settings.cudnn_benchmark
    try:
        with _threads(settings.threads):
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
                torch.cuda.reset_peak_memory_stats(dev)
            times, stopped = _time_calls(call, dev, settings.plan(), settings.sync)
            peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
    finally:
        torch.backends.cudnn.benchmark = previous_benchmark
    return times, stopped, peak


def latency(
    model_or_name: str | nn.Module,
    size: tuple[int, int] = sizes.HEADLINE,
    device: str | torch.device = "cpu",
    *,
    spec: ModelSpec | None = None,
    settings: LatencySettings | None = None,
    **options: Any,
) -> LatencyRecord:
    """Time one network's official test-time path at ``size`` = (H, W) on ``device``.

    ``options`` are the fields of :class:`LatencySettings` (batch, dtype, channels_last,
    compile, threads, timing, warmup, repeats, min_repeats, max_time_s, tolerance, sync,
    cudnn_benchmark), or pass
    ``settings``. ``dtype`` float16 / bfloat16 run under autocast (weights stay float32),
    as mixed-precision inference is done in practice; float64 casts the weights.
    After the warm-up, calls are repeated until the median is known to within the plan's
    tolerance (its order-statistic interval, :func:`median_interval`), or the budget is
    spent, at least ``min_repeats`` times (``timing="quick"`` or ``"publication"``, see
    :data:`TIMING_PLANS`); the record keeps the repeats, the interval and why it stopped. Returns a
    :class:`~deblurbench.bench.records.LatencyRecord` (``.to_dict()``: the flat dict).
    """
    settings = (settings or LatencySettings(device=str(device), **options)).check()
    model, spec = _resolve(model_or_name, spec)
    input_size = padded_size(spec, *size)
    settings.check_fits(model, spec, input_size)
    path, x = _prepared(model, spec, input_size, settings)
    load_before = contention.load()
    times, stopped, peak = _measure(_timed_call(path, x, settings), settings)
    load_after = contention.load()
    dev = parse_device(settings.device)
    key = settings.key(spec.name, size)
    low, high = median_interval(sorted(times))
    return LatencyRecord(
        **key,
        **summarize(times),
        repeats=len(times),
        ci_low_ms=low,
        ci_high_ms=high,
        stopped=stopped,
        peak_memory_mb=peak,
        input_height=input_size[0],
        input_width=input_size[1],
        warmup=settings.plan().warmup,
        method=_method(dev, settings.sync),
        autocast=parse_dtype(settings.dtype) in (torch.float16, torch.bfloat16),
        cudnn_benchmark=settings.cudnn_benchmark if dev.type == "cuda" else None,
        load_before=load_before,
        load_after=load_after,
        cores=contention.cores(),
    )
