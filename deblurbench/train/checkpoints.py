"""Checkpoints: the files a run writes, each atomically, and resuming from ``last.pt`` bit for bit.

``OUT/last.pt`` holds the model, optimiser, scheduler, AMP scaler and EMA states, the torch /
CUDA / numpy / Python RNG states, the data position (epoch and batch within it: the order itself
is a pure function of seed and epoch) and the step, all as tensors and plain values so
``torch.load(weights_only=True)`` reads it. ``OUT/model.pt`` is the bare state dict (the EMA
weights when EMA is on) that ``create_model(name, weights=...)`` loads strictly;
``OUT/history.json`` is the validation history.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..atomic import atomic_path, write_text
from .model import TrainModel
from .options import TrainConfig
from .rng import rng_state, set_rng_state

# What every last.pt holds (beside the EMA state, history and wall time).
CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "scaler", "rng", "step", "epoch", "batch_in_epoch")
CHECKPOINT_KEYS += ("world_size", "config")
NEEDS = "--resume needs the last.pt a training run wrote (OUT/last.pt)"

# Fields that must match between a checkpoint and the run resuming it.
RESUME_FIXED = ("model", "dataset", "split", "batch_size", "crop", "seed", "model_opts", "dataset_opts")


@dataclass
class TrainProgress:
    """Where the run stands; a checkpoint saves it beside the model's own states."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    elapsed_before: float = 0.0  # wall seconds of the runs this one resumes
    stopped: str = "steps"  # why the loop ended: "steps", "stop_after" or "time"


def checkpoint_path(out: Path) -> Path:
    """``OUT/last.pt``: everything needed to resume."""
    return out / "last.pt"


def weights_path(out: Path) -> Path:
    """``OUT/model.pt``: the bare state dict (the EMA weights when EMA is on)."""
    return out / "model.pt"


def resume_path(cfg: TrainConfig) -> Path | None:
    """The checkpoint ``--resume`` names (``auto``: ``OUT/last.pt``), or None; one line if it is missing."""
    if not cfg.resume:
        return None
    path = checkpoint_path(Path(cfg.out)) if cfg.resume == "auto" else Path(cfg.resume)
    if not path.is_file():
        raise FileNotFoundError(f"--resume: no checkpoint at {path}")
    return path


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename over ``path``."""
    with atomic_path(path) as partial:
        torch.save(obj, partial)


def checkpoint_state(
    cfg: TrainConfig, model: TrainModel, progress: TrainProgress, world_size: int, wall_s: float
) -> dict[str, Any]:
    """What ``last.pt`` holds: every state and RNG, the data position, history and config."""
    return {
        **model.state_dict(),
        "rng": rng_state(),
        "step": progress.step,
        "epoch": progress.epoch,
        "batch_in_epoch": progress.batch_in_epoch,
        "world_size": world_size,
        "wall_s": wall_s,
        "history": progress.history,
        "config": cfg.plain(),
    }


def write_checkpoint(
    out: Path, state: Mapping[str, Any], weights: Mapping[str, torch.Tensor], history: list[Any]
) -> None:
    """Write ``last.pt``, ``model.pt`` and ``history.json`` under ``out``, each atomically."""
    save_atomic(state, checkpoint_path(out))
    save_atomic(weights, weights_path(out))
    write_text(out / "history.json", json.dumps(history, indent=2) + "\n")


def load_checkpoint(path: Path, cfg: TrainConfig, model: TrainModel, world_size: int) -> TrainProgress:
    """Load a checkpoint's states into ``model`` and its RNG states; the progress it was written at."""
    state = read_checkpoint(path)
    _check_resumable(state, cfg, world_size, path)
    model.load_state_dict(state)
    progress = TrainProgress(
        step=int(state["step"]),
        epoch=int(state["epoch"]),
        batch_in_epoch=int(state["batch_in_epoch"]),
        history=list(state.get("history", [])),
        elapsed_before=float(state.get("wall_s", 0.0)),
    )
    set_rng_state(state["rng"])
    return progress


def read_checkpoint(path: Path) -> Mapping[str, Any]:
    """A training checkpoint's contents, plain values only; one line saying what the file is otherwise."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(
            f"--resume {path}: not a plain checkpoint: it holds Python objects whose loading may run "
            f"code, so it is refused; {NEEDS}"
        ) from None
    except (RuntimeError, EOFError, KeyError, ValueError, OSError) as exc:
        reason = (str(exc).splitlines()[0].split(". ")[0] if str(exc) else "") or "it ends early"
        raise ValueError(
            f"--resume {path}: not a readable checkpoint, truncated or damaged ({reason}); {NEEDS}"
        ) from None
    if isinstance(state, Mapping) and state and all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(
            f"--resume {path}: a bare state dict (network weights, like OUT/model.pt), not a training "
            f"checkpoint; {NEEDS}, or start from these weights with --weights {path}"
        )
    missing = [k for k in CHECKPOINT_KEYS if not isinstance(state, Mapping) or k not in state]
    if missing:
        raise ValueError(f"--resume {path}: not a training checkpoint (no {', '.join(missing)}); {NEEDS}")
    return state


def _check_resumable(state: Mapping[str, Any], cfg: TrainConfig, world_size: int, path: Path) -> None:
    """One line naming the first setting that differs from the checkpoint's, or its process count."""
    saved, now = state["config"], cfg.plain()
    for key in RESUME_FIXED:
        if saved.get(key) != now.get(key):
            raise ValueError(
                f"--resume {path}: {key} was {saved.get(key)!r} there, {now.get(key)!r} now; "
                "resume with the same settings"
            )
    if state["world_size"] != world_size:
        raise ValueError(f"--resume {path}: written by {state['world_size']} process(es), now {world_size}")
