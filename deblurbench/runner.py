"""The sweep: models x measurements; asks the store what is done, does the rest.

Every outcome is recorded: a result row, or a failure row when a measurement
raises (the sweep then goes on with the next one). A killed sweep resumes
without redoing finished work, because each measurement has a natural key
in the store and is skipped when present.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
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
    kind: str  # "complexity", "latency" or "quality"
    size: tuple[int, int] = (0, 0)  # quality: the dataset's own sizes
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """e.g. ``complexity 256x256`` or ``quality synthetic/test``: used in failure rows and progress."""
        if self.kind == "quality":
            return f"quality {self.options['dataset']}/{self.options['split']}"
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


def parse_dataset(text: str) -> tuple[str, str]:
    """``'gopro'`` -> ``('gopro', 'test')``; ``'synthetic:tiny'`` -> ``('synthetic', 'tiny')``."""
    name, _, split = text.partition(":")
    return name.strip(), (split.strip() or "test")


def quality_weights(config: RunConfig, model: str, dataset: str) -> str | None:
    """The weights a network is evaluated with on ``dataset``: configured, or a shipped tag of that name."""
    if model in config.weights:
        return config.weights[model]
    return dataset if dataset in get_spec(model).weights else None


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
    for text in config.quality_datasets:
        dataset, split = parse_dataset(text)
        common = {
            "dataset": dataset,
            "split": split,
            "root": config.dataset_roots.get(dataset),
            "device": config.quality_device,
            "save_images": config.save_images,
        }
        from .bench.references import get_reference

        for reference in config.references:
            if get_reference(reference).needs_kernel and dataset != "synthetic":
                continue  # only the synthetic dataset knows each pair's kernel
            work.append(Measurement(reference, "quality", options={**common, "weights": None}))
        for model in models:
            weights = quality_weights(config, model, dataset)
            if weights is not None:
                work.append(Measurement(model, "quality", options={**common, "weights": weights}))
    return work


@functools.lru_cache(maxsize=8)
def _open(dataset: str, split: str, root: str | None) -> Any:
    from .datasets import open_dataset

    return open_dataset(dataset, root=root, split=split)


def _quality_missing(store: Store, m: Measurement) -> bool:
    from .bench.evaluate import protocol_for, weights_label

    o = m.options
    ds = _open(o["dataset"], o["split"], o["root"])
    done = store.quality_done(
        m.model, weights_label(o["weights"], m.model), ds.name, o["split"], protocol_for(ds), True
    )
    return not set(ds.ids) <= done


def is_done(store: Store, m: Measurement) -> bool:
    """Whether the store already holds this measurement."""
    if m.kind == "complexity":
        return store.has_complexity(m.model, *m.size)
    if m.kind == "quality":
        return not _quality_missing(store, m)
    return store.has_latency(_latency_key(m))


def measure(m: Measurement, store: Store | None = None, run_id: int | None = None) -> Any:
    """Do one measurement; quality rows go to ``store`` image by image as they are scored."""
    if m.kind == "complexity":
        return complexity(m.model, m.size, **m.options)
    if m.kind == "latency":
        return latency(m.model, m.size, **m.options)
    if m.kind == "quality":
        o = m.options
        return evaluate_methods(
            [m.model],
            _open(o["dataset"], o["split"], o["root"]),
            store,
            {m.model: o["weights"]},
            run_id,
            save_root=Path(store.path).parent / "images" if o.get("save_images") else None,
            device=o.get("device", "cpu"),
            progress=False,
        )
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
            result = measure(m, store, run_id)
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
        elif m.kind == "latency":
            store.put_latency(result, run_id)
        # quality rows are already in the store, image by image
        summary.done += 1
        if on_result is not None:
            on_result(m, result)
    return summary


def shard(count: int) -> tuple[list[int], int, int]:
    """The positions this process scores under torchrun (``RANK``/``WORLD_SIZE``), rank and world size.

    Rank r of w takes positions r, r + w, r + 2w, ...: together the ranks cover every
    image exactly once, and the store's natural key keeps each row once.
    """
    import os

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} is outside WORLD_SIZE={world}")
    return list(range(rank, count, world)), rank, world


def evaluate_methods(
    methods: Iterable[str],
    dataset: Any,
    store: Store,
    weights: dict[str, str | None],
    run_id: int | None = None,
    save_root: Path | None = None,
    **options: Any,
) -> list[tuple[str, str, str]]:
    """Evaluate each network or reference method on ``dataset`` into ``store``; failures as (model, id, reason).

    Under torchrun the dataset is sharded across ranks (see :func:`shard`), every rank
    writing its own rows to the one store; the ranks meet at a barrier at the end so
    that rank 0 reads the merged rows. ``save_root`` keeps restored images under
    ``<save_root>/<method>/<dataset>/`` and the sharp ones under ``<save_root>/sharp/<dataset>/``
    (for the report's comparison strips).
    """
    from .bench.evaluate import evaluate, image_path, save_image

    indices, _rank, world = shard(len(dataset))
    failures = []
    if save_root is not None:
        sharp_dir, ids = save_root / "sharp" / dataset.name, dataset.ids
        for index in indices:  # once per dataset, not once per method
            if image_path(sharp_dir, ids[index]).exists():
                continue
            try:
                pair = dataset[index]
            except Exception:  # the evaluation below records why this image fails
                continue
            save_image(pair.sharp, sharp_dir, pair.id)
    for method in methods:
        save_dir = save_root / method / dataset.name if save_root is not None else None
        frame = evaluate(
            method,
            dataset,
            weights=weights.get(method),
            store=store,
            run_id=run_id,
            indices=indices,
            save_dir=save_dir,
            **options,
        )
        failures += [(method, image_id, reason) for image_id, reason in frame.attrs["failures"]]
    if world > 1:
        import torch.distributed as dist

        joined = not dist.is_initialized()
        if joined:
            dist.init_process_group("gloo")
        dist.barrier()
        if joined:
            dist.destroy_process_group()
    return failures
