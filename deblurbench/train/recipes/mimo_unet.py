"""MIMO-UNet's training recipe (the paper's, for MIMO-UNet and MIMO-UNet+)."""

from __future__ import annotations

from typing import Any

from . import register_recipe


@register_recipe(models=("mimo_unet", "mimo_unet_plus"))
def mimo_unet() -> dict[str, Any]:
    """MIMO-UNet (Cho et al., ICCV 2021, section 4.1): Adam lr 1e-4 halved every 500 epochs,
    256x256 crops, batch 4, 3000 epochs; L1 content loss on all three scales + 0.1 x FFT loss.
    """
    return {
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
    }
