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
from .registry import Paper, Reported, register_model

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
    reported=Reported(
        source=(
            "not recorded: the paper's tables (GoPro PSNR/SSIM, runtime) are not in the sources "
            "this project could read, and the README reports no figures. Params: not verified "
            "in the paper text; the counted 11,378,179 matches the ~11.4M commonly quoted, while "
            "a secondary copy of the SVRNN (CVPR 2018) comparison table lists 11.6M. MACs: none "
            "reported."
        ),
    ),
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
        "tensor2im: (y + 1) / 2 * 255 cast to uint8 (truncation)."
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
