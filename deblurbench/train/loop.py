"""The training loop: any registered network on any paired dataset, resumable bit for bit.

The network is trained through the same input/output mapping :class:`~deblurbench.Restorer`
uses at test time (``spec.interface``: e.g. LMFN sees 0-255 values), so the loss is taken on
[0, 1] images and the trained weights evaluate correctly with ``Restorer``.

A checkpoint (``OUT/last.pt``) holds the model, optimiser, scheduler, AMP scaler and EMA
states, the torch / CUDA / numpy / Python RNG states, the data position (epoch and batch
within it: the order itself is a pure function of seed and epoch) and the step, all as
tensors and plain values so ``torch.load(weights_only=True)`` reads it. ``OUT/model.pt`` is
the bare state dict (the EMA weights when EMA is on) that ``create_model(name, weights=...)``
loads strictly. Under ``torchrun`` the model is wrapped in DistributedDataParallel, each rank
draws its share through a :class:`~deblurbench.train.distributed.ResumableSampler`, and rank 0
alone validates, logs and writes files.

The run is a sequence of named steps (:func:`train` -> :func:`build_parts`, :func:`resume_from`,
:func:`validate_step`, :func:`train_epochs` -> :func:`train_epoch` -> :func:`train_step`,
:func:`after_step`, :func:`save_checkpoint`, :func:`finish`) over two objects:
:class:`TrainParts`, built once (data, network, optimiser, ...), and :class:`TrainProgress`,
what changes (step, data position, validation history).
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..atomic import atomic_path, write_text
from . import distributed as dist_utils
from .data import TrainData, build_data, color_augment
from .device import device_and_amp, device_name
from .losses import Criterion
from .options import TrainConfig, check_config
from .recipes import recipe_source
from .rng import rng_state, seed_everything, set_rng_state
from .validation import validate

# Fields that must match between a checkpoint and the run resuming it.
RESUME_FIXED = ("model", "dataset", "split", "batch_size", "crop", "seed", "model_opts", "dataset_opts")


# --------------------------------------------------------------------------- schedule, EMA


def lr_factor(cfg: TrainConfig) -> Callable[[int], float]:
    """The learning-rate multiplier at each step: linear warm-up, then cosine / step / constant."""
    steps, warmup = int(cfg.steps), int(cfg.warmup_steps)
    floor = (cfg.min_lr or 0.0) / cfg.lr

    def factor(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        if cfg.schedule == "cosine":
            progress = min(1.0, (step - warmup) / max(1, steps - warmup))
            return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
        if cfg.schedule == "step":
            return float(cfg.gamma) ** (step // int(cfg.step_size))
        return 1.0

    return factor


class EMA:
    """Exponential moving average of a module's floating state (``decay`` per step)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = float(decay)
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One EMA step towards ``model``'s current state."""
        for key, value in model.state_dict().items():
            if value.is_floating_point():
                self.shadow[key].mul_(self.decay).add_(value.detach(), alpha=1.0 - self.decay)
            else:
                self.shadow[key].copy_(value)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The averaged state dict."""
        return self.shadow

    def load_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        """Restore the averaged state."""
        for key, value in state.items():
            self.shadow[key].copy_(value)


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename over ``path``."""
    with atomic_path(path) as partial:
        torch.save(obj, partial)


# --------------------------------------------------------------------------- the run's state


class _Capture:
    """Forward hook keeping the bare network's raw result (all scales of a multi-output net)."""

    def __init__(self) -> None:
        self.raw: Any = None

    def __call__(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self.raw = output


@dataclass(frozen=True, eq=False)
class TrainParts:
    """What a run is built from, once: settings, data, network and the optimisation objects.

    ``bare`` is the registered network (what is saved and validated); ``model`` is what is
    trained: ``bare`` itself, or ``bare`` in DistributedDataParallel under torchrun.
    ``started`` is this process's ``time.perf_counter()`` when the run began.
    """

    cfg: TrainConfig
    spec: Any
    device: torch.device
    amp: bool
    info: dist_utils.DistInfo
    started: float
    data: TrainData
    bare: nn.Module
    model: nn.Module
    capture: _Capture
    params: list[nn.Parameter]
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    ema: EMA | None
    criterion: Criterion

    @property
    def out(self) -> Path:
        """The output directory."""
        return Path(self.cfg.out)

    @property
    def checkpoint_path(self) -> Path:
        """``OUT/last.pt``: everything needed to resume."""
        return self.out / "last.pt"

    @property
    def weights_path(self) -> Path:
        """``OUT/model.pt``: the bare state dict (the EMA weights when EMA is on)."""
        return self.out / "model.pt"

    def log(self, text: str) -> None:
        """A progress line on stderr, from rank 0 only, unless ``--quiet``."""
        if self.info.is_main and not self.cfg.quiet:
            print(text, file=sys.stderr, flush=True)


@dataclass
class TrainProgress:
    """Where the run stands; a checkpoint saves it beside the parts' own states."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    elapsed_before: float = 0.0  # wall seconds of the runs this one resumes
    stopped: str = "steps"  # why the loop ended: "steps", "stop_after" or "time"


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


# --------------------------------------------------------------------------- the run, step by step


def train(config: TrainConfig) -> dict[str, Any]:
    """Train ``config.model``; returns a summary (steps, wall time, validation history, files)."""
    cfg = config.resolved()
    check_config(cfg)
    device, amp = device_and_amp(cfg)
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    resume_path = _resume_path(cfg)
    info = dist_utils.init(device.type)
    if info.distributed and device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
    try:
        return _run(cfg, device, amp, info, resume_path)
    finally:
        dist_utils.shutdown(info)


def _resume_path(cfg: TrainConfig) -> Path | None:
    if not cfg.resume:
        return None
    path = Path(cfg.out) / "last.pt" if cfg.resume == "auto" else Path(cfg.resume)
    if not path.is_file():
        raise FileNotFoundError(f"--resume: no checkpoint at {path}")
    return path


def _run(
    cfg: TrainConfig, device: torch.device, amp: bool, info: dist_utils.DistInfo, resume_path: Path | None
) -> dict[str, Any]:
    """The run in its steps: build, resume, validate the start, train, finish."""
    started = time.perf_counter()
    seed_everything(cfg.seed)
    parts = build_parts(cfg, device, amp, info, started)
    progress = resume_from(parts, resume_path) if resume_path is not None else TrainProgress()
    if info.is_main:
        parts.out.mkdir(parents=True, exist_ok=True)
    dist_utils.barrier(info)
    parts.log(
        f"training {cfg.model} ({recipe_source(cfg.model)}) on {cfg.dataset}/{cfg.split}: "
        f"{cfg.steps} steps, batch {cfg.batch_size} x {info.world_size} process(es), crop {cfg.crop}, "
        f"{parts.criterion.describe()}, {cfg.optimizer} lr {cfg.lr:g} {cfg.schedule}, device {device}, amp {amp}"
    )
    if progress.step == 0 and not progress.history:
        validate_step(parts, progress)
    train_epochs(parts, progress)
    return finish(parts, progress)


def build_parts(
    cfg: TrainConfig, device: torch.device, amp: bool, info: dist_utils.DistInfo, started: float
) -> TrainParts:
    """Data (datasets, this rank's sampler), network (DDP under torchrun), optimiser, schedule, EMA, loss."""
    from ..models import get_spec

    data = build_data(cfg, info)
    bare, model, capture = _build_network(cfg, device, info)
    params = [p for p in bare.parameters() if p.requires_grad]
    optimizer = _build_optimizer(cfg, params)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(cfg))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    ema = EMA(bare, cfg.ema) if cfg.ema else None
    criterion = Criterion(
        cfg.loss, multiscale=cfg.multiscale, fft_weight=cfg.fft_weight, charbonnier_eps=cfg.charbonnier_eps
    )
    return TrainParts(
        cfg=cfg,
        spec=get_spec(cfg.model),
        device=device,
        amp=amp,
        info=info,
        started=started,
        data=data,
        bare=bare,
        model=model,
        capture=capture,
        params=params,
        optimizer=optimizer,
        scheduler=scheduler,
        scaler=scaler,
        ema=ema,
        criterion=criterion,
    )


def _build_network(
    cfg: TrainConfig, device: torch.device, info: dist_utils.DistInfo
) -> tuple[nn.Module, nn.Module, _Capture]:
    """The registered network in training mode, hooked; what to train (it or its DDP wrapper); the hook."""
    from ..models import create_model

    bare = create_model(cfg.model, weights=cfg.init_weights, **cfg.model_opts).to(device)
    bare.train()
    capture = _Capture()
    bare.register_forward_hook(capture)
    if not info.distributed:
        return bare, bare, capture
    model = nn.parallel.DistributedDataParallel(
        bare, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
    )
    return bare, model, capture


def _build_optimizer(cfg: TrainConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    opt_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    return opt_cls(params, lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)


def resume_from(parts: TrainParts, path: Path) -> TrainProgress:
    """Load a checkpoint's states and RNG into ``parts``; the progress it was written at."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    _check_resumable(parts, state, path)
    parts.bare.load_state_dict(state["model"])
    parts.optimizer.load_state_dict(state["optimizer"])
    parts.scheduler.load_state_dict(state["scheduler"])
    parts.scaler.load_state_dict(state["scaler"])
    if parts.ema is not None and state.get("ema"):
        parts.ema.load_state_dict(state["ema"])
    progress = TrainProgress(
        step=int(state["step"]),
        epoch=int(state["epoch"]),
        batch_in_epoch=int(state["batch_in_epoch"]),
        history=list(state.get("history", [])),
        elapsed_before=float(state.get("wall_s", 0.0)),
    )
    set_rng_state(state["rng"])
    parts.log(
        f"resumed from {path} at step {progress.step} "
        f"(epoch {progress.epoch}, batch {progress.batch_in_epoch})"
    )
    return progress


def _check_resumable(parts: TrainParts, state: Mapping[str, Any], path: Path) -> None:
    saved, now = state["config"], parts.cfg.plain()
    for key in RESUME_FIXED:
        if saved.get(key) != now.get(key):
            raise ValueError(
                f"--resume {path}: {key} was {saved.get(key)!r} there, {now.get(key)!r} now; "
                "resume with the same settings"
            )
    if state["world_size"] != parts.info.world_size:
        raise ValueError(
            f"--resume {path}: written by {state['world_size']} process(es), now {parts.info.world_size}"
        )


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
    cfg, device, spec = parts.cfg, parts.device, parts.spec
    blur = batch.blur.to(device, non_blocking=True)
    sharp = batch.sharp.to(device, non_blocking=True)
    if cfg.color_aug:
        blur, sharp = color_augment(blur, sharp, cfg.seed, progress.step, parts.info.rank)
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=parts.amp):
        image = spec.interface(parts.model, blur)
        loss = parts.criterion(image, sharp, _scales(spec, parts.capture.raw))
    parts.capture.raw = None
    _optimise(parts, loss)
    progress.step += 1
    progress.batch_in_epoch += 1
    return float(loss.detach())


def _optimise(parts: TrainParts, loss: torch.Tensor) -> None:
    """Backward (AMP-scaled), optional gradient clipping, optimiser, schedule and EMA steps."""
    optimizer, scaler = parts.optimizer, parts.scaler
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    if parts.cfg.clip_grad:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(parts.params, parts.cfg.clip_grad)
    scaler.step(optimizer)
    scaler.update()
    parts.scheduler.step()
    if parts.ema is not None:
        parts.ema.update(parts.bare)


def _scales(spec: Any, raw: Any) -> list[torch.Tensor] | None:
    if isinstance(raw, (list, tuple)) and all(isinstance(t, torch.Tensor) for t in raw):
        return [spec.interface.from_network(t) for t in raw]
    return None


def after_step(parts: TrainParts, progress: TrainProgress, window: _LossWindow) -> None:
    """The loss line every ``log_every`` steps, validation every ``val_every``, a checkpoint every ``save_every``."""
    cfg, step = parts.cfg, progress.step
    if step % cfg.log_every == 0:
        parts.log(window.line(step, cfg.steps, parts.scheduler.get_last_lr()[0]))
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
    if parts.info.is_main and parts.data.val_set is not None:
        scores = validate(_eval_module(parts), parts.spec, parts.data.val_set, parts.device)
        row = {"step": progress.step, **scores}
        row["wall_s"] = round(_wall_s(parts, progress), 1)
        progress.history.append(row)
        parts.log(
            f"val step {progress.step}: {row['psnr']:.2f} dB (blurry input {row['blurry_psnr']:.2f} dB)"
        )
    dist_utils.barrier(parts.info)


def _eval_module(parts: TrainParts) -> nn.Module:
    """The network to validate: ``bare``, or a copy of it holding the EMA weights."""
    if parts.ema is None:
        return parts.bare
    shadow = copy.deepcopy(parts.bare)
    shadow.load_state_dict(parts.ema.state_dict())
    return shadow


def checkpoint_state(parts: TrainParts, progress: TrainProgress) -> dict[str, Any]:
    """What ``last.pt`` holds: every state and RNG, the data position, history and config."""
    ema = parts.ema
    return {
        "model": parts.bare.state_dict(),
        "optimizer": parts.optimizer.state_dict(),
        "scheduler": parts.scheduler.state_dict(),
        "scaler": parts.scaler.state_dict(),
        "ema": ema.state_dict() if ema is not None else {},
        "rng": rng_state(),
        "step": progress.step,
        "epoch": progress.epoch,
        "batch_in_epoch": progress.batch_in_epoch,
        "world_size": parts.info.world_size,
        "wall_s": _wall_s(parts, progress),
        "history": progress.history,
        "config": parts.cfg.plain(),
    }


def save_checkpoint(parts: TrainParts, progress: TrainProgress) -> None:
    """Rank 0 writes ``last.pt``, ``model.pt`` and ``history.json``; every rank waits."""
    if parts.info.is_main:
        save_atomic(checkpoint_state(parts, progress), parts.checkpoint_path)
        weights = parts.ema.state_dict() if parts.ema is not None else parts.bare.state_dict()
        save_atomic(weights, parts.weights_path)
        write_text(parts.out / "history.json", json.dumps(progress.history, indent=2) + "\n")
    dist_utils.barrier(parts.info)


def finish(parts: TrainParts, progress: TrainProgress) -> dict[str, Any]:
    """Validate the last step (unless done), checkpoint, write ``summary.json``; the summary."""
    if not progress.history or progress.history[-1]["step"] != progress.step:
        validate_step(parts, progress)
    save_checkpoint(parts, progress)
    flat = torch.cat([t.detach().reshape(-1).float().cpu() for t in parts.bare.state_dict().values()])
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
