"""Non-blind Wiener deconvolution told the true kernel (scikit-image's ``restoration.wiener``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from . import register_reference
from ._deconvolution import per_channel

WIENER_BALANCE = 0.03  # scikit-image's regularisation weight (chosen as _deconvolution.py says)


@register_reference(
    "wiener",
    "Wiener (true kernel)",
    f"non-blind Wiener deconvolution with the true kernel (skimage, balance {WIENER_BALANCE})",
    needs_kernel=True,
)
def wiener(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """scikit-image's Wiener filter with each pair's true kernel."""
    from skimage.restoration import wiener as skimage_wiener

    return per_channel(blur, metas, "wiener", lambda c, k: skimage_wiener(c, k, WIENER_BALANCE, clip=False))
