"""The commands' work as library calls: the main run, and an evaluation with the rows it made.

``deblurbench run`` is :func:`run` (plan, sweep into the store, report) and ``deblurbench
evaluate`` is :func:`evaluate_into` (methods scored on one dataset into a store, under torchrun
one shard per rank); both open their store with :func:`open_store`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .bench.evaluate import EvalSettings, method_name, official_checkpoint, quality_group
from .bench.records import QualityRecord
from .bench.references import is_reference
from .bench.released import ReleasedOutputs
from .bench.store import Store
from .config import RunConfig
from .distributed import check_one_host, is_main, local_device
from .runner import SweepSummary, evaluate_methods, plan, sweep


def open_store(out: Path) -> Store:
    """The store of ``out``, saying in one line when an older one was migrated (one host's ranks only)."""
    check_one_host()
    store = Store(out)
    if store.migrated_from is not None:
        print(
            f"deblurbench: migrated {store.path} from store schema {store.migrated_from}; "
            f"the file as it was is kept as {store.path.name}.schema{store.migrated_from}.bak",
            file=sys.stderr,
        )
    return store


@dataclass
class RunOutcome:
    """What ``deblurbench run`` did: the sweep's summary and the report it wrote."""

    summary: SweepSummary
    report: Path


def run(config: RunConfig) -> RunOutcome:
    """The main job: every measurement the configuration plans that the store lacks, then the report."""
    from .reports.report import write_report

    work = plan(config)
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)  # recorded with the run, used by every measurement
    store = open_store(config.out)
    run_id = store.start_run("run", config.as_dict())
    print(f"deblurbench run: {len(work)} measurements -> {store.path}", file=sys.stderr)
    summary = sweep(work, store, run_id)
    store.finish_run(run_id)
    return RunOutcome(summary, write_report(store, config.out, subject=config.subject))


Method = str | ReleasedOutputs  # a network's or reference method's name, or released outputs


@dataclass
class Evaluated:
    """An evaluation's outcome: its rows (rank 0 only; None on the other ranks), failures, store."""

    rows: pd.DataFrame | None
    failures: list[tuple[str, str, str]]
    store: Store
    protocol: str = ""  # the scoring protocol of ``rows``
    other_protocols: tuple[str, ...] = ()  # protocols the store also holds for these methods and images


def official_weights(
    methods: list[Method], weights_dir: Path, given: dict[str, str], dataset: str
) -> dict[str, str]:
    """The official checkpoint (hash-checked) in ``weights_dir`` of every network without ``given`` weights."""
    networks = [m for m in methods if isinstance(m, str) and m not in given and not is_reference(m)]
    return {m: str(official_checkpoint(m, weights_dir, dataset)) for m in networks}


def evaluate_into(
    out: Path,
    methods: list[Method],
    dataset: Any,
    weights: dict[str, str],
    settings: EvalSettings,
    *,
    weights_dir: Path | None = None,
    workers: int | None = None,
    save_images: bool = False,
    asked: dict[str, Any] | None = None,
) -> Evaluated:
    """Score ``methods`` on ``dataset`` into ``out``'s store, resumably; the rows this evaluation made.

    Networks without ``weights`` use their official checkpoint in ``weights_dir``; CUDA means
    each torchrun rank's own GPU. ``asked`` (the dataset and split as named) is recorded with the run.
    """
    if weights_dir is not None:
        weights = {**official_weights(methods, weights_dir, weights, dataset.name), **weights}
    store = open_store(out)
    names = [m for m in methods if isinstance(m, str)]
    folders = {m.name: str(m.folder) for m in methods if isinstance(m, ReleasedOutputs)}
    config = {"models": names, "outputs": folders, **(asked or {"dataset": dataset.name})}
    run_id = store.start_run("evaluate", config)
    failures = evaluate_methods(
        methods,
        dataset,
        store,
        weights,
        run_id,
        save_root=out / "images" if save_images else None,
        settings=settings,
        device=local_device(settings.device),
        workers=workers,
        progress=None if is_main() else False,
    )
    store.finish_run(run_id)
    rows = evaluated_rows(store, dataset, methods, weights, settings) if is_main() else None
    protocol = settings.resolved(dataset).protocol
    others = other_protocols(store, dataset, rows, protocol) if rows is not None else ()
    return Evaluated(rows, failures, store, protocol, others)


def other_protocols(store: Store, dataset: Any, rows: pd.DataFrame, protocol: str) -> tuple[str, ...]:
    """The protocols other than ``protocol`` under which the store holds rows of ``rows``' methods on
    ``dataset``'s images: named beside the means, never mixed into them."""
    frame = store.frame(QualityRecord.TABLE)
    if frame.empty or rows.empty:
        return ()
    same = (
        frame["model"].isin(rows["model"])
        & frame["dataset"].eq(dataset.name)
        & frame[QualityRecord.IMAGE].isin(dataset.ids)
        & frame["protocol"].ne(protocol)
    )
    return tuple(sorted(set(frame.loc[same, "protocol"])))


EVALUATED = ("model", "weights", QualityRecord.IMAGE)  # what names a row: method, weights, image


def evaluated_rows(
    store: Store, dataset: Any, methods: list[Method], weights: dict[str, str], settings: EvalSettings
) -> pd.DataFrame:
    """The store's per-image rows of ``methods`` (with their weights or folders) on ``dataset``'s images."""
    frame = store.frame(QualityRecord.TABLE)
    resolved = settings.resolved(dataset)
    keep = pd.Series(False, index=frame.index)
    for method in methods:
        group = quality_group(method, weights.get(method_name(method)), dataset, resolved)
        same = pd.Series(True, index=frame.index)
        for name, value in group.items():
            same &= frame[name].eq(int(value) if isinstance(value, bool) else value)
        keep |= same
    keep &= frame[QualityRecord.IMAGE].isin(dataset.ids)
    columns = [*EVALUATED, *(c.name for c in QualityRecord.value_columns())]
    return frame.loc[keep, columns].sort_values(list(EVALUATED)).reset_index(drop=True)
