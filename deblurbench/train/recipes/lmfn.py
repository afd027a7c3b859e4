"""LMFN's training recipe (not from the paper: see its source)."""

from __future__ import annotations

from typing import Any

from . import register_recipe


@register_recipe(models=("lmfn",))
def lmfn() -> dict[str, Any]:
    """LMFN (Zhang et al., arXiv 2101.05403 / Sensors 2021 as LFDN). NOT FROM THE PAPER: its
    implementation details were not found in any source this project could read (the
    authors' repository has no training script). This is the EDSR/RFDN-style recipe the
    authors' code base descends from (MeanShift on 0-255, their block.py): L1 loss, Adam
    (0.9, 0.999), lr 1e-4 halved every 200k iterations ("step" schedule), 256x256 crops
    with flips and rotations, batch 16. Replace with the paper's values when found.
    """
    return {
        "loss": "l1",
        "optimizer": "adam",
        "lr": 1e-4,
        "betas": (0.9, 0.999),
        "weight_decay": 0.0,
        "schedule": "step",
        "step_size": 200_000,
        "gamma": 0.5,
        "warmup_steps": 0,
        "crop": 256,
        "batch_size": 16,
        "steps": 600_000,
        "clip_grad": 0.0,
        "ema": 0.0,
    }
