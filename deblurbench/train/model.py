"""The trained network and what updates it, as a BasicSR model class holds them.

:class:`TrainModel` holds the registered network (``bare``: what is saved and validated), what
is trained (``bare``, or ``bare`` in DistributedDataParallel under torchrun), the optimiser,
learning-rate schedule, AMP scaler, weight EMA and loss, and takes one optimisation step. The
network is called through the same input/output mapping :class:`~deblurbench.Restorer` uses at
test time (``spec.interface``), so the loss is taken on [0, 1] images.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from . import constructor
from . import distributed as dist_utils
from .losses import Criterion
from .options import TrainConfig


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


class _Capture:
    """Forward hook keeping the bare network's raw result (all scales of a multi-output net)."""

    def __init__(self) -> None:
        self.raw: Any = None

    def __call__(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self.raw = output


@dataclass(frozen=True, eq=False)
class TrainModel:
    """The network being trained with its optimiser, schedule, AMP scaler, EMA and loss."""

    spec: Any
    device: torch.device
    amp: bool
    bare: nn.Module
    model: nn.Module
    capture: _Capture
    params: list[nn.Parameter]
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    ema: EMA | None
    criterion: Criterion
    clip_grad: float

    @classmethod
    def build(
        cls,
        cfg: TrainConfig,
        network: nn.Module,
        device: torch.device,
        amp: bool,
        info: dist_utils.DistInfo,
    ) -> TrainModel:
        """``network`` (from :func:`build_network`; DDP-wrapped under torchrun), optimiser, schedule, AMP
        scaler, EMA and loss for ``cfg``."""
        from ..models import get_spec

        bare, model, capture = _place_network(network, device, info)
        params = [p for p in bare.parameters() if p.requires_grad]
        opt_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
        optimizer = opt_cls(params, lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
        criterion = Criterion(
            cfg.loss,
            multiscale=cfg.multiscale,
            fft_weight=cfg.fft_weight,
            charbonnier_eps=cfg.charbonnier_eps,
        )
        return cls(
            spec=get_spec(cfg.model),
            device=device,
            amp=amp,
            bare=bare,
            model=model,
            capture=capture,
            params=params,
            optimizer=optimizer,
            scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(cfg)),
            scaler=torch.amp.GradScaler("cuda", enabled=amp),
            ema=EMA(bare, cfg.ema) if cfg.ema else None,
            criterion=criterion,
            clip_grad=cfg.clip_grad,
        )

    def step(self, blur: torch.Tensor, sharp: torch.Tensor) -> float:
        """One optimisation step on a batch already on the device; the loss."""
        with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.amp):
            image = self.spec.interface(self.model, blur)
            loss = self.criterion(image, sharp, _scales(self.spec, self.capture.raw))
        self.capture.raw = None
        self._optimise(loss)
        return float(loss.detach())

    def _optimise(self, loss: torch.Tensor) -> None:
        """Backward (AMP-scaled), optional gradient clipping, optimiser, schedule and EMA steps."""
        optimizer, scaler = self.optimizer, self.scaler
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if self.clip_grad:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(self.params, self.clip_grad)
        scaler.step(optimizer)
        scaler.update()
        self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.bare)

    @property
    def lr(self) -> float:
        """The learning rate of the last step."""
        return float(self.scheduler.get_last_lr()[0])

    def eval_module(self) -> nn.Module:
        """The network to validate: ``bare``, or a copy of it holding the EMA weights."""
        if self.ema is None:
            return self.bare
        shadow = copy.deepcopy(self.bare)
        shadow.load_state_dict(self.ema.state_dict())
        return shadow

    def weights(self) -> dict[str, torch.Tensor]:
        """The bare state dict to ship (the EMA weights when EMA is on)."""
        return self.ema.state_dict() if self.ema is not None else self.bare.state_dict()

    def state_dict(self) -> dict[str, Any]:
        """Network, optimiser, scheduler, scaler and EMA states (the EMA's empty when off)."""
        return {
            "model": self.bare.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else {},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.bare.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        if self.ema is not None and state.get("ema"):
            self.ema.load_state_dict(state["ema"])


def build_network(cfg: TrainConfig) -> nn.Module:
    """The registered network with ``cfg``'s constructor options (a bad one is a one-line ``ValueError``)
    and initial weights, on the CPU: the run's one build of it."""
    from ..models import load_network_weights

    network = constructor.construct(cfg.model, cfg.model_opts)
    if cfg.init_weights is not None:
        load_network_weights(network, cfg.model, cfg.init_weights)
    return network


def _place_network(
    network: nn.Module, device: torch.device, info: dist_utils.DistInfo
) -> tuple[nn.Module, nn.Module, _Capture]:
    """The network on ``device`` in training mode, hooked; what to train (it or its DDP wrapper); the hook."""
    bare = network.to(device)
    bare.train()
    capture = _Capture()
    bare.register_forward_hook(capture)
    if not info.distributed:
        return bare, bare, capture
    model = nn.parallel.DistributedDataParallel(
        bare, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
    )
    return bare, model, capture


def _scales(spec: Any, raw: Any) -> list[torch.Tensor] | None:
    """Every output scale of a multi-output network, mapped to [0, 1]; None for a single output."""
    if isinstance(raw, (list, tuple)) and all(isinstance(t, torch.Tensor) for t in raw):
        return [spec.interface.from_network(t) for t in raw]
    return None
