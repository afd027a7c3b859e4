"""The blurry input itself: the floor every method is measured against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from . import register_reference


@register_reference("identity", "Blurry input", "the blurry input itself: the score of doing nothing")
def identity(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """The input unchanged."""
    return blur.clone()
