"""Where a run trains: the device ``--device`` names, whether AMP is on there, and its name for the summary."""

from __future__ import annotations

import platform

import torch

from .options import TrainConfig


def pick_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; anything else checked against this machine."""
    from ..models.restorer import parse_device

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return parse_device(name)


def device_and_amp(cfg: TrainConfig) -> tuple[torch.device, bool]:
    """The device and whether mixed precision is on (by default on CUDA only); one line for AMP on CPU."""
    device = pick_device(cfg.device)
    amp = device.type == "cuda" if cfg.amp is None else bool(cfg.amp)
    if amp and device.type != "cuda":
        raise ValueError("--amp needs CUDA (mixed precision is used on CUDA only); drop it on CPU")
    return device, amp


def device_name(device: torch.device) -> str:
    """``cuda (NAME)`` or ``cpu (PROCESSOR, N threads)``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
