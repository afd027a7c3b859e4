"""DeblurGAN: the generator of Kupyn et al. (CVPR 2018).

Re-implemented from the authors' code (KupynOrest/DeblurGAN, ``models/networks.py``,
class ``ResnetGenerator``, at commit 39e8a4b: the authors' own last version) with
their module names, so an official checkpoint loads with ``strict=True``. It is
the pix2pix / Johnson et al. ResNet generator:

- reflection pad 3 + 7x7 convolution (3 -> 64), two stride-2 3x3 convolutions
  (64 -> 128 -> 256), each followed by InstanceNorm (no affine, no running
  statistics) and ReLU;
- 9 ``ResnetBlock``: reflection pad, 3x3 conv, norm, ReLU, Dropout(0.5),
  reflection pad, 3x3 conv, norm, identity skip;
- two stride-2 transposed convolutions back to 64 channels, reflection pad 3 +
  7x7 convolution to RGB, tanh;
- ``learn_residual``: the input is added to the tanh output, clamped to [-1, 1].

The network works on [-1, 1] images (``2x - 1``). A later third-party change in
the official repository (PR #134, at HEAD) rebuilt ``ResnetBlock`` so that, by
Python operator precedence, the second convolution of every block disappears
whenever dropout is on; that is not the authors' network and not this one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative
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

NormLayer = Callable[[int], nn.Module]


def get_norm_layer(norm_type: str = "instance") -> NormLayer:
    """The generator's normalisation: affine BatchNorm or InstanceNorm without parameters."""
    if norm_type == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True)
    if norm_type == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False)
    raise NotImplementedError(f"normalization layer [{norm_type}] is not found")


def _uses_bias(norm_layer: NormLayer) -> bool:
    """Convolutions carry a bias only when the norm is InstanceNorm (BatchNorm has its own)."""
    if isinstance(norm_layer, functools.partial):
        return norm_layer.func is nn.InstanceNorm2d
    return norm_layer is nn.InstanceNorm2d


def _padding(padding_type: str) -> tuple[list[nn.Module], int]:
    """(padding modules, convolution padding) for a 3x3 convolution keeping the size."""
    if padding_type == "reflect":
        return [nn.ReflectionPad2d(1)], 0
    if padding_type == "replicate":
        return [nn.ReplicationPad2d(1)], 0
    if padding_type == "zero":
        return [], 1
    raise NotImplementedError(f"padding [{padding_type}] is not implemented")


class ResnetBlock(nn.Module):
    """Two padded 3x3 convolutions with norm, ReLU and optional dropout between; identity skip."""

    def __init__(
        self, dim: int, padding_type: str, norm_layer: NormLayer, use_dropout: bool, use_bias: bool
    ) -> None:
        super().__init__()
        self.conv_block = self.build_conv_block(dim, padding_type, norm_layer, use_dropout, use_bias)

    def build_conv_block(
        self, dim: int, padding_type: str, norm_layer: NormLayer, use_dropout: bool, use_bias: bool
    ) -> nn.Sequential:
        """[pad, conv, norm, ReLU, (Dropout)] + [pad, conv, norm]: keys conv_block.1 and .6."""
        pad, p = _padding(padding_type)
        layers = [*pad, nn.Conv2d(dim, dim, 3, padding=p, bias=use_bias), norm_layer(dim), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        pad, p = _padding(padding_type)
        layers += [*pad, nn.Conv2d(dim, dim, 3, padding=p, bias=use_bias), norm_layer(dim)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """DeblurGAN's generator: downsample x4, ``n_blocks`` ResnetBlocks, upsample x4, tanh.

    The authors' ``gpu_ids`` / ``use_parallel`` (DataParallel dispatch) are left out:
    they change where the forward runs, not what it computes.
    """

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm_layer: NormLayer = nn.BatchNorm2d,
        use_dropout: bool = False,
        n_blocks: int = 6,
        learn_residual: bool = False,
        padding_type: str = "reflect",
    ) -> None:
        if n_blocks < 0:
            raise ValueError(f"n_blocks must be >= 0, got {n_blocks}")
        super().__init__()
        self.input_nc = input_nc
        self.output_nc = output_nc
        self.ngf = ngf
        self.learn_residual = learn_residual
        use_bias = _uses_bias(norm_layer)

        model: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, kernel_size=7, padding=0, bias=use_bias),
            norm_layer(ngf),
            nn.ReLU(True),
        ]
        n_downsampling = 2
        for i in range(n_downsampling):
            mult = 2**i
            model += [
                nn.Conv2d(ngf * mult, ngf * mult * 2, kernel_size=3, stride=2, padding=1, bias=use_bias),
                norm_layer(ngf * mult * 2),
                nn.ReLU(True),
            ]
        mult = 2**n_downsampling
        model += [
            ResnetBlock(ngf * mult, padding_type, norm_layer, use_dropout, use_bias) for _ in range(n_blocks)
        ]
        for i in range(n_downsampling):
            mult = 2 ** (n_downsampling - i)
            model += [
                nn.ConvTranspose2d(
                    ngf * mult,
                    ngf * mult // 2,
                    kernel_size=3,
                    stride=2,
                    padding=1,
                    output_padding=1,
                    bias=use_bias,
                ),
                norm_layer(ngf * mult // 2),
                nn.ReLU(True),
            ]
        model += [
            nn.ReflectionPad2d(3),
            nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0),
            nn.Tanh(),
        ]
        self.model = nn.Sequential(*model)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        output = self.model(input)
        if self.learn_residual:
            output = torch.clamp(input + output, min=-1, max=1)
        return output


# ---- published figures and official checkpoints ----

_RESULTS = (
    "KupynOrest/DeblurGAN@2499a87f96f34f262ea294c7e4cd3fd7e90251f8:images/results.png (row '{row}', "
    "column '{column}'; shown in the README from 8a91180 to dd9e940 under 'The code used to create the "
    "paper contains a bug in PSNR calculation, found by Huaijin Chen from Rice university, results "
    "recalculation are present below')"
)
_BEFORE = (
    "{row}; 'Before': PSNR by the code used for the paper, which had a PSNR bug; the metric is not "
    "printed in the image (the README text says PSNR); variant not stated. Which of Wild / Synth / "
    "Comb the released latest_net_G.pth is, is not stated"
)
_AFTER = (
    "{row}; 'After': PSNR recalculated after the fix; the metric is not printed in the image (the "
    "README text says PSNR); variant not stated. Which of Wild / Synth / Comb the released "
    "latest_net_G.pth is, is not stated"
)
_RESULTS_ROWS = {
    "DeblurGAN Wild": (33.16, 27.2),
    "DeblurGAN Synth": (30.34, 23.7),
    "DeblurGAN Comb": (33.29, 28.7),
}
_OWN = tuple(
    Published(
        "psnr",
        value,
        "dB",
        _RESULTS.format(row=row, column=column),
        printed=column,
        label=row,
        dataset="gopro",
        note=note.format(row=row),
        # the corrected figure of the combined model is the one comparison tables quote (28.7)
        headline=(row, column) == ("DeblurGAN Comb", "After"),
    )
    for row, values in _RESULTS_ROWS.items()
    for column, value, note in zip(("Before", "After"), values, (_BEFORE, _AFTER), strict=True)
)

_LFDN_T3 = LFDN_GOPRO.at("row 'DeblurGAN [14]'")
_LFDN_T4 = LFDN_KOHLER.at("row 'DeblurGAN [14]'")
_LFDN_T5 = LFDN_HIDE.at("column 'Kupyn et al. [14]'")
_V2_T1 = DEBLURGANV2_GOPRO.at("column 'DeblurGAN [21]'")
_V2_T2 = DEBLURGANV2_KOHLER.at("column 'DeblurGAN [21]'")
_HINET = HINET_GOPRO.at("row 'DeblurGAN [21]'")
_COPY = MARKDOWN_COPY.at("column 'DeblurGAN', row 'Parameters(M)'")
_LFDN_T3_NAME, _LFDN_T4_NAME, _LFDN_T5_NAME = (t.reporter for t in (LFDN_GOPRO, LFDN_KOHLER, LFDN_HIDE))
_V2_T1_NAME, _V2_T2_NAME = DEBLURGANV2_GOPRO.reporter, DEBLURGANV2_KOHLER.reporter
_LINEAR = "blur: the caption says all models were tested on the linear subset"
_NO_CONDITIONS = "device, resolution and synchronisation not stated"

_SECOND_HAND = (
    # LFDN's Tables 3-5
    Published(
        "psnr",
        28.70,
        "dB",
        _LFDN_T3,
        printed="PSNR",
        reporter=_LFDN_T3_NAME,
        label="DeblurGAN [14]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.927,
        "",
        _LFDN_T3,
        printed="SSIM",
        reporter=_LFDN_T3_NAME,
        label="DeblurGAN [14]",
        dataset="gopro",
    ),
    Published(
        "model_size",
        37.1,
        "MB",
        _LFDN_T3,
        printed="Model Size (MB)",
        reporter=_LFDN_T3_NAME,
        label="DeblurGAN [14]",
    ),
    Published(
        "runtime",
        0.85,
        "s",
        _LFDN_T3,
        printed="Ave. inf.time(s)",
        reporter=_LFDN_T3_NAME,
        label="DeblurGAN [14]",
        note=_NO_CONDITIONS,
    ),
    Published(
        "psnr",
        26.10,
        "dB",
        _LFDN_T4,
        printed="PSNR",
        reporter=_LFDN_T4_NAME,
        label="DeblurGAN [14]",
        dataset="kohler",
    ),
    Published(
        "ssim",
        0.807,
        "",
        _LFDN_T4,
        printed="SSIM",
        reporter=_LFDN_T4_NAME,
        label="DeblurGAN [14]",
        dataset="kohler",
    ),
    Published(
        "model_size",
        37.1,
        "MB",
        _LFDN_T4,
        printed="Model Size (MB)",
        reporter=_LFDN_T4_NAME,
        label="DeblurGAN [14]",
    ),
    Published(
        "runtime",
        0.85,
        "s",
        _LFDN_T4,
        printed="Ave.inf.time(s)",
        reporter=_LFDN_T4_NAME,
        label="DeblurGAN [14]",
        note=_NO_CONDITIONS,
    ),
    Published(
        "psnr",
        26.44,
        "dB",
        _LFDN_T5,
        printed="PSNR",
        reporter=_LFDN_T5_NAME,
        label="Kupyn et al. [14]",
        dataset="hide",
    ),
    Published(
        "ssim",
        0.890,
        "",
        _LFDN_T5,
        printed="SSIM",
        reporter=_LFDN_T5_NAME,
        label="Kupyn et al. [14]",
        dataset="hide",
    ),
    Published(
        "runtime",
        0.85,
        "s",
        _LFDN_T5,
        printed="Ave.inf.time(s) (s)",
        reporter=_LFDN_T5_NAME,
        label="Kupyn et al. [14]",
        note=_NO_CONDITIONS,
    ),
    Published(
        "model_size",
        37.1,
        "MB",
        _LFDN_T5,
        printed="modle size(MB)",
        reporter=_LFDN_T5_NAME,
        label="Kupyn et al. [14]",
    ),
    # DeblurGAN-v2's Tables 1 (GoPro, linear subset) and 2 (Kohler)
    Published(
        "psnr",
        28.70,
        "dB",
        _V2_T1,
        printed="PSNR",
        reporter=_V2_T1_NAME,
        label="DeblurGAN [21]",
        dataset="gopro",
        variant="blur",
        note=_LINEAR,
    ),
    Published(
        "ssim",
        0.927,
        "",
        _V2_T1,
        printed="SSIM",
        reporter=_V2_T1_NAME,
        label="DeblurGAN [21]",
        dataset="gopro",
        variant="blur",
        note=_LINEAR,
    ),
    Published(
        "runtime",
        0.85,
        "s",
        _V2_T1,
        printed="Time",
        reporter=_V2_T1_NAME,
        label="DeblurGAN [21]",
        note="printed '0.85s'; device, resolution and synchronisation not printed",
    ),
    Published(
        "flops",
        678.29,
        "G",
        _V2_T1,
        printed="FLOPS",
        reporter=_V2_T1_NAME,
        label="DeblurGAN [21]",
        note="printed '678.29G'; input size not printed",
    ),
    Published(
        "psnr",
        26.10,
        "dB",
        _V2_T2,
        printed="PSNR",
        reporter=_V2_T2_NAME,
        label="DeblurGAN [21]",
        dataset="kohler",
    ),
    Published(
        "ssim",
        0.816,
        "",
        _V2_T2,
        printed="SSIM",
        reporter=_V2_T2_NAME,
        label="DeblurGAN [21]",
        dataset="kohler",
    ),
    # HINet's Table 2
    Published(
        "psnr",
        28.70,
        "dB",
        _HINET,
        printed="PSNR",
        reporter=HINET_GOPRO.reporter,
        label="DeblurGAN [21]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.858,
        "",
        _HINET,
        printed="SSIM",
        reporter=HINET_GOPRO.reporter,
        label="DeblurGAN [21]",
        dataset="gopro",
    ),
    # a third-party table quoted by the manifest notes and the 0.1 record
    Published(
        "params",
        11.6,
        "M",
        _COPY,
        printed="Parameters(M)",
        reporter=MARKDOWN_COPY.reporter,
        label="DeblurGAN",
        note="a personal notes repository; the manifest notes call the table a copy of the SVRNN "
        "(Zhang et al., CVPR 2018) comparison; 11,378,179 are counted here (the authors' two-convolution "
        "ResnetBlock)",
    ),
)

# The abstract: "The method is 5 times faster than the closest competitor - DeepDeblur [25]."
_RELATIVE = (
    Relative(
        "runtime",
        "deepdeblur",
        1 / 5,
        "The method is 5 times faster than the closest competitor \u2013 DeepDeblur [25].",
        "the paper's abstract (CVPR 2018; arXiv 1711.07064), read in a copy of the CVPR paper's first "
        "page (dokumen.tips 'deblurgan-blind-motion-deblurring-using-conditional-adversarial-2018-6-11')",
        note=(
            "DeepDeblur [25] is Nah et al.'s multi-scale CNN (registered as deepdeblur, the authors' "
            "PyTorch re-implementation of it). Device, input size and timing method not stated in the "
            "sentence; DeblurGAN-v2's Table 1 later lists 0.85 s for DeblurGAN and 4.33 s for "
            "DeepDeblur on GoPro (ratio 0.196)"
        ),
    ),
)

_CHECKPOINTS = (
    OfficialCheckpoint(
        "latest_net_G.pth",
        "KupynOrest/DeblurGAN@39e8a4b408b90d0ef98608c5c4562eae3e184251:README.md 'Download weights from "
        "[Dropbox](https://www.dropbox.com/s/5r6cy0x72s8x9yf/latest_net_G.pth?dl=0)'; at HEAD 2499a87 the "
        "link is a Google Drive file (https://drive.google.com/file/d/1liKzdjMRHZ-i5MWhC72EL7UZLNPj5_8Y/view)",
        datasets=("gopro", "hide"),
        note="the generator's bare state dict ('keep only Generator weights'), PyTorch 0.3 era; which "
        "training set (Wild / Synth / Comb) it is, and whether the Drive file is the same, is not stated",
    ),
)


@register_model(
    official_weights=(
        "latest_net_G.pth (generator), linked from the DeblurGAN README; bare state dict, PyTorch 0.3 era (InstanceNorm statistics are dropped on load)"
    ),
    display_name="DeblurGAN",
    family="DeblurGAN",
    paper=Paper(
        title="DeblurGAN: Blind Motion Deblurring Using Conditional Adversarial Networks",
        venue="CVPR",
        year=2018,
        authors="Orest Kupyn, Volodymyr Budzan, Mykola Mykhailych, Dmytro Mishkin, Jiří Matas",
        url="https://arxiv.org/abs/1711.07064",
    ),
    repo="KupynOrest/DeblurGAN",
    commit="39e8a4b408b90d0ef98608c5c4562eae3e184251",
    interface=ImageInterface(scale=2.0, shift=-1.0),
    input_convention="RGB in [-1, 1]: ToTensor then Normalize(0.5, 0.5), i.e. 2x - 1",
    output_pick=(
        "the single output tensor in [-1, 1]: clamp(input + tanh(...), -1, 1) (learn_residual), "
        "mapped back as (y + 1) / 2"
    ),
    multiple=4,
    min_size=8,
    sizes=(
        "H and W multiples of 4: two stride-2 convolutions and two transposed convolutions "
        "with output_padding=1 must give back the input size for the residual add; at least 8 "
        "so the 1/4-size features (>= 2) can take the ResnetBlocks' reflection padding of 1"
    ),
    test_mode="eval",
    published=(*_OWN, *_SECOND_HAND),
    relative=_RELATIVE,
    checkpoints=_CHECKPOINTS,
    fidelity="manifest",
    unused_modules=(),
    notes=(
        "Authors' version (commit 39e8a4b, networks.py as of a6f4ad0): two convolutions per "
        "ResnetBlock, 11,378,179 params. HEAD (2499a87) carries third-party PR #134, whose "
        "ResnetBlock drops the second convolution whenever dropout is on (operator precedence; "
        "6,067,459 params, no conv_block.6 keys) and sets InstanceNorm track_running_stats=True "
        "(running-stat buffers, eval() then uses them): neither is the paper's network. "
        "InstanceNorm2d(affine=False) has no parameters or buffers here. The released GoPro "
        "weights date from PyTorch 0.3 and may hold unused InstanceNorm running_mean/running_var "
        "entries, which must be dropped to load strict=True (not verified: weights not "
        "available here). Official test.py never calls eval(), so Dropout(0.5) is active and "
        "the official output is stochastic; we run eval() (dropout off), as the reference does. "
        "Official test loading resizes/crops by default (resize_or_crop='resize_and_crop', "
        "960x540 then a 512 crop); we restore the full image. Outputs were saved via "
        "tensor2im: (y + 1) / 2 * 255 cast to uint8 (truncation). "
        "Published figures: the authors' own are only results.png's GoPro PSNR before/after their PSNR "
        "fix for the Wild / Synth / Comb models; no parameter count, FLOPs, SSIM, Kohler or HIDE figure "
        "by the authors was found (the paper's tables were not read; issue users quote its GoPro SSIM as "
        "0.958, unverified). The commented-out metric code in test.py uses pyssim CW-SSIM. The abstract's "
        "'5 times faster than the closest competitor - DeepDeblur' is a relative claim (spec.relative). "
        "Discrepancies: GoPro SSIM is 0.927 in DeblurGAN-v2's Table 1 and LFDN but 0.858 in HINet "
        "(0.958 quoted for the paper suggests another SSIM, possibly CW-SSIM); Kohler SSIM is 0.816 in "
        "DeblurGAN-v2's Table 2 but 0.807 in LFDN."
    ),
)
def deblurgan(**kwargs: object) -> nn.Module:
    """ResnetGenerator as the README's test command builds it (9 blocks, instance norm, residual)."""
    config: dict[str, object] = {
        "input_nc": 3,
        "output_nc": 3,
        "ngf": 64,
        "norm_layer": get_norm_layer("instance"),
        "use_dropout": True,
        "n_blocks": 9,
        "learn_residual": True,
        "padding_type": "reflect",
    }
    config.update(kwargs)
    return ResnetGenerator(**config)
