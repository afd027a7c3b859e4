"""The sweep: models x measurements; asks the store what is done, does the rest.

Every outcome is recorded: a result row, or a failure row when a measurement
raises (the sweep then goes on with the next one). A killed sweep resumes
without redoing finished work, because each measurement has a natural key
in the store and is skipped when present.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch

from .bench.complexity import complexity
from .bench.latency import device_name, latency
from .bench.store import Store, latency_key
from .config import RunConfig, format_size
from .models import get_spec, list_models
from .models.restorer import parse_device, parse_dtype


@dataclass(frozen=True)
class Measurement:
    """One unit of work of a sweep: a network, what to measure, at which size."""

    model: str
    kind: str  # "complexity" or "latency"
    size: tuple[int, int]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """e.g. ``complexity 256x256``: used in failure rows and progress."""
        return f"{self.kind} {format_size(self.size)}"


@dataclass
class SweepSummary:
    """Counts of what a sweep did."""

    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def check_size(model: str, size: tuple[int, int]) -> None:
    """Reject a size below the network's minimum, with a one-line reason."""
    spec = get_spec(model)
    if size[0] < spec.min_size or size[1] < spec.min_size:
        raise ValueError(
            f"size {format_size(size)} is below {model}'s minimum "
            f"{spec.min_size}x{spec.min_size} ({spec.sizes})"
        )


def _latency_key(m: Measurement) -> tuple:
    """The store key the latency result of ``m`` will have, known before measuring."""
    opts = m.options
    dev = parse_device(opts.get("device", "cpu"))
    planned = {
        "model": m.model,
        "device": dev.type,
        "device_name": device_name(dev),
        "torch_version": torch.__version__,
        "dtype": str(parse_dtype(opts.get("dtype", "float32"))).removeprefix("torch."),
        "batch": opts.get("batch", 1),
        "size": m.size,
        "channels_last": opts.get("channels_last", False),
        "compile": opts.get("compile", False),
        "threads": opts.get("threads") or (torch.get_num_threads() if dev.type == "cpu" else None),
        "sync": opts.get("sync", True),
    }
    return latency_key(planned)


def plan(config: RunConfig) -> list[Measurement]:
    """The measurements of ``deblurbench run`` for a configuration."""
    models = list(config.models) or list_models()
    work: list[Measurement] = []
    for model in models:
        get_spec(model)  # unknown names fail here, before any work
        for size in config.complexity_sizes:
            work.append(Measurement(model, "complexity", size))
        for size in config.macs_sizes:
            if size not in config.complexity_sizes:
                work.append(Measurement(model, "complexity", size))
        for size in config.latency_sizes:
            opts = {
                "device": config.latency_device,
                "dtype": config.latency_dtype,
                "repeats": config.latency_repeats,
                "warmup": config.latency_warmup,
                "max_time_s": config.latency_max_time_s,
                "threads": config.threads,
            }
            work.append(Measurement(model, "latency", size, opts))
    return work


def is_done(store: Store, m: Measurement) -> bool:
    """Whether the store already holds this measurement."""
    if m.kind == "complexity":
        return store.has_complexity(m.model, *m.size)
    return store.has_latency(_latency_key(m))


def measure(m: Measurement) -> dict[str, Any]:
    """Do one measurement."""
    if m.kind == "complexity":
        return complexity(m.model, m.size, **m.options)
    if m.kind == "latency":
        return latency(m.model, m.size, **m.options)
    raise ValueError(f"unknown measurement kind {m.kind!r}")


def sweep(
    work: Iterable[Measurement],
    store: Store,
    run_id: int | None = None,
    progress: bool | None = None,
    on_result: Callable[[Measurement, dict[str, Any]], None] | None = None,
) -> SweepSummary:
    """Do every measurement the store lacks; record results and failures as they come."""
    from tqdm import tqdm

    work = list(work)
    summary = SweepSummary()
    show = sys.stderr.isatty() and sys.stdout.isatty() if progress is None else progress
    bar = tqdm(work, disable=not show, unit="task", file=sys.stderr, dynamic_ncols=True)
    for m in bar:
        bar.set_description(f"{m.model}: {m.label}")
        if is_done(store, m):
            summary.skipped += 1
            continue
        try:
            result = measure(m)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0]
            detail = traceback.format_exc(limit=3)
            store.put_failure(m.model, m.label, f"{message}\n{detail}", run_id)
            summary.failed.append((m.model, m.label, message))
            print(f"deblurbench: {m.model} {m.label} failed ({message}); recorded, going on", file=sys.stderr)
            continue
        if m.kind == "complexity":
            store.put_complexity(result, run_id)
        else:
            store.put_latency(result, run_id)
        summary.done += 1
        if on_result is not None:
            on_result(m, result)
    return summary
