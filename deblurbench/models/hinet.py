"""HINet: the half instance normalization network (Chen et al., CVPR Workshops 2021).

Re-implemented from the authors' code (megvii-model/HINet,
``basicsr/models/archs/hinet_arch.py``, class ``HINet``) with their module and
attribute names, so an official checkpoint loads with ``strict=True``:

- two U-Net stages (``down_path_1``/``up_path_1`` and ``down_path_2``/``up_path_2``),
  five levels each, 4x4 stride-2 convolutions down, 2x2 transposed convolutions up;
- ``UNetConvBlock``: conv, half instance norm (``norm`` on the first half of the
  channels; GoPro uses it on levels 3 and 4 only), LeakyReLU(0.2), conv,
  LeakyReLU, plus a 1x1 ``identity`` skip; in stage 2 ``csff_enc``/``csff_dec``
  fuse the stage-1 encoder and decoder features (cross-stage feature fusion);
- ``SAM`` (supervised attention) between the stages: it yields the stage-1 image
  and the attention-weighted features that ``cat12`` merges into stage 2.

``forward`` returns ``[out_1, out_2]``; the restored image is the last one. The
official GoPro test runs the network on overlapping 256 x 256 crops of each
frame and averages them back (``val.grids: true``); :class:`HINetGridInterface`
does the same (see there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative
from .registry import ModelSpec, Paper, register_model
from .sources import HINET_GOPRO, HINET_REDS, TLC_MAIN, manifest_notes


def conv3x3(in_chn: int, out_chn: int, bias: bool = True) -> nn.Conv2d:
    """A 'same'-padded 3x3 convolution."""
    return nn.Conv2d(in_chn, out_chn, kernel_size=3, stride=1, padding=1, bias=bias)


def conv_down(in_chn: int, out_chn: int, bias: bool = False) -> nn.Conv2d:
    """The 4x4 stride-2 downsampling convolution (no bias)."""
    return nn.Conv2d(in_chn, out_chn, kernel_size=4, stride=2, padding=1, bias=bias)


def conv(
    in_channels: int, out_channels: int, kernel_size: int, bias: bool = False, stride: int = 1
) -> nn.Conv2d:
    """A convolution padded by ``kernel_size // 2`` (MPRNet's helper)."""
    return nn.Conv2d(
        in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias, stride=stride
    )


class SAM(nn.Module):
    """Supervised attention module: the stage-1 image and a sigmoid mask from it over the features."""

    def __init__(self, n_feat: int, kernel_size: int = 3, bias: bool = True) -> None:
        super().__init__()
        self.conv1 = conv(n_feat, n_feat, kernel_size, bias=bias)
        self.conv2 = conv(n_feat, 3, kernel_size, bias=bias)
        self.conv3 = conv(3, n_feat, kernel_size, bias=bias)

    def forward(self, x: torch.Tensor, x_img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x1 = self.conv1(x)
        img = self.conv2(x) + x_img
        x2 = torch.sigmoid(self.conv3(img))
        x1 = x1 * x2 + x
        return x1, img


class UNetConvBlock(nn.Module):
    """Conv (+ half instance norm) + LeakyReLU, conv + LeakyReLU, 1x1 skip; optional CSFF and downsampling."""

    def __init__(
        self,
        in_size: int,
        out_size: int,
        downsample: bool,
        relu_slope: float,
        use_csff: bool = False,
        use_HIN: bool = False,  # noqa: N803 - the authors' name
    ) -> None:
        super().__init__()
        self.downsample = downsample
        self.identity = nn.Conv2d(in_size, out_size, 1, 1, 0)
        self.use_csff = use_csff

        self.conv_1 = nn.Conv2d(in_size, out_size, kernel_size=3, padding=1, bias=True)
        self.relu_1 = nn.LeakyReLU(relu_slope, inplace=False)
        self.conv_2 = nn.Conv2d(out_size, out_size, kernel_size=3, padding=1, bias=True)
        self.relu_2 = nn.LeakyReLU(relu_slope, inplace=False)

        if downsample and use_csff:
            self.csff_enc = nn.Conv2d(out_size, out_size, 3, 1, 1)
            self.csff_dec = nn.Conv2d(out_size, out_size, 3, 1, 1)

        if use_HIN:
            # Affine, no running statistics: per-image statistics in eval mode too.
            self.norm = nn.InstanceNorm2d(out_size // 2, affine=True)
        self.use_HIN = use_HIN

        if downsample:
            # The authors reuse the attribute: the flag becomes the downsampling layer.
            self.downsample = conv_down(out_size, out_size, bias=False)

    def forward(
        self, x: torch.Tensor, enc: torch.Tensor | None = None, dec: torch.Tensor | None = None
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        out = self.conv_1(x)
        if self.use_HIN:
            out_1, out_2 = torch.chunk(out, 2, dim=1)
            out = torch.cat([self.norm(out_1), out_2], dim=1)
        out = self.relu_1(out)
        out = self.relu_2(self.conv_2(out))

        out = out + self.identity(x)
        if enc is not None and dec is not None:
            if not self.use_csff:
                raise RuntimeError("encoder/decoder features given to a block without CSFF")
            out = out + self.csff_enc(enc) + self.csff_dec(dec)
        if self.downsample:
            return self.downsample(out), out
        return out


class UNetUpBlock(nn.Module):
    """2x2 transposed-conv upsampling, concatenation with the skip, then a UNetConvBlock."""

    def __init__(self, in_size: int, out_size: int, relu_slope: float) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_size, out_size, kernel_size=2, stride=2, bias=True)
        self.conv_block = UNetConvBlock(in_size, out_size, False, relu_slope)

    def forward(self, x: torch.Tensor, bridge: torch.Tensor) -> torch.Tensor:
        up = self.up(x)
        return self.conv_block(torch.cat([up, bridge], 1))


class HINet(nn.Module):
    """The two-stage HINet; returns ``[stage-1 image, stage-2 image]``."""

    def __init__(
        self,
        in_chn: int = 3,
        wf: int = 64,
        depth: int = 5,
        relu_slope: float = 0.2,
        hin_position_left: int = 0,
        hin_position_right: int = 4,
    ) -> None:
        super().__init__()
        self.depth = depth
        self.down_path_1 = nn.ModuleList()
        self.down_path_2 = nn.ModuleList()
        self.conv_01 = nn.Conv2d(in_chn, wf, 3, 1, 1)
        self.conv_02 = nn.Conv2d(in_chn, wf, 3, 1, 1)

        prev_channels = self.get_input_chn(wf)
        for i in range(depth):
            use_hin = hin_position_left <= i <= hin_position_right
            downsample = (i + 1) < depth
            self.down_path_1.append(
                UNetConvBlock(prev_channels, (2**i) * wf, downsample, relu_slope, use_HIN=use_hin)
            )
            self.down_path_2.append(
                UNetConvBlock(
                    prev_channels, (2**i) * wf, downsample, relu_slope, use_csff=downsample, use_HIN=use_hin
                )
            )
            prev_channels = (2**i) * wf

        self.up_path_1 = nn.ModuleList()
        self.up_path_2 = nn.ModuleList()
        self.skip_conv_1 = nn.ModuleList()
        self.skip_conv_2 = nn.ModuleList()
        for i in reversed(range(depth - 1)):
            self.up_path_1.append(UNetUpBlock(prev_channels, (2**i) * wf, relu_slope))
            self.up_path_2.append(UNetUpBlock(prev_channels, (2**i) * wf, relu_slope))
            self.skip_conv_1.append(nn.Conv2d((2**i) * wf, (2**i) * wf, 3, 1, 1))
            self.skip_conv_2.append(nn.Conv2d((2**i) * wf, (2**i) * wf, 3, 1, 1))
            prev_channels = (2**i) * wf
        self.sam12 = SAM(prev_channels)
        self.cat12 = nn.Conv2d(prev_channels * 2, prev_channels, 1, 1, 0)

        self.last = conv3x3(prev_channels, in_chn, bias=True)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        image = x
        # stage 1
        x1 = self.conv_01(image)
        encs = []
        decs = []
        for i, down in enumerate(self.down_path_1):
            if (i + 1) < self.depth:
                x1, x1_up = down(x1)
                encs.append(x1_up)
            else:
                x1 = down(x1)

        for i, up in enumerate(self.up_path_1):
            x1 = up(x1, self.skip_conv_1[i](encs[-i - 1]))
            decs.append(x1)

        sam_feature, out_1 = self.sam12(x1, image)
        # stage 2
        x2 = self.conv_02(image)
        x2 = self.cat12(torch.cat([x2, sam_feature], dim=1))
        blocks = []
        for i, down in enumerate(self.down_path_2):
            if (i + 1) < self.depth:
                x2, x2_up = down(x2, encs[i], decs[-i - 1])
                blocks.append(x2_up)
            else:
                x2 = down(x2)

        for i, up in enumerate(self.up_path_2):
            x2 = up(x2, self.skip_conv_2[i](blocks[-i - 1]))

        out_2 = self.last(x2) + image
        return [out_1, out_2]

    def get_input_chn(self, in_chn: int) -> int:
        """Channels entering the first block (the authors' hook; the identity here)."""
        return in_chn


# ---- the official test-time path: overlapping crops, averaged back ----


def grid_origins(size: int, crop_size: int) -> list[int]:
    """Top (or left) coordinates of the crops along one axis, as BasicSR's ``grids`` lays them.

    ``n = ceil(size / crop_size)`` crops, the step spread evenly
    (``ceil((size - crop) / (n - 1))``), the last crop flush with the far edge.
    """
    num = (size - 1) // crop_size + 1
    step = crop_size if num == 1 else math.ceil((size - crop_size) / (num - 1) - 1e-8)
    origins = []
    pos, last = 0, False
    while pos < size and not last:
        if pos + crop_size >= size:
            pos, last = size - crop_size, True
        origins.append(pos)
        pos += step
    return origins


@dataclass(frozen=True)
class HINetGridInterface(ImageInterface):
    """HINet's GoPro test path: the image is ``output[-1]``, computed crop by crop.

    With ``crop_size`` set and an image at least that large in both H and W, the
    image is cut into overlapping ``crop_size`` squares (BasicSR's
    ``ImageRestorationModel.grids``: adaptive step, last crop flush with the
    border), all crops run as one batch, and the predictions are averaged where
    they overlap (``grids_inverse``). Smaller images (where the official code
    would index out of range) run whole. ``crop_size=None`` always runs whole.
    Batches are handled one image at a time, as the official code asserts.
    """

    output: int | None = -1
    crop_size: int | None = 256

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Run ``model`` on a [0, 1] batch the official way; [0, 1] image out, unclamped."""
        height, width = int(x.shape[-2]), int(x.shape[-1])  # plain ints, also under jit tracing
        crop = self.crop_size
        if crop is None or height < crop or width < crop:
            return super().__call__(model, x)
        return torch.cat([self._grids(model, x[n : n + 1]) for n in range(x.shape[0])])

    def _grids(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        crop = self.crop_size
        assert crop is not None
        height, width = int(x.shape[-2]), int(x.shape[-1])
        origins = [(i, j) for i in grid_origins(height, crop) for j in grid_origins(width, crop)]
        parts = torch.cat([x[:, :, i : i + crop, j : j + crop] for i, j in origins])
        pred = self.from_network(self.pick(model(self.to_network(parts))))
        out = torch.zeros_like(x)
        count = x.new_zeros((1, 1, height, width))
        for k, (i, j) in enumerate(origins):
            out[0, :, i : i + crop, j : j + crop] += pred[k]
            count[0, 0, i : i + crop, j : j + crop] += 1.0
        return out / count

    def describe(self) -> str:
        """One line for tables."""
        grid = "whole image" if self.crop_size is None else f"{self.crop_size}px overlapping crops, averaged"
        return f"{super().describe()}; {grid}"


_HINET_GOPRO_TABLE = HINET_GOPRO.at("row 'HINet (ours)'")
_HINET_REDS_TABLE = HINET_REDS.at("row 'HINet (ours)'")
# TLC's authors (Chu, Chen, Chen, Lu) are all HINet authors, but TLC is another paper and another
# repository: its README's HINet row is reported by TLC, not by HINet's own paper or repository.
_TLC_README = TLC_MAIN.at("row 'HINet'")
_HINET_SSIM_TOOL = (
    "SSIM tool: the repository's test configs (options/test/GoPro/HINet-GoPro.yml, "
    "options/test/REDS/HINet-REDS.yml) use BasicSR calculate_ssim (RGB, crop_border 0); the "
    "README says of SIDD that their SSIM is higher than MATLAB's"
)
_HINET_FIGURES = (
    Published(
        "params",
        88.7,
        "M",
        "https://github.com/megvii-model/HINet/issues/29 (mayorx 2021-09-17: 'the number of HINet "
        "would be about 88.7M'); https://github.com/megvii-model/HINet/issues/35 (mayorx 2022-02-08: "
        "88.7M with the default hyper-parameters)",
        printed="about 88.7M",
        note=(
            "issue #26: the maintainer confirms the asker's 88.67M ('The number of parameters is "
            "correct'); the 135,860,870 a training log printed (issue #35) he could not explain"
        ),
    ),
    Published(
        "macs",
        170.7,
        "G",
        "reference manifest notes, shared/reference/hinet.json: 'REPORTED: 88.7M params and 170.7 "
        "GMACs at 256x256 (leads supplied with the task, the figures quoted for HINet in deblurring "
        "comparisons; the HINet paper table could not be opened here; ...)'",
        printed="GMACs",
        reporter=manifest_notes("hinet"),
        size=(256, 256),
        note=(
            "not found in HINet's own material: the README, its figures and the maintainers' issue "
            "answers give no MACs (issue #26 confirms only the parameter count); the abstract gives "
            "MACs only relative to MPRNet ('22.5% of its MACs'). NAFNet's README plot "
            "(megvii-research/NAFNet figures/PSNR_vs_MACs.jpg) places HINet near 170 GMACs but prints "
            "no number. Measured here 88,668,806 params; fvcore 157.60 GMACs. The 13.1 G gap is a "
            "counting convention: each conv's output elements x (in_channels x k x k + 1 for the "
            "bias), as thop counted (transposed convs on their output grid: +12.88 G; bias: +0.16 G), "
            "gives 170.65 G"
        ),
    ),
    Published(
        "psnr",
        32.77,
        "dB",
        _HINET_GOPRO_TABLE,
        printed="PSNR",
        dataset="gopro",
        note=(
            "the released HINet-GoPro.pth; README: 'Some of the following results are higher than "
            "the original paper as we optimized some hyper-parameters' (the HIN position, issue #26)"
        ),
    ),
    Published(
        "ssim",
        0.959,
        "",
        _HINET_GOPRO_TABLE,
        printed="SSIM",
        dataset="gopro",
        ssim_tool="basicsr",
        note=_HINET_SSIM_TOOL,
    ),
    Published(
        "psnr",
        32.71,
        "dB",
        "https://github.com/megvii-model/HINet/issues/26 (mayorx 2021-09-15: 'Test-time Augmentation "
        "is not used in the paper (32.71), nor in the code (32.77)')",
        printed="the paper (32.71)",
        dataset="gopro",
        note="the paper's figure, as the maintainer gives it; no test-time augmentation",
    ),
    Published(
        "psnr",
        32.71,
        "dB",
        _TLC_README,
        printed="GoPro",
        reporter=TLC_MAIN.reporter,
        dataset="gopro",
        note=(
            "TLC's README, a later paper by HINet's authors (not HINet's own paper or repository); "
            "HINet without TLC, the HINet-GoPro.pth checkpoint; the same 32.71 the maintainer gives "
            "for the HINet paper (issue #26)"
        ),
    ),
    Published(
        "psnr",
        30.33,
        "dB",
        _TLC_README,
        printed="HIDE",
        reporter=TLC_MAIN.reporter,
        dataset="hide",
        note=(
            "TLC's README, a later paper by HINet's authors (not HINet's own paper or repository); "
            "HINet without TLC, the HINet-GoPro.pth checkpoint"
        ),
    ),
    Published(
        "psnr",
        28.83,
        "dB",
        _HINET_REDS_TABLE,
        printed="PSNR",
        dataset="reds",
        note="300 REDS val images (NTIRE 2021 Track 2, JPEG artifacts); the HINet-REDS.pth checkpoint",
    ),
    Published(
        "ssim",
        0.862,
        "",
        _HINET_REDS_TABLE,
        printed="SSIM",
        dataset="reds",
        ssim_tool="basicsr",
        note=_HINET_SSIM_TOOL,
    ),
)
# The abstract, as the README quotes it (arXiv 2105.06086 prints '3.3x' for '3.3 times').
_ABSTRACT = (
    "megvii-model/HINet@4e7231543090e6280d03fac22b3bb6869a25dfad:README.md (the abstract, quoted "
    "under the title) = arXiv 2105.06086 abstract"
)
_DEBLUR_SENTENCE = (
    "For image deblurring, we get comparable performance with 22.5% of its MACs and 3.3 times "
    "speedup on REDS and GoPro datasets."
)
_ITS_IS_MPRNET = (
    "'its' is the state of the art the abstract names before ('HINet surpasses the state-of-the-art "
    "(SOTA)'); for deblurring that is MPRNet: the README's Table 2 images compare HINet with 'the "
    "previous best method MPRNet [56]' (figures/GoPro Result.jpg) and give 'a comparable PSNR with "
    "MPRNet [56]' (figures/REDS Result.jpg)"
)
_HINET_RELATIVE = (
    Relative(
        "macs",
        "mprnet",
        0.225,
        _DEBLUR_SENTENCE,
        _ABSTRACT,
        note=_ITS_IS_MPRNET + "; the input size of the MACs is not stated",
    ),
    Relative(
        "runtime",
        "mprnet",
        1 / 3.3,
        _DEBLUR_SENTENCE,
        _ABSTRACT,
        note=(
            _ITS_IS_MPRNET + "; '3.3 times speedup': HINet's time is 1/3.3 of MPRNet's. Device, input "
            "size and whether the timing is synchronised are not stated"
        ),
    ),
)
_HINET_CHECKPOINTS = (
    OfficialCheckpoint(
        "HINet-GoPro.pth",
        where=(
            "HINet README, 'Image Deblur - GoPro dataset', eval: 'download pretrained model "
            "(Google Drive 1dw8PKVkLfISzNtUu3gqGh83NBO83ZQ5n) to "
            "./experiments/pretrained_models/HINet-GoPro.pth'; also listed in "
            "experiments/pretrained_models/README.md"
        ),
        datasets=("gopro", "hide"),
        note="loaded by options/test/GoPro/HINet-GoPro.yml; TLC's README evaluates the same file on HIDE",
    ),
    OfficialCheckpoint(
        "HINet-REDS.pth",
        where=(
            "HINet README, 'Image Deblur - REDS dataset', eval: 'download pretrained model "
            "(Google Drive 1uYH8XvLgrn-Vg6L0NjUcO2Fblhqrc8TU) to "
            "./experiments/pretrained_models/HINet-REDS.pth'; also listed in "
            "experiments/pretrained_models/README.md"
        ),
        datasets=("reds",),
        note=(
            "options/test/REDS/HINet-REDS.yml builds the same network (wf 64, HIN at levels 3-4) "
            "and tests it with the same 256 px grids"
        ),
    ),
)


@register_model(
    ModelSpec(
        name="hinet",
        official_weights=(
            "HINet-GoPro.pth, linked from the HINet README; BasicSR format, weights under 'params'"
        ),
        display_name="HINet",
        family="HINet",
        paper=Paper(
            title="HINet: Half Instance Normalization Network for Image Restoration",
            venue="CVPR Workshops",
            year=2021,
            authors="Liangyu Chen, Xin Lu, Jie Zhang, Xiaojie Chu, Chengpeng Chen",
            url="https://arxiv.org/abs/2105.06086",
        ),
        repo="megvii-model/HINet",
        commit="4e7231543090e6280d03fac22b3bb6869a25dfad",
        interface=HINetGridInterface(output=-1, crop_size=256),
        input_convention="RGB in [0, 1] (BasicSR img2tensor of img / 255; no mean/std)",
        output_pick=(
            "the last of [out_1, out_2]: out_2, the stage-2 image (last conv + input); "
            "out_1 is the stage-1 SAM image"
        ),
        multiple=16,
        min_size=32,
        sizes=(
            "H and W multiples of 16 (four 4x4 stride-2 downsamplings, 2x2 transposed-conv "
            "upsamplings back), at least 32: the half instance norm at the deepest level "
            "(H/16 x W/16) needs more than one spatial element"
        ),
        test_mode="eval",
        published=_HINET_FIGURES,
        relative=_HINET_RELATIVE,
        checkpoints=_HINET_CHECKPOINTS,
        fidelity="manifest",
        unused_modules=(),
        notes=(
            "GoPro configuration wf=64, hin_position_left=3, hin_position_right=4 (HIN on "
            "encoder levels 3 and 4 of both stages); the yml is named HINetPlus-GoPro but builds "
            "plain HINet. InstanceNorm2d keeps no running statistics, so eval mode normalises "
            "with each input's own statistics: the result depends on the crop, which is why the "
            "official GoPro test (val.grids: true, crop_size 256) is reproduced by the interface "
            "(a 1280x720 frame is 3 x 5 = 15 crops, all counted in latency). "
            "For sizes not a multiple of 16, Restorer's reflect padding comes before the crop "
            "grid (on GoPro's 1280x720 there is none). The source file also defines Subspace and "
            "skip_blocks and an _initialize method that HINet never uses (not part of the network). "
            "Published figures: the README's GoPro figure (32.77, the released model) and the paper's "
            "32.71 (maintainer, issue #26) disagree: kept as separate records. Not found: SSIM on HIDE, "
            "any runtime, any MACs figure printed by the authors; the abstract's '22.5% of its MACs "
            "and 3.3 times speedup' (vs MPRNet) and Table 2's '0.11 dB absolute improvement' are "
            "relative statements. Not recorded: the README's NTIRE 2021 Track 2 table (29.70 / "
            "0.8403, rank 1) is the challenge entry, a deeper, wider, ensembled HINet with test-time "
            "augmentation (issue #5); TLC's README 'HINet-Local' row (33.08 / 30.66) is HINet with "
            "TLC, which has no registered spec here. HINet-SIDD-*.pth and HINet-Rain13k.pth are "
            "denoising/deraining models, not listed."
        ),
    )
)
def hinet(**kwargs: Any) -> nn.Module:
    """HINet with the authors' GoPro configuration (wf=64, HIN on levels 3-4)."""
    config: dict[str, Any] = {
        "in_chn": 3,
        "wf": 64,
        "depth": 5,
        "relu_slope": 0.2,
        "hin_position_left": 3,
        "hin_position_right": 4,
        **kwargs,
    }
    return HINet(**config)
