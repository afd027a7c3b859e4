"""Official checkpoint formats -> a state dict, loaded strictly and safely.

Checkpoints are read with ``torch.load(weights_only=True)`` so a file can never
run code. The official repositories nest weights under different keys
(``params``, ``params_ema``, ``state_dict``, ``model``, ``net``, ...) and
DataParallel adds a ``module.`` prefix; both are undone here.
"""

from __future__ import annotations

import pickle
import re
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

# Order matters: BasicSR-style files hold both, and the EMA weights are what
# NAFNet / HINet / Restormer report. "G": DeepDeblur-PyTorch saves {"G": state dict}.
NESTED_KEYS: tuple[str, ...] = ("params_ema", "params", "state_dict", "model", "net", "generator", "G")


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the network; one line."""


def read_checkpoint(path: str | Path, mmap: bool = False) -> dict[str, torch.Tensor]:
    """Read ``path`` safely and return the network's flat state dict.

    ``mmap=True`` maps a zip-format file's tensors instead of reading them (to list shapes
    without the memory); a legacy pickle, which torch cannot map, is read as usual.
    """
    return unwrap_state_dict(load_checkpoint_object(path, mmap=mmap), source=str(path))


def load_checkpoint_object(path: str | Path, mmap: bool = False) -> object:
    """What ``torch.load(path, weights_only=True)`` gives (mapped where ``mmap`` and a zip file), or a
    one-line :class:`CheckpointError`."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a directory; this network's checkpoints are single files")
    try:
        mapped = mmap and zipfile.is_zipfile(path)
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=mapped)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint file") from None
    except pickle.UnpicklingError as exc:
        if "Unsupported operand" in str(exc):  # no pickle at all: bytes the unpickler cannot parse
            raise CheckpointError(
                f"{path}: not a readable torch checkpoint ({_reason(KeyError())})"
            ) from None
        raise CheckpointError(_refused(path, exc)) from None
    except Exception as exc:  # truncated zip, not a torch file, ...
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({_reason(exc)})") from None
    return obj


def _refused(path: Path, exc: Exception) -> str:
    """Why a pickle was refused, without torch's advice to load it with ``weights_only=False`` (never safe)."""
    found = re.search(r"(unsupported (?:global|operand):? [^\s]+)", str(exc), re.IGNORECASE)
    what = f" ({' '.join(found.group(1).split())})" if found else ""
    return (
        f"{path}: not loaded: it holds more than tensors and plain containers{what}, and unpickling it "
        "could run code; use the official checkpoint or re-save the state dict alone"
    )


def _reason(exc: Exception) -> str:
    """What went wrong, in words (torch's own text is an opcode such as "101", an empty EOF or miniz jargon)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, EOFError):
        return "it ends early: empty or truncated; download it again"
    if isinstance(exc, (KeyError, IndexError)):  # a byte that is no pickle opcode; an opcode with no operand
        return "its bytes are neither a torch zip file nor a pickle"
    if "PytorchStreamReader failed" in text:
        return "a truncated or damaged zip file; download it again"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text or type(exc).__name__


def unwrap_state_dict(obj: object, source: str = "checkpoint") -> dict[str, torch.Tensor]:
    """Find the state dict inside an official checkpoint object and strip ``module.``."""
    while isinstance(obj, Mapping) and not _is_state_dict(obj):
        inner = next((obj[k] for k in NESTED_KEYS if k in obj and isinstance(obj[k], Mapping)), None)
        if inner is None:
            keys = ", ".join(sorted(map(str, obj))[:8])
            raise CheckpointError(
                f"{source}: no state dict found (top-level keys: {keys}); expected tensors "
                f"or one of {', '.join(NESTED_KEYS)}"
            )
        obj = inner
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{source}: holds a {type(obj).__name__}, not a state dict")
    state = dict(obj)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def _is_state_dict(obj: Mapping) -> bool:
    return bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


_INSTANCE_NORM_STATS = ("running_mean", "running_var", "num_batches_tracked")
Value = TypeVar("Value")


def drop_instance_norm_stats(
    model: nn.Module, state: Mapping[str, Value]
) -> tuple[dict[str, Value], list[str]]:
    """Remove running statistics saved for InstanceNorm layers that keep none.

    PyTorch before 0.4 saved them (pix2pix-era checkpoints such as DeblurGAN's);
    the layers never use them, and the official code drops them the same way.
    """
    stateless = {
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.modules.instancenorm._InstanceNorm) and not module.track_running_stats
    }
    kept, dropped = {}, []
    for key, value in state.items():
        owner, _, leaf = key.rpartition(".")
        if leaf in _INSTANCE_NORM_STATS and owner in stateless:
            dropped.append(key)
        else:
            kept[key] = value
    return kept, dropped


def load_state_dict_strict(
    model: nn.Module, state: Mapping[str, torch.Tensor], source: str = "checkpoint"
) -> None:
    """``load_state_dict(strict=True)`` with one readable error listing every mismatch."""
    state, dropped = drop_instance_norm_stats(model, state)
    if dropped:
        warnings.warn(
            f"{source}: ignored {len(dropped)} InstanceNorm running-statistics entries "
            "(saved by old PyTorch; the layers keep no statistics)",
            stacklevel=2,
        )
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    misshaped = [
        f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or misshaped:
        parts = []
        for label, items in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("mis-shaped (file vs network)", misshaped),
        ):
            if items:
                shown = ", ".join(items[:5]) + (f", ... ({len(items)} in all)" if len(items) > 5 else "")
                parts.append(f"{label}: {shown}")
        raise CheckpointError(f"{source} does not fit {type(model).__name__}: " + "; ".join(parts))
    model.load_state_dict(state, strict=True)


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load an official checkpoint file into ``model`` strictly; returns ``model``."""
    load_state_dict_strict(model, read_checkpoint(path), source=str(path))
    return model
