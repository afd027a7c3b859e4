"""The training loop: any registered network on any paired dataset, resumable bit for bit.

The run is a sequence of named steps (:func:`train` -> :func:`~.model.build_network`,
:func:`build_parts`, :func:`resume_from`, :func:`validate_step`, :func:`train_epochs` ->
:func:`train_epoch` -> :func:`train_step`, :func:`after_step`, :func:`save_checkpoint`,
:func:`finish`) over two objects:
:class:`TrainParts`, built once (settings, :class:`~.data.TrainData`,
:class:`~.model.TrainModel`), and :class:`~.checkpoints.TrainProgress`, what changes (step,
data position, validation history). Under ``torchrun`` each rank trains its share of every
batch (:mod:`.distributed`) and rank 0 alone validates, logs and writes files.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..atomic import write_text
from . import distributed as dist_utils
from .checkpoints import (
    TrainProgress,
    checkpoint_path,
    checkpoint_state,
    load_checkpoint,
    resume_path,
    weights_path,
    write_checkpoint,
)
from .data import TrainData, build_data, color_augment
from .device import device_and_amp, device_name
from .model import TrainModel, build_network
from .options import TrainConfig, check_config
from .recipes import recipe_source, resolve
from .rng import seed_everything
from .validation import validate


@dataclass(frozen=True, eq=False)
class TrainParts:
    """What a run is built from, once: settings, this process's place, data and model.

    ``started`` is this process's ``time.perf_counter()`` when the run began: before the network
    was built and (under torchrun) the process group joined.
    """

    cfg: TrainConfig
    info: dist_utils.DistInfo
    started: float
    device: torch.device
    data: TrainData
    model: TrainModel

    @property
    def out(self) -> Path:
        """The output directory."""
        return Path(self.cfg.out)

    @property
    def checkpoint_path(self) -> Path:
        """``OUT/last.pt``: everything needed to resume."""
        return checkpoint_path(self.out)

    @property
    def weights_path(self) -> Path:
        """``OUT/model.pt``: the bare state dict (the EMA weights when EMA is on)."""
        return weights_path(self.out)

    def log(self, text: str) -> None:
        """A progress line on stderr, from rank 0 only, unless ``--quiet``."""
        if self.info.is_main and not self.cfg.quiet:
            print(text, file=sys.stderr, flush=True)


@dataclass
class _LossWindow:
    """The training loss since the last log line, and when that line was written."""

    tick: float
    total: float = 0.0
    count: int = 0

    def add(self, loss: float) -> None:
        """Count one step's loss."""
        self.total += loss
        self.count += 1

    def line(self, step: int, steps: int, lr: float) -> str:
        """The log line of the window ending at ``step``; starts the next window."""
        now = time.perf_counter()
        text = (
            f"step {step}/{steps} loss {self.total / self.count:.5f} lr {lr:.3g} "
            f"{(now - self.tick) / self.count:.3f} s/step"
        )
        self.tick, self.total, self.count = now, 0.0, 0
        return text


def _wall_s(parts: TrainParts, progress: TrainProgress) -> float:
    """Wall seconds of the whole run so far, resumed legs included."""
    return progress.elapsed_before + time.perf_counter() - parts.started


def train(config: TrainConfig) -> dict[str, Any]:
    """Train ``config.model``; returns a summary (steps, wall time, validation history, files)."""
    cfg = resolve(config)
    check_config(cfg)
    device, amp = device_and_amp(cfg)
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    resume = resume_path(cfg)
    started = time.perf_counter()
    seed_everything(cfg.seed)
    # Built (and its --model-opt checked) before any rank joins the group or data is made; the
    # datasets draw from their own generators, so the network's initial weights are as before.
    network = build_network(cfg)
    info = dist_utils.init(device.type)
    if info.distributed and device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
    try:
        return _run(cfg, network, device, amp, info, resume, started)
    finally:
        dist_utils.shutdown(info)


def _run(
    cfg: TrainConfig,
    network: torch.nn.Module,
    device: torch.device,
    amp: bool,
    info: dist_utils.DistInfo,
    resume: Path | None,
    started: float,
) -> dict[str, Any]:
    """The run in its steps: build, resume, validate the start, train, finish."""
    parts = build_parts(cfg, network, device, amp, info, started)
    progress = resume_from(parts, resume) if resume is not None else TrainProgress()
    if info.is_main:
        parts.out.mkdir(parents=True, exist_ok=True)
    dist_utils.barrier(info)
    parts.log(
        f"training {cfg.model} ({recipe_source(cfg.model)}) on {cfg.dataset}/{cfg.split}: "
        f"{cfg.steps} steps, batch {cfg.batch_size} x {info.world_size} process(es), crop {cfg.crop}, "
        f"{parts.model.criterion.describe()}, {cfg.optimizer} lr {cfg.lr:g} {cfg.schedule}, "
        f"device {device}, amp {amp}"
    )
    if progress.step == 0 and not progress.history:
        validate_step(parts, progress)
    train_epochs(parts, progress)
    return finish(parts, progress)


def build_parts(
    cfg: TrainConfig,
    network: torch.nn.Module,
    device: torch.device,
    amp: bool,
    info: dist_utils.DistInfo,
    started: float,
) -> TrainParts:
    """Data (datasets, this rank's sampler), then the model (``network``, optimiser, schedule, scaler, EMA, loss)."""
    data = build_data(cfg, info)
    model = TrainModel.build(cfg, network, device, amp, info)
    return TrainParts(cfg=cfg, info=info, started=started, device=device, data=data, model=model)


def resume_from(parts: TrainParts, path: Path) -> TrainProgress:
    """Load a checkpoint's states and RNG into ``parts``; the progress it was written at."""
    progress = load_checkpoint(path, parts.cfg, parts.model, parts.info.world_size)
    parts.log(
        f"resumed from {path} at step {progress.step} "
        f"(epoch {progress.epoch}, batch {progress.batch_in_epoch})"
    )
    return progress


def train_epochs(parts: TrainParts, progress: TrainProgress) -> None:
    """Epoch after epoch until the step budget, ``stop_after`` or the time limit (``progress.stopped``)."""
    cfg = parts.cfg
    deadline = None if cfg.max_minutes is None else parts.started + 60.0 * cfg.max_minutes
    window = _LossWindow(time.perf_counter())
    while progress.step < cfg.steps:
        if _stop_after_reached(cfg, progress.step):
            progress.stopped = "stop_after"
            break
        finished_epoch = train_epoch(parts, progress, window, deadline)
        if progress.stopped == "time":
            break
        if finished_epoch:
            progress.epoch += 1
            progress.batch_in_epoch = 0


def train_epoch(
    parts: TrainParts, progress: TrainProgress, window: _LossWindow, deadline: float | None
) -> bool:
    """The current epoch's remaining batches, or up to a stop; whether the epoch's batches are used up."""
    for batch in parts.data.loader(progress.epoch, progress.batch_in_epoch):
        window.add(train_step(parts, progress, batch))
        after_step(parts, progress, window)
        late = out_of_time(parts, deadline)
        if late:
            progress.stopped = "time"
        if progress.step >= parts.cfg.steps or late or _stop_after_reached(parts.cfg, progress.step):
            return progress.batch_in_epoch >= parts.data.batches_per_epoch
    return True


def train_step(parts: TrainParts, progress: TrainProgress, batch: Any) -> float:
    """One optimisation step on ``batch``; advances the step and the batch within the epoch; the loss."""
    cfg, device = parts.cfg, parts.device
    blur = batch.blur.to(device, non_blocking=True)
    sharp = batch.sharp.to(device, non_blocking=True)
    if cfg.color_aug:
        blur, sharp = color_augment(blur, sharp, cfg.seed, progress.step, parts.info.rank)
    loss = parts.model.step(blur, sharp)
    progress.step += 1
    progress.batch_in_epoch += 1
    return loss


def after_step(parts: TrainParts, progress: TrainProgress, window: _LossWindow) -> None:
    """The loss line every ``log_every`` steps, validation every ``val_every``, a checkpoint every ``save_every``."""
    cfg, step = parts.cfg, progress.step
    if step % cfg.log_every == 0:
        parts.log(window.line(step, cfg.steps, parts.model.lr))
    if step % cfg.val_every == 0:
        validate_step(parts, progress)
    if step % (cfg.save_every or cfg.val_every) == 0:
        save_checkpoint(parts, progress)


def out_of_time(parts: TrainParts, deadline: float | None) -> bool:
    """Whether ``--max-minutes`` is used up; under DDP on any rank (all_reduce MAX), so all stop together."""
    late = deadline is not None and time.perf_counter() >= deadline
    if parts.info.distributed and deadline is not None:
        flag = torch.tensor([1.0 if late else 0.0], device=parts.device)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        late = bool(flag.item())
    return late


def _stop_after_reached(cfg: TrainConfig, step: int) -> bool:
    return cfg.stop_after is not None and step >= cfg.stop_after


def validate_step(parts: TrainParts, progress: TrainProgress) -> None:
    """Rank 0 validates the (EMA) weights, appends the row to the history and logs it; every rank waits."""
    model = parts.model
    if parts.info.is_main and parts.data.val_set is not None:
        scores = validate(model.eval_module(), model.spec, parts.data.val_set, parts.device)
        row = {"step": progress.step, **scores}
        row["wall_s"] = round(_wall_s(parts, progress), 1)
        progress.history.append(row)
        parts.log(
            f"val step {progress.step}: {row['psnr']:.2f} dB (blurry input {row['blurry_psnr']:.2f} dB)"
        )
    dist_utils.barrier(parts.info)


def save_checkpoint(parts: TrainParts, progress: TrainProgress) -> None:
    """Rank 0 writes ``last.pt``, ``model.pt`` and ``history.json``; every rank waits."""
    if parts.info.is_main:
        state = checkpoint_state(
            parts.cfg, parts.model, progress, parts.info.world_size, _wall_s(parts, progress)
        )
        write_checkpoint(parts.out, state, parts.model.weights(), progress.history)
    dist_utils.barrier(parts.info)


def finish(parts: TrainParts, progress: TrainProgress) -> dict[str, Any]:
    """Validate the last step (unless done), checkpoint, write ``summary.json``; the summary."""
    if not progress.history or progress.history[-1]["step"] != progress.step:
        validate_step(parts, progress)
    save_checkpoint(parts, progress)
    weights = parts.model.bare.state_dict().values()
    flat = torch.cat([t.detach().reshape(-1).float().cpu() for t in weights])
    in_sync = dist_utils.all_equal(parts.info, flat.to(parts.device))
    wall = _wall_s(parts, progress)
    summary = summarise(parts, progress, in_sync, wall)
    if parts.info.is_main:
        write_text(parts.out / "summary.json", json.dumps(summary, indent=2) + "\n")
    parts.log(f"done: step {progress.step}, {wall:.0f} s; weights {parts.weights_path}")
    return summary


def summarise(parts: TrainParts, progress: TrainProgress, in_sync: bool, wall: float) -> dict[str, Any]:
    """The run's summary: files, steps, why it stopped, wall time, device, history, config."""
    cfg = parts.cfg
    return {
        "model": cfg.model,
        "out": str(parts.out),
        "checkpoint": str(parts.checkpoint_path),
        "weights": str(parts.weights_path),
        "step": progress.step,
        "steps": cfg.steps,
        "stopped": progress.stopped if progress.step < cfg.steps else "steps",
        "wall_s": round(wall, 1),
        "device": device_name(parts.device),
        "world_size": parts.info.world_size,
        "ranks_identical": in_sync,
        "threads": torch.get_num_threads(),
        "history": progress.history,
        "config": cfg.plain(),
    }
