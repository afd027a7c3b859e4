"""Default training recipes: the generic one and per-network ones (``--model NAME`` picks it).

A recipe is a dict of :class:`~deblurbench.train.loop.TrainConfig` fields; command-line
flags override it. Each recipe says where its numbers come from.
"""

from __future__ import annotations

from typing import Any

GENERIC: dict[str, Any] = {
    "loss": "l1",
    "optimizer": "adam",
    "lr": 2e-4,
    "weight_decay": 0.0,
    "betas": (0.9, 0.999),
    "schedule": "cosine",
    "min_lr": 1e-6,
    "warmup_steps": 0,
    "crop": 256,
    "batch_size": 8,
    "steps": 100_000,
    "clip_grad": 0.0,
    "ema": 0.0,
}

RECIPES: dict[str, dict[str, Any]] = {
    # LMFN (Zhang et al., arXiv 2101.05403 / Sensors 2021 as LFDN). NOT FROM THE PAPER: its
    # implementation details were not found in any source this project could read (the
    # authors' repository has no training script). This is the EDSR/RFDN-style recipe the
    # authors' code base descends from (MeanShift on 0-255, their block.py): L1 loss, Adam
    # (0.9, 0.999), lr 1e-4 halved every 200k iterations ("step" schedule), 256x256 crops
    # with flips and rotations, batch 16. Replace with the paper's values when found.
    "lmfn": {
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
    },
    # MIMO-UNet (Cho et al., ICCV 2021, section 4.1): Adam lr 1e-4 halved every 500 epochs,
    # 256x256 crops, batch 4, 3000 epochs; L1 content loss on all three scales + 0.1 x FFT loss.
    "mimo_unet": {
        "loss": "l1",
        "multiscale": True,
        "fft_weight": 0.1,
        "optimizer": "adam",
        "lr": 1e-4,
        "schedule": "step",
        "step_size": 500 * 525,  # 500 epochs of GoPro's 2,103 pairs at batch 4
        "gamma": 0.5,
        "crop": 256,
        "batch_size": 4,
        "steps": 3000 * 525,
    },
    # NAFNet (Chen et al., ECCV 2022; options/train/GoPro/NAFNet-width32.yml): AdamW lr 1e-3,
    # betas (0.9, 0.9), wd 0, cosine to 1e-7 over 200k iterations, 256 crops, batch 32
    # (8 GPUs x 4); PSNR loss in the paper, L1 here (the nearest supported).
    "nafnet": {
        "optimizer": "adamw",
        "lr": 1e-3,
        "betas": (0.9, 0.9),
        "weight_decay": 0.0,
        "schedule": "cosine",
        "min_lr": 1e-7,
        "crop": 256,
        "batch_size": 32,
        "steps": 200_000,
    },
}
RECIPES["mimo_unet_plus"] = RECIPES["mimo_unet"]
for _name in (
    "nafnet_gopro_width32",
    "nafnet_gopro_width32_tlc",
    "nafnet_gopro_width64",
    "nafnet_gopro_width64_tlc",
):
    RECIPES[_name] = RECIPES["nafnet"]
del RECIPES["nafnet"]


def recipe_for(model: str) -> dict[str, Any]:
    """The recipe of ``model``: the generic defaults overlaid with the network's own."""
    return {**GENERIC, **RECIPES.get(model, {})}


def recipe_source(model: str) -> str:
    """``'<model> recipe'`` or ``'generic recipe'``: what the defaults came from."""
    return f"{model} recipe" if model in RECIPES else "generic recipe"
