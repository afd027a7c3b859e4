"""Scoring protocols, as a table: how one restored image is scored against its dataset's ground truth.

A dataset's spec names its protocol (``DatasetSpec.protocol``); this table holds what
each name does: ``standard`` (PSNR, SSIM in every convention, LPIPS, on the 8-bit
images), ``realblur`` (RealBlur's ECC alignment first, as its official script),
``kohler`` (the best-matching recorded sharp frame, as Köhler et al.'s ``eval_image.m``).
``preference`` orders them where a table shows one protocol per network (the paper
table: the standard one first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..datasets.paired import Pair, PairedDataset
from ..registry import Registry
from .metrics import lpips, psnr, quantize, ssim_conventions


@dataclass(frozen=True)
class ScoreContext:
    """What a protocol needs besides the restored image: the pair, its dataset and index, settings."""

    pair: Pair
    dataset: PairedDataset
    index: int
    quantized: bool
    conventions: Sequence[str]
    lpips_net: str | None
    device: torch.device


Scorer = Callable[[torch.Tensor, ScoreContext], dict[str, Any]]


@dataclass(frozen=True)
class Protocol:
    """One scoring protocol: its name, what it does, its place in the preference order, its scorer."""

    name: str
    description: str
    preference: int
    score: Scorer


PROTOCOLS: Registry[Protocol] = Registry("scoring protocol")


def register_protocol(name: str, description: str, preference: int) -> Callable[[Scorer], Scorer]:
    """Add the decorated scorer to :data:`PROTOCOLS`."""

    def decorator(score: Scorer) -> Scorer:
        PROTOCOLS.add(name, Protocol(name, description, preference, score))
        return score

    return decorator


def preference_order() -> tuple[str, ...]:
    """Protocol names, the one a table prefers first."""
    return tuple(sorted(PROTOCOLS.names(), key=lambda n: PROTOCOLS.get(n).preference))


def _lpips_entry(pred: torch.Tensor, sharp: torch.Tensor, ctx: ScoreContext) -> dict[str, Any]:
    """LPIPS as the settings ask, or nothing when LPIPS is off."""
    if ctx.lpips_net is None:
        return {}
    return {"lpips": float(lpips(pred, sharp, ctx.lpips_net)[0]), "lpips_net": ctx.lpips_net}


@register_protocol("standard", "PSNR, SSIM (every convention) and LPIPS on the whole image", 0)
def score_standard(pred: torch.Tensor, ctx: ScoreContext) -> dict[str, Any]:
    """PSNR, SSIM in each convention and LPIPS of the (8-bit, when quantised) images."""
    sharp = ctx.pair.sharp[None].to(ctx.device)
    if ctx.quantized:
        pred, sharp = quantize(pred), quantize(sharp)
    # one filtering pass for matlab and skimage; basicsr (no crop, RGB) is skimage's number
    values = ssim_conventions(pred, sharp, ctx.conventions)
    scores = {"psnr": float(psnr(pred, sharp)[0]), "ssim": {c: float(v[0]) for c, v in values.items()}}
    return {**scores, **_lpips_entry(pred, sharp, ctx)}


@register_protocol("realblur", "RealBlur's ECC alignment, then masked PSNR and SSIM (skimage)", 1)
def score_realblur(pred: torch.Tensor, ctx: ScoreContext) -> dict[str, Any]:
    """RealBlur's official alignment and masked scores on the saved 8-bit output, plus LPIPS."""
    from .align import realblur_psnr_ssim

    value_psnr, value_ssim = realblur_psnr_ssim(quantize(pred[0]).cpu(), ctx.pair.sharp)
    sharp = quantize(ctx.pair.sharp[None].to(ctx.device))
    scores = {"psnr": value_psnr, "ssim": {"skimage": value_ssim}}
    return {**scores, **_lpips_entry(quantize(pred), sharp, ctx)}


@register_protocol("kohler", "Köhler et al.: PSNR against the best-matching recorded sharp frame", 2)
def score_kohler(pred: torch.Tensor, ctx: ScoreContext) -> dict[str, Any]:
    """PSNR of the saved 8-bit output against every recorded frame; the best one and its index."""
    from .align import kohler_psnr

    if not hasattr(ctx.dataset, "frames"):
        raise ValueError(
            f"the kohler protocol needs a dataset with recorded sharp frames, not {ctx.dataset.name}"
        )
    frames = [frame for _, frame in ctx.dataset.frames(ctx.index)]
    value, best = kohler_psnr(quantize(pred[0]).cpu(), frames)
    return {"psnr": value, "extra": {"best_frame": best}}
