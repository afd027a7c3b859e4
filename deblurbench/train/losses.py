"""Training losses: L1, Charbonnier, and the multi-scale content and FFT losses of MIMO-UNet.

MIMO-UNet (Cho et al., ICCV 2021) trains on every scale's output: an L1 content loss
against the sharp image resized to each output, plus ``0.1 x`` an L1 loss between the
real 2-D FFTs of output and target (``torch.fft.rfft2``, real and imaginary parts
stacked). :class:`Criterion` combines them for any network, single- or multi-output.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

PIXEL_LOSSES = ("l1", "charbonnier")


def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error."""
    return (pred - target).abs().mean()


def charbonnier_loss(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    """Charbonnier loss ``mean(sqrt((pred - target)^2 + eps^2))`` (MPRNet's eps=1e-3)."""
    return torch.sqrt((pred - target).square() + eps * eps).mean()


def fft_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 distance of the real 2-D FFTs (real and imaginary parts), as MIMO-UNet's frequency loss."""
    p = torch.view_as_real(torch.fft.rfft2(pred.float()))
    t = torch.view_as_real(torch.fft.rfft2(target.float()))
    return (p - t).abs().mean()


def resize_to(target: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``target`` bilinearly resized to ``like``'s spatial size (unchanged if it already fits)."""
    if target.shape[-2:] == like.shape[-2:]:
        return target
    return F.interpolate(target, size=like.shape[-2:], mode="bilinear", align_corners=False)


class Criterion:
    """Pixel loss on the image, optionally on every scale (``multiscale``) plus ``fft_weight`` x FFT loss."""

    def __init__(
        self,
        pixel: str = "l1",
        *,
        multiscale: bool = False,
        fft_weight: float = 0.0,
        charbonnier_eps: float = 1e-3,
    ) -> None:
        if pixel not in PIXEL_LOSSES:
            raise ValueError(f"unknown loss {pixel!r}: use one of {', '.join(PIXEL_LOSSES)}")
        if fft_weight < 0:
            raise ValueError(f"fft weight {fft_weight} must be >= 0")
        self.pixel = pixel
        self.multiscale = multiscale
        self.fft_weight = float(fft_weight)
        self.charbonnier_eps = float(charbonnier_eps)

    def pixel_loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The configured pixel loss of one output."""
        if self.pixel == "charbonnier":
            return charbonnier_loss(pred, target, self.charbonnier_eps)
        return l1_loss(pred, target)

    def __call__(
        self, image: torch.Tensor, target: torch.Tensor, scales: Sequence[torch.Tensor] | None = None
    ) -> torch.Tensor:
        """Loss of ``image`` (and, with ``multiscale``, every tensor of ``scales``) against ``target``."""
        outputs = list(scales) if (self.multiscale and scales) else [image]
        total = image.new_zeros((), dtype=torch.float32)
        for out in outputs:
            ref = resize_to(target, out)
            total = total + self.pixel_loss(out.float(), ref.float())
            if self.fft_weight:
                total = total + self.fft_weight * fft_loss(out, ref)
        return total

    def describe(self) -> str:
        """One line for logs."""
        parts = [self.pixel + (" on every scale" if self.multiscale else "")]
        if self.fft_weight:
            parts.append(f"{self.fft_weight:g} x FFT L1")
        return " + ".join(parts)
