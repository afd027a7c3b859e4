"""Non-blind Richardson-Lucy deconvolution told the true kernel (scikit-image's ``richardson_lucy``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from . import register_reference
from ._deconvolution import per_channel

RL_ITERATIONS = 20  # chosen as _deconvolution.py says


@register_reference(
    "richardson_lucy",
    "Richardson-Lucy (true kernel)",
    f"non-blind Richardson-Lucy deconvolution with the true kernel (skimage, {RL_ITERATIONS} iterations)",
    needs_kernel=True,
)
def richardson_lucy(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """scikit-image's Richardson-Lucy with each pair's true kernel."""
    from skimage.restoration import richardson_lucy as skimage_rl

    return per_channel(
        blur, metas, "richardson_lucy", lambda c, k: skimage_rl(c, k, num_iter=RL_ITERATIONS, clip=False)
    )
