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
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from . import distributed as dist_utils
from .losses import Criterion
from .recipes import recipe_for, recipe_source

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "step", "constant")
VAL_SEED_OFFSET = 1_000_003  # synthetic validation: the train split drawn with another seed
# Fields that must match between a checkpoint and the run resuming it.
RESUME_FIXED = ("model", "dataset", "split", "batch_size", "crop", "seed", "model_opts", "dataset_opts")


@dataclass
class TrainConfig:
    """One training run. ``None`` fields take the network's recipe (see :mod:`.recipes`)."""

    model: str
    out: str
    dataset: str = "synthetic"
    root: str | None = None
    split: str = "train"
    dataset_opts: dict[str, Any] = field(default_factory=dict)
    model_opts: dict[str, Any] = field(default_factory=dict)
    init_weights: str | None = None
    val_split: str | None = None
    val_count: int = 8
    val_every: int = 500
    save_every: int | None = None
    log_every: int = 50
    steps: int | None = None
    batch_size: int | None = None
    crop: int | None = None
    loss: str | None = None
    charbonnier_eps: float = 1e-3
    multiscale: bool | None = None
    fft_weight: float | None = None
    optimizer: str | None = None
    lr: float | None = None
    betas: tuple[float, float] | None = None
    weight_decay: float | None = None
    schedule: str | None = None
    step_size: int | None = None
    gamma: float | None = None
    min_lr: float | None = None
    warmup_steps: int | None = None
    clip_grad: float | None = None
    color_aug: bool = False
    ema: float | None = None
    amp: bool | None = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    workers: int = 0
    max_minutes: float | None = None
    stop_after: int | None = None
    resume: str | None = None
    quiet: bool = False

    def resolved(self) -> TrainConfig:
        """A copy with every ``None`` recipe field filled from the network's recipe."""
        recipe = recipe_for(self.model)
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in recipe:
                value = recipe[f.name]
            values[f.name] = value
        values["multiscale"] = bool(values["multiscale"]) if values["multiscale"] is not None else False
        values["fft_weight"] = float(values["fft_weight"] or 0.0)
        values["step_size"] = values["step_size"] or max(1, int(values["steps"]) // 3)
        values["gamma"] = 0.5 if values["gamma"] is None else values["gamma"]
        values["betas"] = tuple(values["betas"])
        return TrainConfig(**values)

    def plain(self) -> dict[str, Any]:
        """Plain values (JSON- and ``weights_only``-safe)."""
        out = asdict(self)
        out["betas"] = list(out["betas"]) if out["betas"] is not None else None
        return json.loads(json.dumps(out, default=str))


# --------------------------------------------------------------------------- validation of options


def check_config(cfg: TrainConfig) -> None:
    """Raise a one-line ``ValueError`` for an option that cannot work."""
    from ..models import get_spec

    spec = get_spec(cfg.model)
    positive = {
        "steps": cfg.steps,
        "batch_size": cfg.batch_size,
        "crop": cfg.crop,
        "val_every": cfg.val_every,
        "log_every": cfg.log_every,
        "step_size": cfg.step_size,
    }
    for name, value in positive.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"--{name.replace('_', '-')} {value!r}: must be a positive integer")
    if cfg.crop % spec.multiple or cfg.crop < spec.min_size:
        raise ValueError(
            f"--crop {cfg.crop} does not suit {cfg.model}: it needs a multiple of {spec.multiple}, "
            f"at least {spec.min_size} ({spec.sizes or 'see its spec'})"
        )
    if cfg.optimizer not in OPTIMIZERS:
        raise ValueError(f"--optimizer {cfg.optimizer!r}: use one of {', '.join(OPTIMIZERS)}")
    if cfg.schedule not in SCHEDULES:
        raise ValueError(f"--schedule {cfg.schedule!r}: use one of {', '.join(SCHEDULES)}")
    if not (cfg.lr and cfg.lr > 0):
        raise ValueError(f"--lr {cfg.lr!r}: must be > 0")
    if cfg.warmup_steps < 0 or cfg.warmup_steps >= cfg.steps:
        raise ValueError(f"--warmup-steps {cfg.warmup_steps}: must be >= 0 and below --steps {cfg.steps}")
    if not 0 <= cfg.ema < 1:
        raise ValueError(f"--ema {cfg.ema}: an EMA decay in [0, 1) (0 = off)")
    if cfg.clip_grad < 0:
        raise ValueError(f"--clip-grad {cfg.clip_grad}: must be >= 0 (0 = off)")
    if cfg.val_count < 0:
        raise ValueError(f"--val-count {cfg.val_count}: must be >= 0")
    if cfg.max_minutes is not None and cfg.max_minutes <= 0:
        raise ValueError(f"--max-minutes {cfg.max_minutes}: must be > 0")
    if cfg.workers < 0:
        raise ValueError(f"--workers {cfg.workers}: must be >= 0")


def pick_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; anything else checked against this machine."""
    from ..models.restorer import parse_device

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return parse_device(name)


# --------------------------------------------------------------------------- schedule, EMA, RNG


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


def rng_state() -> dict[str, Any]:
    """torch, CUDA, numpy and Python RNG states as tensors and plain values."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": list(torch.cuda.get_rng_state_all()) if torch.cuda.is_available() else [],
        "numpy": {
            "name": str(name),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": {"version": int(version), "internal": list(internal), "gauss_next": gauss_next},
    }


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    np.random.set_state(
        (n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"])
    )
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss_next"]))


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename over ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- data


def build_datasets(cfg: TrainConfig) -> tuple[Any, Any | None]:
    """(training set with random crops/flips/rotations, held-out validation set or None)."""
    from ..datasets import PairTransform, get_dataset_spec, open_dataset

    get_dataset_spec(cfg.dataset)
    transform = PairTransform(cfg.crop, seed=cfg.seed)
    train_set = open_dataset(
        cfg.dataset, root=cfg.root, split=cfg.split, transform=transform, **cfg.dataset_opts
    )
    if cfg.val_count == 0:
        return train_set, None
    if cfg.dataset == "synthetic" and cfg.val_split in (None, "train"):
        # Held out: the train split's generator with another seed (other crops, kernels, noise).
        opts = {k: v for k, v in cfg.dataset_opts.items() if k != "num_samples"}
        opts["seed"] = int(opts.get("seed", 0)) + VAL_SEED_OFFSET
        val_set = open_dataset("synthetic", split="train", num_samples=cfg.val_count, **opts)
    else:
        split = cfg.val_split or "test"
        opts = {k: v for k, v in cfg.dataset_opts.items() if k not in ("num_samples", "size")}
        val_set = open_dataset(cfg.dataset, root=cfg.root, split=split, **opts)
        if len(val_set) > cfg.val_count:
            val_set = open_dataset(cfg.dataset, root=cfg.root, split=split, subset=cfg.val_count, **opts)
    return train_set, val_set


@torch.no_grad()
def validate(model: nn.Module, spec: Any, val_set: Any, device: torch.device) -> dict[str, float]:
    """Mean PSNR (quantised to 8 bits) of the network and of the blurry input on ``val_set``."""
    from ..bench.metrics import psnr, quantize
    from ..models.restorer import Restorer

    was_training = model.training
    restorer = Restorer(model, spec=spec, device=device)
    net, blurry = [], []
    for i in range(len(val_set)):
        pair = val_set[i]
        sharp = pair.sharp.unsqueeze(0)
        out = restorer(pair.blur.unsqueeze(0)).cpu()
        net.append(float(psnr(quantize(out), sharp)[0]))
        blurry.append(float(psnr(quantize(pair.blur.unsqueeze(0)), sharp)[0]))
    model.train(was_training)
    return {"psnr": float(np.mean(net)), "blurry_psnr": float(np.mean(blurry))}


# --------------------------------------------------------------------------- the loop


class _Capture:
    """Forward hook keeping the bare network's raw result (all scales of a multi-output net)."""

    def __init__(self) -> None:
        self.raw: Any = None

    def __call__(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self.raw = output


def _scales(spec: Any, raw: Any) -> list[torch.Tensor] | None:
    if isinstance(raw, (list, tuple)) and all(isinstance(t, torch.Tensor) for t in raw):
        return [spec.interface.from_network(t) for t in raw]
    return None


def _log(info: dist_utils.DistInfo, cfg: TrainConfig, text: str) -> None:
    if info.is_main and not cfg.quiet:
        print(text, file=sys.stderr, flush=True)


def train(config: TrainConfig) -> dict[str, Any]:
    """Train ``config.model``; returns a summary (steps, wall time, validation history, files)."""
    from ..models import create_model, get_spec

    cfg = config.resolved()
    check_config(cfg)
    spec = get_spec(cfg.model)
    device = pick_device(cfg.device)
    amp = device.type == "cuda" if cfg.amp is None else bool(cfg.amp)
    if amp and device.type != "cuda":
        raise ValueError("--amp needs CUDA (mixed precision is used on CUDA only); drop it on CPU")
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    out = Path(cfg.out)
    ckpt_path = out / "last.pt"
    resume_path: Path | None = None
    if cfg.resume:
        resume_path = ckpt_path if cfg.resume == "auto" else Path(cfg.resume)
        if not resume_path.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {resume_path}")

    info = dist_utils.init(device.type)
    if info.distributed and device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
    try:
        return _train(cfg, spec, device, amp, info, out, ckpt_path, resume_path, create_model)
    finally:
        dist_utils.shutdown(info)


def _train(
    cfg: TrainConfig,
    spec: Any,
    device: torch.device,
    amp: bool,
    info: dist_utils.DistInfo,
    out: Path,
    ckpt_path: Path,
    resume_path: Path | None,
    create_model: Callable[..., nn.Module],
) -> dict[str, Any]:
    started = time.perf_counter()
    seed_everything(cfg.seed)
    train_set, val_set = build_datasets(cfg)
    bare = create_model(cfg.model, weights=cfg.init_weights, **cfg.model_opts).to(device)
    bare.train()
    capture = _Capture()
    bare.register_forward_hook(capture)
    model: nn.Module = bare
    if info.distributed:
        model = nn.parallel.DistributedDataParallel(
            bare, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
        )
    params = [p for p in bare.parameters() if p.requires_grad]
    opt_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(params, lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(cfg))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    ema = EMA(bare, cfg.ema) if cfg.ema else None
    criterion = Criterion(
        cfg.loss, multiscale=cfg.multiscale, fft_weight=cfg.fft_weight, charbonnier_eps=cfg.charbonnier_eps
    )
    sampler = dist_utils.ResumableSampler(
        train_set, num_replicas=info.world_size, rank=info.rank, seed=cfg.seed
    )
    batches_per_epoch = len(sampler) // cfg.batch_size
    if batches_per_epoch < 1:
        raise ValueError(
            f"{cfg.dataset} {cfg.split}: {len(train_set)} pairs give no full batch of {cfg.batch_size} "
            f"per process ({info.world_size} process(es)); use a smaller --batch-size"
        )

    step, epoch, batch_in_epoch = 0, 0, 0
    history: list[dict[str, Any]] = []
    elapsed_before = 0.0
    if resume_path is not None:
        state = torch.load(resume_path, map_location="cpu", weights_only=True)
        saved = state["config"]
        now = cfg.plain()
        for key in RESUME_FIXED:
            if saved.get(key) != now.get(key):
                raise ValueError(
                    f"--resume {resume_path}: {key} was {saved.get(key)!r} there, {now.get(key)!r} now; "
                    "resume with the same settings"
                )
        if state["world_size"] != info.world_size:
            raise ValueError(
                f"--resume {resume_path}: written by {state['world_size']} process(es), now {info.world_size}"
            )
        bare.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        if ema is not None and state.get("ema"):
            ema.load_state_dict(state["ema"])
        step, epoch, batch_in_epoch = int(state["step"]), int(state["epoch"]), int(state["batch_in_epoch"])
        history = list(state.get("history", []))
        elapsed_before = float(state.get("wall_s", 0.0))
        set_rng_state(state["rng"])
        _log(info, cfg, f"resumed from {resume_path} at step {step} (epoch {epoch}, batch {batch_in_epoch})")

    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
    dist_utils.barrier(info)
    save_every = cfg.save_every or cfg.val_every
    _log(
        info,
        cfg,
        f"training {cfg.model} ({recipe_source(cfg.model)}) on {cfg.dataset}/{cfg.split}: "
        f"{cfg.steps} steps, batch {cfg.batch_size} x {info.world_size} process(es), crop {cfg.crop}, "
        f"{criterion.describe()}, {cfg.optimizer} lr {cfg.lr:g} {cfg.schedule}, device {device}, amp {amp}",
    )

    def eval_module() -> nn.Module:
        if ema is None:
            return bare
        shadow = copy.deepcopy(bare)
        shadow.load_state_dict(ema.state_dict())
        return shadow

    def run_validation() -> None:
        if info.is_main and val_set is not None:
            row = {"step": step, **validate(eval_module(), spec, val_set, device)}
            row["wall_s"] = round(elapsed_before + time.perf_counter() - started, 1)
            history.append(row)
            _log(
                info, cfg, f"val step {step}: {row['psnr']:.2f} dB (blurry input {row['blurry_psnr']:.2f} dB)"
            )
        dist_utils.barrier(info)

    def save() -> None:
        if info.is_main:
            state = {
                "model": bare.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(),
                "ema": ema.state_dict() if ema is not None else {},
                "rng": rng_state(),
                "step": step,
                "epoch": epoch,
                "batch_in_epoch": batch_in_epoch,
                "world_size": info.world_size,
                "wall_s": elapsed_before + time.perf_counter() - started,
                "history": history,
                "config": cfg.plain(),
            }
            save_atomic(state, ckpt_path)
            save_atomic(ema.state_dict() if ema is not None else bare.state_dict(), out / "model.pt")
            (out / "history.json").write_text(json.dumps(history, indent=2) + "\n")
        dist_utils.barrier(info)

    if step == 0 and not history:
        run_validation()

    stopped = "steps"
    deadline = None if cfg.max_minutes is None else started + 60.0 * cfg.max_minutes
    tick, loss_sum, loss_n = time.perf_counter(), 0.0, 0
    while step < cfg.steps:
        if cfg.stop_after is not None and step >= cfg.stop_after:
            stopped = "stop_after"
            break
        sampler.set_position(epoch, batch_in_epoch * cfg.batch_size)
        train_set.set_epoch(epoch)
        generator = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        loader = DataLoader(
            train_set,
            batch_size=cfg.batch_size,
            sampler=sampler,
            drop_last=True,
            num_workers=cfg.workers,
            collate_fn=_collate,
            generator=generator,
            persistent_workers=False,
        )
        finished_epoch = True
        for batch in loader:
            blur = batch.blur.to(device, non_blocking=True)
            sharp = batch.sharp.to(device, non_blocking=True)
            if cfg.color_aug:
                blur, sharp = color_augment(blur, sharp, cfg.seed, step, info.rank)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
                image = spec.interface(model, blur)
                loss = criterion(image, sharp, _scales(spec, capture.raw))
            capture.raw = None
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if cfg.clip_grad:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(params, cfg.clip_grad)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            if ema is not None:
                ema.update(bare)
            step += 1
            batch_in_epoch += 1
            loss_sum += float(loss.detach())
            loss_n += 1
            if step % cfg.log_every == 0:
                now = time.perf_counter()
                _log(
                    info,
                    cfg,
                    f"step {step}/{cfg.steps} loss {loss_sum / loss_n:.5f} lr {scheduler.get_last_lr()[0]:.3g} "
                    f"{(now - tick) / loss_n:.3f} s/step",
                )
                tick, loss_sum, loss_n = now, 0.0, 0
            if step % cfg.val_every == 0:
                run_validation()
            if step % save_every == 0:
                save()
            out_of_time = deadline is not None and time.perf_counter() >= deadline
            if info.distributed and deadline is not None:
                flag = torch.tensor([1.0 if out_of_time else 0.0], device=device)
                torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
                out_of_time = bool(flag.item())
            if out_of_time:
                stopped = "time"
            if step >= cfg.steps or out_of_time or (cfg.stop_after is not None and step >= cfg.stop_after):
                finished_epoch = batch_in_epoch >= batches_per_epoch
                break
        if stopped == "time":
            break
        if finished_epoch:
            epoch += 1
            batch_in_epoch = 0

    if not history or history[-1]["step"] != step:
        run_validation()
    save()
    flat = torch.cat([t.detach().reshape(-1).float().cpu() for t in bare.state_dict().values()])
    in_sync = dist_utils.all_equal(info, flat.to(device))
    wall = elapsed_before + time.perf_counter() - started
    summary = {
        "model": cfg.model,
        "out": str(out),
        "checkpoint": str(ckpt_path),
        "weights": str(out / "model.pt"),
        "step": step,
        "steps": cfg.steps,
        "stopped": stopped if step < cfg.steps else "steps",
        "wall_s": round(wall, 1),
        "device": _device_name(device),
        "world_size": info.world_size,
        "ranks_identical": in_sync,
        "threads": torch.get_num_threads(),
        "history": history,
        "config": cfg.plain(),
    }
    if info.is_main:
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    _log(info, cfg, f"done: step {step}, {wall:.0f} s; weights {out / 'model.pt'}")
    return summary


def color_augment(
    blur: torch.Tensor, sharp: torch.Tensor, seed: int, step: int, rank: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Same random channel order and per-channel gains (0.5-1) for blur and sharp; seeded by (seed, step, rank).

    Gives grey training images colour (the synthetic train split is mostly greyscale) without
    touching any RNG stream, so resumed runs stay exact.
    """
    gen = torch.Generator().manual_seed(((seed * 1_000_003 + step) * 64 + rank) % 2**63)
    n = blur.shape[0]
    order = torch.stack([torch.randperm(3, generator=gen) for _ in range(n)]).to(blur.device)
    gains = (0.5 + 0.5 * torch.rand(n, 3, 1, 1, generator=gen)).to(blur.device, blur.dtype)
    index = order.view(n, 3, 1, 1).expand_as(blur)
    return blur.gather(1, index) * gains, sharp.gather(1, index) * gains


def _collate(pairs: list[Any]) -> Any:
    from ..datasets import collate_pairs

    return collate_pairs(pairs)


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    import platform

    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
