"""DeepDeblur: the multi-scale CNN of Nah, Kim and Lee (CVPR 2017).

Re-implemented from the authors' PyTorch code (SeungjunNah/DeepDeblur-PyTorch,
``src/model/MSResNet.py``, ``ResNet.py`` and ``common.py``) with their module and
attribute names, so an official checkpoint loads with ``strict=True``:

- ``ResNet``: one scale. A 5x5 convolution to 64 features, 19 ``ResBlock``
  (conv-ReLU-conv, no normalisation, identity skip) and a 5x5 convolution to RGB.
- ``conv_end``: a 5x5 convolution to 12 channels + pixel shuffle x2, which lifts
  a coarse scale's output to the next finer scale.
- ``MSResNet``: three scales, coarse to fine. ``body_models[2]`` (the coarsest)
  sees the 1/4 blurry image; each finer scale sees its blurry level concatenated
  with the lifted output of the coarser one (6 channels).

The network works on 0-255 values (``rgb_range=255``): its forward subtracts
127.5 from every pyramid level and adds it back to every output. It takes a
*Gaussian pyramid* ``[full, 1/2, 1/4]``, built by the official data loader with
``skimage.transform.pyramid_gaussian``; :class:`GaussianPyramidInterface`
rebuilds that pyramid in torch so no scikit-image is needed at test time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .registry import Paper, Reported, register_model

# ---- building blocks (the authors' common.py) ----


def default_conv(
    in_channels: int, out_channels: int, kernel_size: int, bias: bool = True, groups: int = 1
) -> nn.Conv2d:
    """A 'same'-padded convolution (odd kernel) with bias."""
    return nn.Conv2d(
        in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias, groups=groups
    )


class ResBlock(nn.Module):
    """Conv-ReLU-Conv with an identity skip and no normalisation (``common.ResBlock``)."""

    def __init__(self, n_feats: int, kernel_size: int, bias: bool = True) -> None:
        super().__init__()
        # Indices 0, 1, 2 as in the authors' Sequential: conv, ReLU, conv.
        self.body = nn.Sequential(
            default_conv(n_feats, n_feats, kernel_size, bias=bias),
            nn.ReLU(True),
            default_conv(n_feats, n_feats, kernel_size, bias=bias),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class ResNet(nn.Module):
    """One scale of the multi-scale network: head conv, ``n_resblocks`` ResBlocks, tail conv."""

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        n_feats: int = 64,
        kernel_size: int = 5,
        n_resblocks: int = 19,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.n_feats = n_feats
        self.kernel_size = kernel_size
        self.n_resblocks = n_resblocks
        modules: list[nn.Module] = [default_conv(in_channels, n_feats, kernel_size)]
        modules += [ResBlock(n_feats, kernel_size) for _ in range(n_resblocks)]
        modules.append(default_conv(n_feats, out_channels, kernel_size))
        self.body = nn.Sequential(*modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class conv_end(nn.Module):  # noqa: N801 - the authors' name
    """Lift a coarse output to the next scale: conv to ``out_channels`` then pixel shuffle."""

    def __init__(
        self, in_channels: int = 3, out_channels: int = 3, kernel_size: int = 5, ratio: int = 2
    ) -> None:
        super().__init__()
        self.uppath = nn.Sequential(
            default_conv(in_channels, out_channels, kernel_size),
            nn.PixelShuffle(ratio),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.uppath(x)


class MSResNet(nn.Module):
    """The multi-scale network: pyramid ``[full, 1/2, 1/4, ...]`` in, pyramid of outputs out.

    The authors pass an ``args`` namespace; its GoPro fields are the keywords here.
    Index 0 is the finest scale everywhere (inputs, outputs, ``body_models``);
    ``conv_end_models[0]`` is ``None`` (the finest output is not lifted), so it
    has no state-dict key.
    """

    def __init__(
        self,
        rgb_range: float = 255,
        n_scales: int = 3,
        n_resblocks: int = 19,
        n_feats: int = 64,
        kernel_size: int = 5,
    ) -> None:
        super().__init__()
        self.rgb_range = rgb_range
        self.mean = rgb_range / 2
        self.n_resblocks = n_resblocks
        self.n_feats = n_feats
        self.kernel_size = kernel_size
        self.n_scales = n_scales

        def scale_model(in_channels: int) -> ResNet:
            return ResNet(in_channels, 3, n_feats, kernel_size, n_resblocks)

        # The coarsest scale takes the blurry image alone; each finer one is put
        # in front of it and takes blurry level + lifted coarser output.
        self.body_models = nn.ModuleList([scale_model(3)])
        for _ in range(1, n_scales):
            self.body_models.insert(0, scale_model(6))
        self.conv_end_models = nn.ModuleList([None])
        for _ in range(1, n_scales):
            self.conv_end_models.append(conv_end(3, 12))

    def forward(self, input_pyramid: list[torch.Tensor]) -> list[torch.Tensor]:
        """Restore every level, coarse to fine; returns outputs in the input's order.

        Unlike the authors' forward, the caller's list is not overwritten.
        """
        if len(input_pyramid) != self.n_scales:
            raise ValueError(f"MSResNet expects {self.n_scales} pyramid levels, got {len(input_pyramid)}")
        centred = [level - self.mean for level in input_pyramid]
        outputs: dict[int, torch.Tensor] = {}
        input_s = centred[-1]
        for s in range(self.n_scales - 1, -1, -1):  # coarse -> fine
            outputs[s] = self.body_models[s](input_s)
            if s > 0:
                up_feat = self.conv_end_models[s](outputs[s])
                input_s = torch.cat((centred[s - 1], up_feat), 1)
        return [outputs[s] + self.mean for s in range(self.n_scales)]


# ---- the official input path: the data loader's Gaussian pyramid ----


def gaussian_taps(sigma: float, truncate: float = 4.0) -> torch.Tensor:
    """Normalised 1-D Gaussian taps as ``scipy.ndimage.gaussian_filter`` builds them (float64)."""
    radius = int(truncate * sigma + 0.5)
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    taps = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return taps / taps.sum()


def symmetric_indices(n: int, pad: int, device: torch.device | None = None) -> torch.Tensor:
    """Indices of a length-``n`` axis extended by ``pad`` on both sides, half-sample symmetric.

    This is scipy.ndimage's ``mode='reflect'`` (``d c b a | a b c d | d c b a``),
    repeated for axes shorter than ``pad``; torch's ``'reflect'`` would skip the edge sample.
    """
    idx = torch.arange(-pad, n + pad, device=device) % (2 * n)
    return torch.where(idx >= n, 2 * n - 1 - idx, idx)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of an (N, C, H, W) batch, scipy ``'reflect'`` borders."""
    taps = gaussian_taps(sigma).to(device=x.device, dtype=x.dtype)
    pad = taps.numel() // 2
    channels = x.shape[1]
    height, width = x.shape[-2:]
    x = x.index_select(-2, symmetric_indices(height, pad, x.device))
    x = F.conv2d(x, taps.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)
    x = x.index_select(-1, symmetric_indices(width, pad, x.device))
    return F.conv2d(x, taps.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)


def gaussian_pyramid(x: torch.Tensor, n_scales: int = 3, downscale: int = 2) -> list[torch.Tensor]:
    """``skimage.transform.pyramid_gaussian(x, n_scales - 1)`` for an (N, C, H, W) batch.

    Each reduction blurs with sigma ``2 * downscale / 6`` (7 taps for 2) and
    resizes by exactly 1/2 with order-1 interpolation, which for an even size
    is the mean of each 2x2 block. H and W must be divisible by ``2**(n_scales-1)``.
    """
    factor = downscale ** (n_scales - 1)
    if x.shape[-2] % factor or x.shape[-1] % factor:
        raise ValueError(
            f"the Gaussian pyramid needs H and W divisible by {factor}, got {tuple(x.shape[-2:])}"
        )
    sigma = 2 * downscale / 6.0
    levels = [x]
    for _ in range(1, n_scales):
        levels.append(F.avg_pool2d(gaussian_blur(levels[-1], sigma), downscale))
    return levels


@dataclass(frozen=True)
class GaussianPyramidInterface(ImageInterface):
    """DeepDeblur's test path: ``scale * x`` -> Gaussian pyramid -> network -> ``output[0] / scale``."""

    scale: float = 255.0
    output: int | None = 0
    n_scales: int = 3

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Run ``model`` on a [0, 1] batch as the official loader and test loop do; unclamped."""
        pyramid = gaussian_pyramid(self.to_network(x), self.n_scales)
        return self.from_network(self.pick(model(pyramid)))

    def describe(self) -> str:
        """One line for tables."""
        return (
            f"input {self.scale:g} * x as a {self.n_scales}-level Gaussian pyramid "
            f"(sigma 2/3, 2x2 mean); image = output[{self.output}] / {self.scale:g}"
        )


N_SCALES = 3


@register_model(
    official_weights=(
        "trained models are linked from the DeepDeblur-PyTorch README (experiment folders with model-<epoch>.pt); bare state dict"
    ),
    display_name="DeepDeblur",
    family="DeepDeblur",
    paper=Paper(
        title="Deep Multi-scale Convolutional Neural Network for Dynamic Scene Deblurring",
        venue="CVPR",
        year=2017,
        authors="Seungjun Nah, Tae Hyun Kim, Kyoung Mu Lee",
        url="https://openaccess.thecvf.com/content_cvpr_2017/papers/Nah_Deep_Multi-Scale_Convolutional_CVPR_2017_paper.pdf",
    ),
    repo="SeungjunNah/DeepDeblur-PyTorch",
    commit="26047f7a67ab8d1dec083b5d9e1d83b53eedbd17",
    interface=GaussianPyramidInterface(scale=255.0, output=0, n_scales=N_SCALES),
    input_convention=(
        "RGB on 0-255 (rgb_range=255) given as a 3-level Gaussian pyramid [full, 1/2, 1/4] "
        "built as the data loader builds it (skimage pyramid_gaussian: sigma 2/3, 7 taps, "
        "half-sample symmetric borders, then 2x2 mean); the network subtracts 127.5 itself"
    ),
    output_pick="output[0]: the finest scale of the output pyramid, on 0-255",
    multiple=2 ** (N_SCALES - 1),
    min_size=2 ** (N_SCALES - 1),
    sizes=(
        "H and W multiples of 4 (2^(n_scales-1)) so that every pyramid level is exactly half "
        "the previous one and the lifted coarse output matches the finer level; a 1x1 coarsest "
        "level still works, so 4 is also the minimum"
    ),
    test_mode="eval",
    reported=Reported(
        params=None,
        macs_g=None,
        macs_at=None,
        runtime_s=0.943,
        runtime_note=(
            "README: RTX 2080 Ti, 1280x720, FP32 (0.330 s in FP16), this PyTorch code; "
            "not the paper's Torch7 timing"
        ),
        psnr={"gopro": 30.40},
        ssim={"gopro": 0.9018},
        source=(
            "DeepDeblur-PyTorch README 'Results' (GOPRO_Large, single-precision training, the "
            "released GOPRO_L1 weights of this code; SSIM by skimage structural_similarity with "
            "gaussian_weights=True). The CVPR 2017 paper (Torch7, other loss and range) lists "
            "GoPro 29.08 dB / 0.9135 per the paperswithcode record of the paper, not recorded "
            "here. Params: not verified in the paper text; a secondary copy of the SVRNN "
            "(CVPR 2018) table lists 11.7M, matching the 11,721,321 counted. MACs: none reported. "
            "HIDE / RealBlur: not reported by the authors."
        ),
    ),
    fidelity="manifest",
    unused_modules=(),
    notes=(
        "PyTorch version, not the paper's Torch7 code: RGB range 0-255 and L1 loss (README). "
        "The pyramid must be skimage's: scipy 'reflect' borders are half-sample symmetric "
        "(d c b a | a b c d), not torch 'reflect'; the resize is exactly a 2x2 mean. "
        "body_models[0] is the finest scale (6 input channels), body_models[2] the coarsest "
        "(3); conv_end_models[0] is None and has no state-dict key. The authors' forward "
        "overwrites the caller's input list in place; ours does not. Official demo pads with "
        "edge replication to a multiple of 4; Restorer pads with reflection. Saved images are "
        "(out + 0.5).clamp(0, 255) as uint8; metrics use out.clamp(0, 255).round()."
    ),
)
def deepdeblur(**kwargs: object) -> nn.Module:
    """MSResNet with the authors' GoPro options (3 scales, 19 ResBlocks, 64 features, 5x5)."""
    return MSResNet(**kwargs)
