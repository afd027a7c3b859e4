"""NAFNet's training recipe (the authors' GoPro options), for every registered NAFNet."""

from __future__ import annotations

from typing import Any

from . import register_recipe


@register_recipe(
    models=(
        "nafnet_gopro_width32",
        "nafnet_gopro_width32_tlc",
        "nafnet_gopro_width64",
        "nafnet_gopro_width64_tlc",
    )
)
def nafnet() -> dict[str, Any]:
    """NAFNet (Chen et al., ECCV 2022; options/train/GoPro/NAFNet-width32.yml): AdamW lr 1e-3,
    betas (0.9, 0.9), wd 0, cosine to 1e-7 over 200k iterations, 256 crops, batch 32
    (8 GPUs x 4); PSNR loss in the paper, L1 here (the nearest supported).
    """
    return {
        "optimizer": "adamw",
        "lr": 1e-3,
        "betas": (0.9, 0.9),
        "weight_decay": 0.0,
        "schedule": "cosine",
        "min_lr": 1e-7,
        "crop": 256,
        "batch_size": 32,
        "steps": 200_000,
    }
