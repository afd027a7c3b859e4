"""The sweep: models x measurements; asks the store what is done, does the rest.

Every unit of work is a task that knows the record it makes and that record's key
before measuring (:class:`ComplexityTask`, :class:`LatencyTask`) or the images it still
lacks (:class:`QualityTask`). The sweep is the same for every task: skip it when the
store holds it, else measure, store the records, or record a failure and go on. A
killed sweep resumes without redoing finished work.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .bench.complexity import complexity
from .bench.latency import LatencySettings, latency
from .bench.records import ComplexityRecord, LatencyRecord, Record
from .bench.store import Store
from .config import RunConfig, format_size
from .models import get_spec, list_models
from .models.registry import resolve_weights


@dataclass(frozen=True)
class Task:
    """One unit of work of a sweep: a network or reference method, and what to measure."""

    model: str
    record: ClassVar[type[Record]]

    @property
    def label(self) -> str:
        """e.g. ``complexity 256x256``: used in failure rows and progress."""
        raise NotImplementedError

    def key(self) -> dict[str, Any]:
        """The natural key of the record this task will store, known before measuring."""
        raise NotImplementedError

    def is_done(self, store: Store) -> bool:
        """Whether the store already holds this measurement."""
        return store.has(self.record, self.key())

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        """Measure; the records to store (a task that stores as it goes returns none)."""
        raise NotImplementedError


@dataclass(frozen=True)
class ComplexityTask(Task):
    """Parameters and MACs of one network at one size."""

    size: tuple[int, int] = (256, 256)
    record: ClassVar[type[Record]] = ComplexityRecord

    @property
    def label(self) -> str:
        return f"complexity {format_size(self.size)}"

    def key(self) -> dict[str, Any]:
        return {"model": self.model, "height": self.size[0], "width": self.size[1]}

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        return [complexity(self.model, self.size)]


@dataclass(frozen=True)
class LatencyTask(Task):
    """One timing of one network at one size under one set of settings."""

    size: tuple[int, int] = (256, 256)
    settings: LatencySettings = field(default_factory=LatencySettings)
    record: ClassVar[type[Record]] = LatencyRecord

    @property
    def label(self) -> str:
        return f"latency {format_size(self.size)}"

    def key(self) -> dict[str, Any]:
        return self.settings.key(self.model, self.size)

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        return [latency(self.model, self.size, settings=self.settings)]


@dataclass(frozen=True)
class QualityTask(Task):
    """One network (with its weights) or reference method over one dataset split."""

    dataset: str = "synthetic"
    split: str = "test"
    root: str | None = None
    weights: str | None = None
    device: str = "cpu"
    save_images: bool = False

    @property
    def label(self) -> str:
        return f"quality {self.dataset}/{self.split}"

    def is_done(self, store: Store) -> bool:
        from .bench.evaluate import protocol_for, quality_group

        ds = open_cached(self.dataset, self.split, self.root)
        done = store.quality_done(quality_group(self.model, self.weights, ds, protocol_for(ds), True))
        return set(ds.ids) <= done

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        """Evaluate into the store image by image (nothing left to store afterwards)."""
        evaluate_methods(
            [self.model],
            open_cached(self.dataset, self.split, self.root),
            store,
            {self.model: self.weights},
            run_id,
            save_root=store.path.parent / "images" if self.save_images else None,
            device=self.device,
            progress=False,
        )
        return []


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


def parse_dataset(text: str) -> tuple[str, str]:
    """``'gopro'`` -> ``('gopro', 'test')``; ``'synthetic:tiny'`` -> ``('synthetic', 'tiny')``."""
    name, _, split = text.partition(":")
    return name.strip(), (split.strip() or "test")


def quality_weights(config: RunConfig, model: str, dataset: str) -> str | None:
    """The weights a network is evaluated with on ``dataset``.

    Configured weights first; then a shipped tag named like the dataset; then the official
    checkpoint found (and hash-checked) in ``weights_dir``; None when there are none.
    """
    from .models.official import official_weights

    if model in config.weights:
        return config.weights[model]
    if dataset in get_spec(model).weights:
        return dataset
    if config.weights_dir is not None:
        found = official_weights(model, config.weights_dir, dataset)
        return str(found) if found is not None else None
    return None


def _cost_tasks(config: RunConfig, model: str) -> list[Task]:
    sizes = list(dict.fromkeys([*config.complexity_sizes, *config.macs_sizes]))
    tasks: list[Task] = [ComplexityTask(model, size) for size in sizes]
    settings = config.latency_settings()
    return tasks + [LatencyTask(model, size, settings) for size in config.latency_sizes]


def _quality_tasks(config: RunConfig, models: list[str], text: str) -> list[Task]:
    from .bench.references import get_reference
    from .datasets import get_dataset_spec

    dataset, split = parse_dataset(text)
    spec = get_dataset_spec(dataset)
    common = {
        "dataset": dataset,
        "split": split,
        "root": config.dataset_roots.get(dataset),
        "device": config.quality_device,
        "save_images": config.save_images,
    }
    tasks: list[Task] = [
        QualityTask(reference, **common)
        for reference in config.references
        if spec.kernels_known or not get_reference(reference).needs_kernel
    ]
    for model in models:
        weights = quality_weights(config, model, dataset)
        if weights is not None:
            resolve_weights(model, weights)  # checked before any work: kind, size, readability
            tasks.append(QualityTask(model, weights=weights, **common))
    return tasks


def plan(config: RunConfig) -> list[Task]:
    """The tasks of ``deblurbench run`` for a configuration."""
    models = list(config.models) or list_models()
    for model in models:
        get_spec(model)  # unknown names fail here, before any work
    work: list[Task] = [task for model in models for task in _cost_tasks(config, model)]
    for text in config.quality_datasets:
        work += _quality_tasks(config, models, text)
    return work


@functools.lru_cache(maxsize=8)
def open_cached(dataset: str, split: str, root: str | None) -> Any:
    """A dataset opened once per sweep (opening validates every file header)."""
    from .datasets import open_dataset

    return open_dataset(dataset, root=root, split=split)


def measure(task: Task, store: Store, run_id: int | None = None) -> list[Record]:
    """Do one task; the records it made (quality rows go to ``store`` image by image)."""
    return task.run(store, run_id)


def _record_failure(store: Store, task: Task, run_id: int | None, summary: SweepSummary) -> None:
    exc = sys.exc_info()[1]
    message = f"{type(exc).__name__}: {exc}".splitlines()[0]
    store.put_failure(task.model, task.label, f"{message}\n{traceback.format_exc(limit=3)}", run_id)
    summary.failed.append((task.model, task.label, message))
    print(f"deblurbench: {task.model} {task.label} failed ({message}); recorded, going on", file=sys.stderr)


def sweep(
    work: Iterable[Task],
    store: Store,
    run_id: int | None = None,
    progress: bool | None = None,
    on_result: Callable[[Task, list[Record]], None] | None = None,
) -> SweepSummary:
    """Do every task the store lacks; record results and failures as they come."""
    from tqdm import tqdm

    work = list(work)
    summary = SweepSummary()
    show = sys.stderr.isatty() and sys.stdout.isatty() if progress is None else progress
    bar = tqdm(work, disable=not show, unit="task", file=sys.stderr, dynamic_ncols=True)
    for task in bar:
        bar.set_description(f"{task.model}: {task.label}")
        if task.is_done(store):
            summary.skipped += 1
            continue
        try:
            records = measure(task, store, run_id)
        except KeyboardInterrupt:
            raise
        except Exception:
            _record_failure(store, task, run_id, summary)
            continue
        store.put(records, run_id)
        summary.done += 1
        if on_result is not None:
            on_result(task, records)
    return summary


def shard(count: int) -> tuple[list[int], int, int]:
    """The positions this process scores under torchrun (``RANK``/``WORLD_SIZE``), rank and world size.

    Rank r of w takes positions r, r + w, r + 2w, ...: together the ranks cover every
    image exactly once, and the store's natural key keeps each row once.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} is outside WORLD_SIZE={world}")
    return list(range(rank, count, world)), rank, world


def _save_sharp(dataset: Any, indices: list[int], sharp_dir: Path) -> None:
    """Keep each pair's sharp image once per dataset (not once per method), for comparison strips."""
    from .bench.evaluate import image_path, save_image

    ids = dataset.ids
    for index in indices:
        if image_path(sharp_dir, ids[index]).exists():
            continue
        try:
            pair = dataset[index]
        except Exception:  # the evaluation records why this image fails
            continue
        save_image(pair.sharp, sharp_dir, pair.id)


def _barrier(world: int) -> None:
    """Under torchrun, wait for every rank (so that rank 0 then reads the merged rows)."""
    if world <= 1:
        return
    import torch.distributed as dist

    joined = not dist.is_initialized()
    if joined:
        dist.init_process_group("gloo")
    dist.barrier()
    if joined:
        dist.destroy_process_group()


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
    writing its own rows to the one store. ``save_root`` keeps restored images under
    ``<save_root>/<method>/<dataset>/<split>/`` and the sharp ones under
    ``<save_root>/sharp/<dataset>/<split>/`` (for the report's comparison strips).
    """
    from .bench.evaluate import SHARP, evaluate, image_folder

    indices, _rank, world = shard(len(dataset))
    split = str(dataset.info.get("split", ""))
    if save_root is not None:
        _save_sharp(dataset, indices, image_folder(save_root, SHARP, dataset.name, split))
    failures = []
    for method in methods:
        save_dir = image_folder(save_root, method, dataset.name, split) if save_root is not None else None
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
    _barrier(world)
    return failures
