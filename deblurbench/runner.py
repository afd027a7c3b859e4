"""The sweep: models x measurements; asks the store what is done, does the rest.

Every unit of work is a task that knows the record it makes and that record's key
before measuring (:class:`ComplexityTask`, :class:`LatencyTask`) or the images it still
lacks (:class:`QualityTask`). The sweep is the same for every task: skip it when the
store holds it, else measure, store the records, or record a failure and go on. A
killed sweep resumes without redoing finished work.
"""

from __future__ import annotations

import functools
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from . import sizes
from .bench.complexity import complexity
from .bench.latency import LatencySettings, latency
from .bench.records import ComplexityRecord, LatencyRecord, Record
from .bench.released import ReleasedOutputs, open_outputs
from .bench.store import Store
from .config import ConfigError, RunConfig
from .datasets.synthetic import NAME as SYNTHETIC
from .distributed import barrier, shard
from .models import create_model, get_spec, list_models
from .models.registry import resolve_weights
from .progress import Progress
from .sizes import HEADLINE, pixels


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

    size: tuple[int, int] = HEADLINE
    record: ClassVar[type[Record]] = ComplexityRecord

    @property
    def label(self) -> str:
        return f"complexity {sizes.label(self.size)}"

    def key(self) -> dict[str, Any]:
        return {"model": self.model, "height": self.size[0], "width": self.size[1]}

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        from .bench.complexity import real_forward_by_default
        from .models.restorer import padded_size

        input_size = padded_size(get_spec(self.model), *self.size)
        real = real_forward_by_default(input_size)  # a real forward needs real weights
        model = NETWORKS.real(self.model) if real else NETWORKS.meta(self.model)
        record = complexity(model, self.size, real_forward=real)
        if real:
            NETWORKS.warmed(self.model, input_size)
        return [record]


@dataclass(frozen=True)
class LatencyTask(Task):
    """One timing of one network at one size under one set of settings."""

    size: tuple[int, int] = HEADLINE
    settings: LatencySettings = field(default_factory=LatencySettings)
    record: ClassVar[type[Record]] = LatencyRecord

    @property
    def label(self) -> str:
        return f"latency {sizes.label(self.size)}"

    def key(self) -> dict[str, Any]:
        return self.settings.key(self.model, self.size)

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        """Time the network; its warm-up is the counters' forward when that has just run on it at this size."""
        from .models.restorer import padded_size

        warm = NETWORKS.is_warm(self.model, padded_size(get_spec(self.model), *self.size), self.settings)
        settings = replace(self.settings, warmup=0) if warm else self.settings
        record = latency(NETWORKS.real(self.model), self.size, settings=settings)
        if warm:  # say so in the record: its warm-up was not a call of its own
            record = replace(record, method=f"{record.method}; warm-up: the counters' forward just before")
        return [record]


@dataclass(frozen=True)
class QualityTask(Task):
    """One network (with its weights), reference method or released outputs over one dataset split."""

    dataset: str = SYNTHETIC
    split: str = "test"
    root: str | None = None
    weights: str | None = None
    device: str = "cpu"
    save_images: bool = False
    outputs: ReleasedOutputs | None = None  # released outputs: ``model`` is their ``released:NAME``

    @property
    def label(self) -> str:
        return f"quality {self.dataset}/{self.split}"

    @property
    def method(self) -> str | ReleasedOutputs:
        """What is evaluated: the network or reference method ``model`` names, or the released outputs."""
        return self.model if self.outputs is None else self.outputs

    def is_done(self, store: Store) -> bool:
        from .bench.evaluate import EvalSettings, quality_group

        ds = open_cached(self.dataset, self.split, self.root)
        settings = EvalSettings(device=self.device).resolved(ds)
        done = store.quality_done(quality_group(self.method, self.weights, ds, settings))
        return set(ds.ids) <= done

    def run(self, store: Store, run_id: int | None) -> list[Record]:
        """Evaluate into the store image by image (nothing left to store afterwards)."""
        evaluate_methods(
            [self.method],
            open_cached(self.dataset, self.split, self.root),
            store,
            {self.model: self.weights},
            run_id,
            save_root=store.path.parent / "images" if self.save_images else None,
            device=self.device,
            progress=False,
        )
        return []


class NetworkCache:
    """The network of the tasks in hand, built once for all of them, or on the meta device.

    Building a network initialises its weights (seconds for the largest); a task that only
    counts on the meta device gets a meta-device build, which allocates nothing. The cache
    also knows when the counters have just run the network on real tensors at a size: that
    forward is a warm-up (allocations, oneDNN primitives) that a timing right after needs
    not repeat.
    """

    def __init__(self) -> None:
        self._real: dict[str, Any] = {}
        self._meta: dict[str, Any] = {}
        self._warm: tuple[str, tuple[int, int]] | None = None

    def real(self, name: str) -> Any:
        """The network ``name`` with its (random) weights; the one held before is let go."""
        if name not in self._real:
            self._real.clear()  # one network at a time: the tasks of a network come together
            self._real[name] = create_model(name)
        return self._real[name]

    def warmed(self, name: str, input_size: tuple[int, int]) -> None:
        """Note that the counters just ran ``name`` on a real CPU float32 input of ``input_size``."""
        self._warm = (name, tuple(input_size))

    def is_warm(self, name: str, input_size: tuple[int, int], settings: LatencySettings) -> bool:
        """Whether the last real forward was this network at this size, as this timing will call it."""
        same = self._warm == (name, tuple(input_size)) and name in self._real
        plain = (settings.device, settings.dtype, settings.batch) == ("cpu", "float32", 1)
        return same and plain and not (settings.channels_last or settings.compile)

    def meta(self, name: str) -> Any:
        """The network ``name`` on the meta device: shapes without storage."""
        if name not in self._meta:
            import torch

            with torch.device("meta"):
                self._meta[name] = create_model(name)
        return self._meta[name]

    def clear(self) -> None:
        """Forget every network built (at the end of a sweep: their memory is freed)."""
        self._real.clear()
        self._meta.clear()
        self._warm = None


NETWORKS = NetworkCache()


@dataclass
class SweepSummary:
    """What a sweep did: counts, failures, and each task's seconds by kind of measurement."""

    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # kind ("complexity", ...) -> seconds spent
    last: list[Record] = field(default_factory=list)  # what the latest task stored

    def add(self, task: Task, seconds: float) -> None:
        """Count ``seconds`` spent on ``task`` towards its kind."""
        kind = task.label.split(" ")[0]
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds


def check_size(model: str, size: tuple[int, int]) -> None:
    """Reject a size below the network's minimum, with a one-line reason."""
    spec = get_spec(model)
    if size[0] < spec.min_size or size[1] < spec.min_size:
        raise ValueError(
            f"size {sizes.label(size)} is below {model}'s minimum "
            f"{spec.min_size}x{spec.min_size} ({spec.sizes})"
        )


def parse_dataset(text: str) -> tuple[str, str]:
    """``'gopro'`` -> ``('gopro', 'test')``; ``'synthetic:tiny'`` -> ``('synthetic', 'tiny')``."""
    name, _, split = text.partition(":")
    return name.strip(), (split.strip() or "test")


def quality_weights(config: RunConfig, model: str, dataset: str) -> str | None:
    """The weights a network is evaluated with on ``dataset``.

    Configured weights first; then the file a network is made from (``spandrel:PATH``); then a
    shipped tag named like the dataset; then the official checkpoint found (and hash-checked) in
    ``weights_dir``; None when there are none.
    """
    from .models.official import official_weights

    if model in config.weights:
        return config.weights[model]
    if get_spec(model).weights_file:
        return get_spec(model).weights_file
    if dataset in get_spec(model).weights:
        return dataset
    if config.weights_dir is not None:
        found = official_weights(model, config.weights_dir, dataset)
        return str(found) if found is not None else None
    return None


def _cost_tasks(config: RunConfig, model: str) -> list[Task]:
    """A network's counts and timings, each timing right after the count at its size (its warm-up)."""
    sizes = list(dict.fromkeys([*config.complexity_sizes, *config.macs_sizes]))
    settings = config.latency_settings()
    tasks: list[Task] = []
    for size in sizes:
        tasks.append(ComplexityTask(model, size))
        tasks += [LatencyTask(model, size, settings) for s in config.latency_sizes if s == size]
    timed = {t.size for t in tasks if isinstance(t, LatencyTask)}
    return tasks + [LatencyTask(model, s, settings) for s in config.latency_sizes if s not in timed]


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
        if weights is not None or config.random_weights:
            tasks.append(QualityTask(model, weights=weights, **common))
    return tasks


def unweighted(config: RunConfig, models: list[str]) -> dict[str, list[str]]:
    """Per quality dataset, the networks the run does not score for lack of weights (none with
    ``random_weights``, which scores them as 'random init')."""
    if config.random_weights:
        return {}
    skipped = {}
    for text in config.quality_datasets:
        dataset, _ = parse_dataset(text)
        names = [m for m in models if quality_weights(config, m, dataset) is None]
        if names:
            skipped[text] = names
    return skipped


def _say_unweighted(config: RunConfig, models: list[str]) -> None:
    """One line on stderr naming the networks skipped for lack of weights, and how to give them."""
    skipped = unweighted(config, models)
    if skipped:
        where = "; ".join(f"on {text}: {', '.join(names)}" for text, names in skipped.items())
        print(
            f"deblurbench run: not scoring networks without weights ({where}); give weights = "
            "{NAME = \"PATH_OR_TAG\"}, weights_dir, or random_weights = true to score them as 'random init'",
            file=sys.stderr,
        )


def _released_tasks(config: RunConfig, outputs: list[ReleasedOutputs], text: str) -> list[Task]:
    """Each released outputs' evaluation on the dataset ``text``, for those holding any of its images."""
    dataset, split = parse_dataset(text)
    root = config.dataset_roots.get(dataset)
    ids = open_cached(dataset, split, root).ids
    common = {"dataset": dataset, "split": split, "root": root, "device": config.quality_device}
    return [
        QualityTask(o.method, outputs=o, save_images=config.save_images, **common)
        for o in outputs
        if o.matches(ids)
    ]


def _check_matched(outputs: list[ReleasedOutputs], work: list[Task], datasets: tuple[str, ...]) -> None:
    """A :class:`ConfigError` for released outputs that hold no image of any quality dataset."""
    scored = {t.outputs for t in work if isinstance(t, QualityTask) and t.outputs is not None}
    for o in outputs:
        if o not in scored:
            raise ConfigError(
                f"outputs: {o.name} = {o.folder} holds no image of {', '.join(datasets)} (an image named "
                "by its image id, e.g. GOPR0384_11_00-000001.png or GOPR0384_11_00/000001.png); "
                "add its dataset to quality_datasets or fix the file names"
            )


def plan(config: RunConfig) -> list[Task]:
    """The tasks of ``deblurbench run`` for a configuration."""
    models = list(config.models) or list_models(plugins=config.plugins)
    for model in models:
        get_spec(model)  # unknown names fail here, before any work
    outputs = [open_outputs(name, folder) for name, folder in config.outputs.items()]
    work = [task for model in models for task in _cost_tasks(config, model)]
    for text in config.quality_datasets:
        work += _quality_tasks(config, models, text)
        work += _released_tasks(config, outputs, text) if outputs else []
    _check_matched(outputs, work, config.quality_datasets)
    _say_unweighted(config, models)
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
    """Do every task the store lacks; record results and failures as they come.

    The progress bar (on a terminal, or ``progress=True``) names the task in progress and
    gives an ETA; ``summary.seconds`` holds the time spent per kind of measurement.
    """
    work = list(work)
    summary = SweepSummary()
    show = sys.stderr.isatty() and sys.stdout.isatty() if progress is None else progress
    costs = WorkEstimate(store)
    bar = Progress(work, costs.units, _kind, show)
    try:
        for task in work:
            bar.begin(task)
            started = time.perf_counter()
            measured = _do(task, store, run_id, summary, on_result)
            costs.learn(task, summary.last)
            bar.end(task, time.perf_counter() - started, measured)
            summary.add(task, time.perf_counter() - started)
    finally:
        bar.close()
        NETWORKS.clear()
    return summary


def _kind(task: Task) -> str:
    return task.label.split(" ")[0]


def _do(
    task: Task,
    store: Store,
    run_id: int | None,
    summary: SweepSummary,
    on_result: Callable[[Task, list[Record]], None] | None,
) -> bool:
    """One task: skipped when stored, else measured and stored, or its failure recorded; whether it ran."""
    summary.last = []
    if task.is_done(store):
        summary.skipped += 1
        return False
    try:
        records = measure(task, store, run_id)
    except KeyboardInterrupt:
        raise
    except Exception:
        _record_failure(store, task, run_id, summary)
        return True
    store.put(records, run_id)
    summary.done += 1
    summary.last = records
    if on_result is not None:
        on_result(task, records)
    return True


class WorkEstimate:
    """A task's expected work in units of its network's cost: GMACs at the headline size once counted.

    A complexity count with fvcore's real forward is about one forward (the other counters
    share a meta pass) and a timing series about four (a warm-up and three repeats); a count
    on the meta device only is next to nothing;
    an evaluation is one forward per image. Networks not counted yet take the mean of those
    that are (or 1).
    """

    def __init__(self, store: Store) -> None:
        self.gmacs: dict[str, float] = {}
        for record in store.records(ComplexityRecord):
            self.learn_record(record)

    def learn(self, task: Task, records: list[Record]) -> None:
        """Take a network's cost from the complexity records a task made."""
        for record in records:
            if isinstance(record, ComplexityRecord):
                self.learn_record(record)

    def learn_record(self, record: ComplexityRecord) -> None:
        """The network's cost from a count at the headline size (the size the default run times)."""
        macs = next((v for v in record.shown_macs().values() if v), None)
        if record.size == HEADLINE and macs:
            self.gmacs[record.model] = macs

    def cost(self, model: str) -> float:
        """GMACs at the headline size of ``model``, or the mean of the counted ones."""
        known = list(self.gmacs.values())
        return self.gmacs.get(model, sum(known) / len(known) if known else 1.0)

    def units(self, task: Task) -> float:
        """The expected work of ``task``."""
        if isinstance(task, ComplexityTask):
            from .bench.complexity import real_forward_by_default
            from .models.restorer import padded_size

            real = real_forward_by_default(padded_size(get_spec(task.model), *task.size))
            return self.cost(task.model) * (1.2 if real else 0.05)
        if isinstance(task, LatencyTask):
            scale = pixels(task.size) / pixels(HEADLINE)
            return self.cost(task.model) * 4.0 * scale
        images = len(open_cached(task.dataset, task.split, task.root)) if isinstance(task, QualityTask) else 1
        return images * (self.cost(task.model) if task.model in list_models() else 1.0)


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


def evaluate_methods(
    methods: Iterable[str | ReleasedOutputs],
    dataset: Any,
    store: Store,
    weights: dict[str, str | None],
    run_id: int | None = None,
    save_root: Path | None = None,
    **options: Any,
) -> list[tuple[str, str, str]]:
    """Evaluate each network, reference method or released outputs on ``dataset`` into ``store``.

    Returns the failures as (model, image id, reason); ``weights`` maps a network's name to its weights.

    Under torchrun the dataset is sharded across ranks (see :func:`shard`), every rank
    writing its own rows to the one store. ``save_root`` keeps restored images under
    :func:`~deblurbench.bench.evaluate.image_folder` of their rows' key and the sharp ones under
    :func:`~deblurbench.bench.evaluate.sharp_folder` (for the report's comparison strips).
    """
    from .bench.evaluate import evaluate, ground_truth_group, method_name, sharp_folder

    indices, _rank, world = shard(len(dataset))
    if save_root is not None:
        _save_sharp(dataset, indices, sharp_folder(save_root, ground_truth_group(dataset)))
    failures = []
    for method in methods:
        name = method_name(method)
        frame = evaluate(
            method,
            dataset,
            weights=weights.get(name),
            store=store,
            run_id=run_id,
            indices=indices,
            save_root=save_root,
            **options,
        )
        failures += [(name, image_id, reason) for image_id, reason in frame.attrs["failures"]]
    barrier(world)
    return failures
