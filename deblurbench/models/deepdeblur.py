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
from .published import OfficialCheckpoint, Published
from .registry import Paper, register_model
from .sources import (
    DEBLURGANV2_GOPRO,
    DEBLURGANV2_KOHLER,
    HINET_GOPRO,
    LFDN_GOPRO,
    LFDN_HIDE,
    LFDN_KOHLER,
    MARKDOWN_COPY,
)

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

# ---- published figures and official checkpoints ----

_PT = "SeungjunNah/DeepDeblur-PyTorch@26047f7a67ab8d1dec083b5d9e1d83b53eedbd17"
_PT_SINGLE = f"{_PT}:README.md ('Results', 'Single-precision training results' table)"
_PT_MIXED = f"{_PT}:README.md ('Results', 'Mixed-precision training results' table)"
_PT_SPEED = f"{_PT}:README.md ('Inference speed on RTX 2080 Ti (resolution: 1280x720)' table)"
_PT_SSIM = (
    "SSIM: README 'SSIM issue': skimage structural_similarity(multichannel=True, "
    "gaussian_weights=True, use_sample_covariance=False)"
)
_PT_GAMMA = "blur_gamma: the code's GOPRO_Large dataset reads blur_key 'blur_gamma' (src/data/gopro_large.py)"
_PT_REDS = "REDS-trained model; REDS validation set presumably (the REDS command runs with --do_test false)"
_LFDN_T3 = LFDN_GOPRO.at("row 'DeepDeblur [8]'")
_LFDN_T4 = LFDN_KOHLER.at("row 'DeepDeblur [8]'")
_LFDN_T5 = LFDN_HIDE.at("column 'Nah et al. [8]'")
_V2_T1 = DEBLURGANV2_GOPRO.at("column 'DeepDeblur [33]'")
_V2_T2 = DEBLURGANV2_KOHLER.at("column 'DeepDeblur [33]'")
_DGAN_RESULTS = (
    "KupynOrest/DeblurGAN@2499a87f96f34f262ea294c7e4cd3fd7e90251f8:images/results.png (row 'DeepDeblur', "
    "column '{column}'; shown in the README from 8a91180 to dd9e940 under 'The code used to create the "
    "paper contains a bug in PSNR calculation ... results recalculation are present below')"
)
_HINET = HINET_GOPRO.at("row 'Nah et al. [31]'")
_COPY = MARKDOWN_COPY.at("column 'Nah et al.', row 'Parameters(M)'")
_LFDN_T3_NAME, _LFDN_T4_NAME, _LFDN_T5_NAME = (t.reporter for t in (LFDN_GOPRO, LFDN_KOHLER, LFDN_HIDE))
_V2_T1_NAME, _V2_T2_NAME = DEBLURGANV2_GOPRO.reporter, DEBLURGANV2_KOHLER.reporter

_PUBLISHED = (
    # own: the PyTorch re-implementation's README (the registered code and its weights)
    Published(
        "psnr",
        30.40,
        "dB",
        _PT_SINGLE,
        printed="PSNR",
        dataset="gopro",
        variant="blur_gamma",
        note="column GOPRO_Large; the released GOPRO_L1 weights; " + _PT_GAMMA,
    ),
    Published(
        "ssim",
        0.9018,
        "",
        _PT_SINGLE,
        printed="SSIM",
        dataset="gopro",
        variant="blur_gamma",
        ssim_tool="skimage",
        note="column GOPRO_Large; GOPRO_L1; " + _PT_SSIM,
    ),
    Published(
        "psnr",
        30.42,
        "dB",
        _PT_MIXED,
        printed="PSNR",
        dataset="gopro",
        variant="blur_gamma",
        note="column GOPRO_Large; mixed-precision (AMP) training, the GOPRO_L1_amp weights; " + _PT_GAMMA,
    ),
    Published(
        "ssim",
        0.9021,
        "",
        _PT_MIXED,
        printed="SSIM",
        dataset="gopro",
        variant="blur_gamma",
        ssim_tool="skimage",
        note="column GOPRO_Large; GOPRO_L1_amp; " + _PT_SSIM,
    ),
    Published(
        "psnr",
        32.89,
        "dB",
        _PT_SINGLE,
        printed="PSNR",
        dataset="reds",
        note="column REDS; the REDS_L1 weights; " + _PT_REDS,
    ),
    Published(
        "ssim",
        0.9207,
        "",
        _PT_SINGLE,
        printed="SSIM",
        dataset="reds",
        ssim_tool="skimage",
        note="column REDS; REDS_L1; " + _PT_SSIM,
    ),
    Published(
        "psnr",
        32.95,
        "dB",
        _PT_MIXED,
        printed="PSNR",
        dataset="reds",
        note="column REDS; mixed-precision training, the REDS_L1_amp weights; " + _PT_REDS,
    ),
    Published(
        "ssim",
        0.9209,
        "",
        _PT_MIXED,
        printed="SSIM",
        dataset="reds",
        ssim_tool="skimage",
        note="column REDS; REDS_L1_amp; " + _PT_SSIM,
    ),
    Published(
        "psnr",
        33.13,
        "dB",
        _PT_MIXED,
        printed="PSNR",
        dataset="reds",
        note="column 'REDS (GOPRO_Large pretrained)'; the REDS_L1_amp_pretrained weights; " + _PT_REDS,
    ),
    Published(
        "ssim",
        0.9237,
        "",
        _PT_MIXED,
        printed="SSIM",
        dataset="reds",
        ssim_tool="skimage",
        note="column 'REDS (GOPRO_Large pretrained)'; REDS_L1_amp_pretrained; " + _PT_SSIM,
    ),
    Published(
        "runtime",
        0.943,
        "s",
        _PT_SPEED,
        printed="time (s)",
        size=(720, 1280),
        device="RTX 2080 Ti",
        note="column FP32 (1.06 fps); synchronisation not stated; this PyTorch code, not the paper's Torch7 timing",
    ),
    Published(
        "runtime",
        0.330,
        "s",
        _PT_SPEED,
        printed="time (s)",
        size=(720, 1280),
        device="RTX 2080 Ti",
        note="column FP16: half-precision inference (3.03 fps); synchronisation not stated",
    ),
    Published(
        "runtime",
        3,
        "s",
        "https://github.com/SeungjunNah/DeepDeblur_release/issues/24 (SeungjunNah comment 2018-05-23)",
        printed="the actual processing time takes about 3 seconds in GTX Titan X (Mawell)",
        size=(720, 1280),
        device="GTX Titan X (Maxwell)",
        note="informal, 'about'; the Torch7 release's HD demo (the author scales from 1280x720), "
        "which also 'contains delay of 3 seconds'; not this PyTorch code",
    ),
    # second-hand: LFDN's Tables 3-5 (the paper's Torch7 network, by its reference [8])
    Published(
        "psnr",
        29.08,
        "dB",
        _LFDN_T3,
        printed="PSNR",
        reporter=_LFDN_T3_NAME,
        label="DeepDeblur [8]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.841,
        "",
        _LFDN_T3,
        printed="SSIM",
        reporter=_LFDN_T3_NAME,
        label="DeepDeblur [8]",
        dataset="gopro",
    ),
    Published(
        "model_size",
        303.6,
        "MB",
        _LFDN_T3,
        printed="Model Size (MB)",
        reporter=_LFDN_T3_NAME,
        label="DeepDeblur [8]",
    ),
    Published(
        "runtime",
        15,
        "s",
        _LFDN_T3,
        printed="Ave. inf.time(s)",
        reporter=_LFDN_T3_NAME,
        label="DeepDeblur [8]",
        note="device, resolution and synchronisation not stated",
    ),
    Published(
        "psnr",
        26.48,
        "dB",
        _LFDN_T4,
        printed="PSNR",
        reporter=_LFDN_T4_NAME,
        label="DeepDeblur [8]",
        dataset="kohler",
    ),
    Published(
        "ssim",
        0.807,
        "",
        _LFDN_T4,
        printed="SSIM",
        reporter=_LFDN_T4_NAME,
        label="DeepDeblur [8]",
        dataset="kohler",
    ),
    Published(
        "model_size",
        303.6,
        "MB",
        _LFDN_T4,
        printed="Model Size (MB)",
        reporter=_LFDN_T4_NAME,
        label="DeepDeblur [8]",
    ),
    Published(
        "runtime",
        15,
        "s",
        _LFDN_T4,
        printed="Ave.inf.time(s)",
        reporter=_LFDN_T4_NAME,
        label="DeepDeblur [8]",
        note="device, resolution and synchronisation not stated",
    ),
    Published(
        "psnr",
        27.43,
        "dB",
        _LFDN_T5,
        printed="PSNR",
        reporter=_LFDN_T5_NAME,
        label="Nah et al. [8]",
        dataset="hide",
    ),
    Published(
        "ssim",
        0.902,
        "",
        _LFDN_T5,
        printed="SSIM",
        reporter=_LFDN_T5_NAME,
        label="Nah et al. [8]",
        dataset="hide",
    ),
    Published(
        "runtime",
        4.33,
        "s",
        _LFDN_T5,
        printed="Ave.inf.time(s) (s)",
        reporter=_LFDN_T5_NAME,
        label="Nah et al. [8]",
        note="device, resolution and synchronisation not stated",
    ),
    Published(
        "model_size",
        303.6,
        "MB",
        _LFDN_T5,
        printed="modle size(MB)",
        reporter=_LFDN_T5_NAME,
        label="Nah et al. [8]",
    ),
    # second-hand: DeblurGAN-v2's Tables 1 (GoPro, linear subset) and 2 (Kohler)
    Published(
        "psnr",
        29.23,
        "dB",
        _V2_T1,
        printed="PSNR",
        reporter=_V2_T1_NAME,
        label="DeepDeblur [33]",
        dataset="gopro",
        variant="blur",
        note="blur: the caption says all models were tested on the linear subset",
    ),
    Published(
        "ssim",
        0.916,
        "",
        _V2_T1,
        printed="SSIM",
        reporter=_V2_T1_NAME,
        label="DeepDeblur [33]",
        dataset="gopro",
        variant="blur",
        note="blur: the caption says all models were tested on the linear subset",
    ),
    Published(
        "runtime",
        4.33,
        "s",
        _V2_T1,
        printed="Time",
        reporter=_V2_T1_NAME,
        label="DeepDeblur [33]",
        note="printed '4.33s'; device, resolution and synchronisation not printed",
    ),
    Published(
        "flops",
        1760.04,
        "G",
        _V2_T1,
        printed="FLOPS",
        reporter=_V2_T1_NAME,
        label="DeepDeblur [33]",
        note="printed '1760.04G'; input size not printed",
    ),
    Published(
        "psnr",
        26.48,
        "dB",
        _V2_T2,
        printed="PSNR",
        reporter=_V2_T2_NAME,
        label="DeepDeblur [33]",
        dataset="kohler",
    ),
    Published(
        "ssim",
        0.807,
        "",
        _V2_T2,
        printed="SSIM",
        reporter=_V2_T2_NAME,
        label="DeepDeblur [33]",
        dataset="kohler",
    ),
    # second-hand: DeblurGAN's PSNR recalculation image
    Published(
        "psnr",
        29.1,
        "dB",
        _DGAN_RESULTS.format(column="Before"),
        printed="Before",
        reporter="DeblurGAN README results.png",
        label="DeepDeblur",
        dataset="gopro",
        variant="blur_gamma",
        note="'Gamma model on DeepDeblur evaluation code, K = 2'; the metric is not printed in the image "
        "(the README text says PSNR)",
    ),
    Published(
        "psnr",
        28.3,
        "dB",
        _DGAN_RESULTS.format(column="After"),
        printed="After",
        reporter="DeblurGAN README results.png",
        label="DeepDeblur",
        dataset="gopro",
        variant="blur",
        note="'Linear model on our evaluation code, K = 1'; the metric is not printed in the image "
        "(the README text says PSNR)",
    ),
    # second-hand: HINet's Table 2
    Published(
        "psnr",
        29.08,
        "dB",
        _HINET,
        printed="PSNR",
        reporter=HINET_GOPRO.reporter,
        label="Nah et al. [31]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.914,
        "",
        _HINET,
        printed="SSIM",
        reporter=HINET_GOPRO.reporter,
        label="Nah et al. [31]",
        dataset="gopro",
    ),
    # second-hand: a third-party table quoted by the manifest notes and the 0.1 record
    Published(
        "params",
        11.7,
        "M",
        _COPY,
        printed="Parameters(M)",
        reporter=MARKDOWN_COPY.reporter,
        label="Nah et al.",
        note="a personal notes repository; the manifest notes call the table a copy of the SVRNN "
        "(Zhang et al., CVPR 2018) comparison; 11,721,321 are counted here",
    ),
)

_CHECKPOINT_NOTE = (
    "a Google Drive zip of the experiment folder, to extract under DeepDeblur-PyTorch/experiment; the "
    "weights are its models/model-<epoch>.pt, saved by Model.save as {{'G': generator state dict}} "
    "(src/model/__init__.py){extra}"
)
_CHECKPOINTS = (
    OfficialCheckpoint(
        "GOPRO_L1/",
        f"{_PT}:README.md 'Demo' link 'GOPRO_L1' "
        "(https://drive.google.com/file/d/1AfZhyUXEA8_UdZco9EdtpWjTBAb8BbWv/view)",
        datasets=("gopro", "hide"),
        note=_CHECKPOINT_NOTE.format(
            extra="; the file is models/model-1000.pt (SeungjunNah, issue #16). The README's 'Results' "
            "tables have separate 'Download' links per column (other Drive files; what they hold is not said)"
        ),
        files=("models/model-1000.pt",),
    ),
    OfficialCheckpoint(
        "REDS_L1/",
        f"{_PT}:README.md 'Demo' link 'REDS_L1' "
        "(https://drive.google.com/file/d/1UwFNXnGBz2rCBxhvq2gKt9Uhj5FeEsa4/view)",
        datasets=("reds",),
        note=_CHECKPOINT_NOTE.format(extra="; the file is models/model-200.pt (SeungjunNah, issue #16)"),
        files=("models/model-200.pt",),
    ),
    OfficialCheckpoint(
        "GOPRO_L1_amp/",
        f"{_PT}:README.md 'Demo' link 'GOPRO_L1_amp' "
        "(https://drive.google.com/file/d/1ZcP3l2ZXj-C6yrDge5d3UxcaAKRN725w/view)",
        datasets=("gopro", "hide"),
        note=_CHECKPOINT_NOTE.format(extra="; mixed-precision training; the epoch is not stated"),
    ),
    OfficialCheckpoint(
        "REDS_L1_amp/",
        f"{_PT}:README.md 'Demo' link 'REDS_L1_amp' "
        "(https://drive.google.com/file/d/1do_HOjVFj2AYTX4BbwQ0enELRWtzhW6F/view)",
        datasets=("reds",),
        note=_CHECKPOINT_NOTE.format(extra="; mixed-precision training; the epoch is not stated"),
    ),
    OfficialCheckpoint(
        "REDS_L1_amp_pretrained/",
        f"{_PT}:README.md 'Demo' link 'REDS_L1_amp_pretrained' "
        "(https://drive.google.com/file/d/1BkEgUrFtOSymVnaADfptOvqfNOYiD3J1/view)",
        datasets=("reds",),
        note=_CHECKPOINT_NOTE.format(
            extra="; mixed-precision training on REDS from the GOPRO_Large model; the epoch is not stated"
        ),
    ),
)


@register_model(
    official_weights=(
        "trained models are linked from the DeepDeblur-PyTorch README: zips that unpack to experiment "
        "folders holding models/model-<epoch>.pt, a dict {'G': state dict} (src/model/__init__.py)"
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
    published=_PUBLISHED,
    checkpoints=_CHECKPOINTS,
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
        "(out + 0.5).clamp(0, 255) as uint8; metrics use out.clamp(0, 255).round(). "
        "Published figures: the own ones are this PyTorch code's README (GOPRO_Large blur_gamma, REDS); "
        "the CVPR 2017 paper's own figures (Torch7, other loss and range) are not recorded: no primary "
        "source was read (paperswithcode and an issue user quote GoPro 29.08 / 0.9135), and no parameter "
        "or MAC count, HIDE, Kohler or RealBlur figure by the authors was found. The author says the paper "
        "used GOPRO_Large blur_gamma (DeepDeblur_release #60) and MATLAB SSIM on RGB images, which he now "
        "calls wrong (#51). Discrepancies: comparison tables give four GoPro values for the paper's model "
        "(29.08 / 0.841 LFDN Table 3, 29.08 / 0.914 HINet, 29.23 / 0.916 DeblurGAN-v2 on the linear "
        "subset, 29.1 gamma / 28.3 linear in DeblurGAN's recalculation); LFDN gives 15 s in Table 3 but "
        "4.33 s in Table 5, and its Fig. 1 plots DeepDeblur near 21 dB."
    ),
)
def deepdeblur(**kwargs: object) -> nn.Module:
    """MSResNet with the authors' GoPro options (3 scales, 19 ResBlocks, 64 features, 5x5)."""
    return MSResNet(**kwargs)
