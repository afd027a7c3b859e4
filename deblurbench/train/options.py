"""The options of one training run (:class:`TrainConfig`) and their checks: a bad one is one line naming it.

Recipes (:mod:`.recipes`) are values for these fields; :meth:`TrainConfig.resolved` fills the
unset ones from the network's recipe. This module imports nothing else of the package at
module level, so the recipes can import it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "step", "constant")


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
        from .recipes import recipe_for  # deferred: the recipes import this module to check their fields

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


def check_config(cfg: TrainConfig) -> None:
    """Raise a one-line ``ValueError`` for an option that cannot work."""
    from ..models import get_spec

    spec = get_spec(cfg.model)
    _check_positive(cfg)
    if cfg.crop % spec.multiple or cfg.crop < spec.min_size:
        raise ValueError(
            f"--crop {cfg.crop} does not suit {cfg.model}: it needs a multiple of {spec.multiple}, "
            f"at least {spec.min_size} ({spec.sizes or 'see its spec'})"
        )
    _check_optimisation(cfg)
    _check_run_limits(cfg)


def _check_positive(cfg: TrainConfig) -> None:
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


def _check_optimisation(cfg: TrainConfig) -> None:
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


def _check_run_limits(cfg: TrainConfig) -> None:
    if cfg.val_count < 0:
        raise ValueError(f"--val-count {cfg.val_count}: must be >= 0")
    if cfg.max_minutes is not None and cfg.max_minutes <= 0:
        raise ValueError(f"--max-minutes {cfg.max_minutes}: must be > 0")
    if cfg.workers < 0:
        raise ValueError(f"--workers {cfg.workers}: must be >= 0")
