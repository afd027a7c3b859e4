"""NAFNet: the nonlinear-activation-free network (Chen et al., ECCV 2022), GoPro widths 32 and 64.

Re-implemented from the authors' code (megvii-research/NAFNet,
``basicsr/models/archs/NAFNet_arch.py``, ``arch_util.py`` and ``local_arch.py``)
with their class and attribute names, so an official checkpoint loads with
``strict=True``:

- ``NAFBlock``: channel LayerNorm (``LayerNorm2d``, a custom autograd function),
  1x1 conv, 3x3 depthwise conv, ``SimpleGate`` (split channels, multiply),
  simplified channel attention (``sca``: global average pool + 1x1 conv), 1x1
  conv, scaled by ``beta``; then a gated feed-forward scaled by ``gamma``.
- ``NAFNet``: a 4-level U-Net of NAFBlocks (``intro``, ``encoders``/``downs``,
  ``middle_blks``, ``ups`` with pixel shuffle, ``decoders``, ``ending``) and a
  global residual. ``forward`` zero-pads the input itself to a multiple of 16
  and crops the result, so any H x W is accepted.
- ``NAFNetLocal``: the test-time local converter (TLC, Chu et al., ECCV 2022),
  which the official GoPro test configs use. Every global ``AdaptiveAvgPool2d``
  of the ``sca`` branches becomes a local mean (``AvgPool2d``) whose window is
  1.5x the feature size the layer sees for a 256 x 256 training crop. No
  parameters change, so the same checkpoints load. Its output differs from
  plain NAFNet only when the (16-padded) input exceeds 384 px in H or W.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .interface import ImageInterface
from .registry import ModelSpec, Paper, Reported, register_model

# ---- arch_util.py: the channel LayerNorm with its hand-written backward ----


class LayerNormFunction(torch.autograd.Function):
    """LayerNorm over the channel axis of an (N, C, H, W) tensor, with an explicit backward."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float
    ) -> torch.Tensor:
        ctx.eps = eps
        channels = x.size(1)
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        y = (x - mu) / (var + eps).sqrt()
        ctx.save_for_backward(y, var, weight)
        return weight.view(1, channels, 1, 1) * y + bias.view(1, channels, 1, 1)

    @staticmethod
    def backward(
        ctx: Any, grad_output: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, None]:
        eps = ctx.eps
        channels = grad_output.size(1)
        y, var, weight = ctx.saved_tensors
        g = grad_output * weight.view(1, channels, 1, 1)
        mean_g = g.mean(dim=1, keepdim=True)
        mean_gy = (g * y).mean(dim=1, keepdim=True)
        gx = 1.0 / torch.sqrt(var + eps) * (g - y * mean_gy - mean_g)
        grad_weight = (grad_output * y).sum(dim=(0, 2, 3))
        grad_bias = grad_output.sum(dim=(0, 2, 3))
        return gx, grad_weight, grad_bias, None


class LayerNorm2d(nn.Module):
    """Per-pixel LayerNorm across channels with a per-channel affine (eps 1e-6)."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.register_parameter("weight", nn.Parameter(torch.ones(channels)))
        self.register_parameter("bias", nn.Parameter(torch.zeros(channels)))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return LayerNormFunction.apply(x, self.weight, self.bias, self.eps)


# ---- NAFNet_arch.py ----


class SimpleGate(nn.Module):
    """Split the channels in two halves and multiply them: the block's only nonlinearity."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=1)
        return x1 * x2


class NAFBlock(nn.Module):
    """Norm, 1x1, depthwise 3x3, SimpleGate, channel attention, 1x1 (x beta); gated FFN (x gamma)."""

    def __init__(self, c: int, DW_Expand: int = 2, FFN_Expand: int = 2, drop_out_rate: float = 0.0) -> None:  # noqa: N803 - the authors' names
        super().__init__()
        dw_channel = c * DW_Expand
        self.conv1 = nn.Conv2d(c, dw_channel, kernel_size=1, padding=0, stride=1, groups=1, bias=True)
        self.conv2 = nn.Conv2d(
            dw_channel, dw_channel, kernel_size=3, padding=1, stride=1, groups=dw_channel, bias=True
        )
        self.conv3 = nn.Conv2d(dw_channel // 2, c, kernel_size=1, padding=0, stride=1, groups=1, bias=True)

        # Simplified channel attention: global mean (TLC makes it local), then a 1x1 conv.
        self.sca = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(
                dw_channel // 2, dw_channel // 2, kernel_size=1, padding=0, stride=1, groups=1, bias=True
            ),
        )
        self.sg = SimpleGate()

        ffn_channel = FFN_Expand * c
        self.conv4 = nn.Conv2d(c, ffn_channel, kernel_size=1, padding=0, stride=1, groups=1, bias=True)
        self.conv5 = nn.Conv2d(ffn_channel // 2, c, kernel_size=1, padding=0, stride=1, groups=1, bias=True)

        self.norm1 = LayerNorm2d(c)
        self.norm2 = LayerNorm2d(c)

        # nn.Identity in the GoPro models (drop_out_rate = 0): never a layer that does anything.
        self.dropout1 = nn.Dropout(drop_out_rate) if drop_out_rate > 0.0 else nn.Identity()
        self.dropout2 = nn.Dropout(drop_out_rate) if drop_out_rate > 0.0 else nn.Identity()

        # Layer scales, zero at initialisation (every block starts as the identity).
        self.beta = nn.Parameter(torch.zeros((1, c, 1, 1)), requires_grad=True)
        self.gamma = nn.Parameter(torch.zeros((1, c, 1, 1)), requires_grad=True)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x = self.norm1(inp)
        x = self.conv2(self.conv1(x))
        x = self.sg(x)
        x = x * self.sca(x)
        x = self.dropout1(self.conv3(x))
        y = inp + x * self.beta

        x = self.conv4(self.norm2(y))
        x = self.sg(x)
        x = self.dropout2(self.conv5(x))
        return y + x * self.gamma


class NAFNet(nn.Module):
    """The NAFNet U-Net; pads the input to a multiple of 2**len(enc_blk_nums) itself."""

    def __init__(
        self,
        img_channel: int = 3,
        width: int = 16,
        middle_blk_num: int = 1,
        enc_blk_nums: Sequence[int] = (),
        dec_blk_nums: Sequence[int] = (),
    ) -> None:
        super().__init__()
        self.intro = nn.Conv2d(img_channel, width, kernel_size=3, padding=1, stride=1, groups=1, bias=True)
        self.ending = nn.Conv2d(width, img_channel, kernel_size=3, padding=1, stride=1, groups=1, bias=True)

        self.encoders = nn.ModuleList()
        self.decoders = nn.ModuleList()
        self.middle_blks = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList()

        chan = width
        for num in enc_blk_nums:
            self.encoders.append(nn.Sequential(*[NAFBlock(chan) for _ in range(num)]))
            self.downs.append(nn.Conv2d(chan, 2 * chan, 2, 2))
            chan = chan * 2

        self.middle_blks = nn.Sequential(*[NAFBlock(chan) for _ in range(middle_blk_num)])

        for num in dec_blk_nums:
            self.ups.append(nn.Sequential(nn.Conv2d(chan, chan * 2, 1, bias=False), nn.PixelShuffle(2)))
            chan = chan // 2
            self.decoders.append(nn.Sequential(*[NAFBlock(chan) for _ in range(num)]))

        self.padder_size = 2 ** len(self.encoders)

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        _, _, height, width = inp.shape
        inp = self.check_image_size(inp)

        x = self.intro(inp)
        encs = []
        for encoder, down in zip(self.encoders, self.downs, strict=False):
            x = encoder(x)
            encs.append(x)
            x = down(x)

        x = self.middle_blks(x)

        for decoder, up, enc_skip in zip(self.decoders, self.ups, encs[::-1], strict=False):
            x = up(x)
            x = x + enc_skip
            x = decoder(x)

        x = self.ending(x)
        x = x + inp
        return x[:, :, :height, :width]

    def check_image_size(self, x: torch.Tensor) -> torch.Tensor:
        """Zero-pad bottom/right to a multiple of ``padder_size`` (the official padding)."""
        _, _, h, w = x.size()
        mod_pad_h = (self.padder_size - h % self.padder_size) % self.padder_size
        mod_pad_w = (self.padder_size - w % self.padder_size) % self.padder_size
        return F.pad(x, (0, mod_pad_w, 0, mod_pad_h))


# ---- local_arch.py: the test-time local converter (TLC) ----


class AvgPool2d(nn.Module):
    """TLC's local mean: a ``kernel_size`` window mean, replicate-padded back to the input size.

    The window is fixed on the first forward pass (the conversion pass at the
    training size): ``feature size * base_size // train_size`` per axis. When the
    window covers the whole feature map the result is the global mean
    (``adaptive_avg_pool2d(x, 1)``), exactly as before the conversion. Only the
    exact (cumulative-sum) implementation of the official code is provided, the
    one its GoPro configs use (``fast_imp=False``).
    """

    def __init__(
        self,
        kernel_size: Sequence[int] | None = None,
        base_size: int | Sequence[int] | None = None,
        auto_pad: bool = True,
        train_size: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = None if kernel_size is None else list(kernel_size)
        self.base_size = base_size
        self.auto_pad = auto_pad
        self.train_size = train_size

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, base_size={self.base_size}, stride={self.kernel_size}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel_size is None and self.base_size:
            if self.train_size is None:
                raise ValueError("AvgPool2d: base_size needs train_size to fix the window")
            base = (self.base_size, self.base_size) if isinstance(self.base_size, int) else self.base_size
            self.base_size = tuple(base)
            self.kernel_size = [
                x.shape[2] * base[0] // self.train_size[-2],
                x.shape[3] * base[1] // self.train_size[-1],
            ]
        if self.kernel_size is None:
            raise ValueError("AvgPool2d: no kernel_size (and no base_size to derive it)")

        if self.kernel_size[0] >= x.size(-2) and self.kernel_size[1] >= x.size(-1):
            return F.adaptive_avg_pool2d(x, 1)

        _, _, h, w = x.shape
        # Window sums from a zero-padded 2-D cumulative sum (an integral image).
        s = x.cumsum(dim=-1).cumsum_(dim=-2)
        s = F.pad(s, (1, 0, 1, 0))
        k1, k2 = min(h, self.kernel_size[0]), min(w, self.kernel_size[1])
        s1, s2, s3, s4 = s[:, :, :-k1, :-k2], s[:, :, :-k1, k2:], s[:, :, k1:, :-k2], s[:, :, k1:, k2:]
        out = (s4 + s1 - s2 - s3) / (k1 * k2)

        if self.auto_pad:
            _h, _w = out.shape[2:]
            pad2d = ((w - _w) // 2, (w - _w + 1) // 2, (h - _h) // 2, (h - _h + 1) // 2)
            out = F.pad(out, pad2d, mode="replicate")
        return out


def replace_layers(
    model: nn.Module, base_size: Sequence[int], train_size: Sequence[int], **kwargs: Any
) -> None:
    """Swap every ``AdaptiveAvgPool2d(1)`` under ``model`` for a TLC :class:`AvgPool2d`."""
    for name, module in model.named_children():
        if len(list(module.children())) > 0:
            replace_layers(module, base_size, train_size, **kwargs)
        if isinstance(module, nn.AdaptiveAvgPool2d):
            if module.output_size not in (1, (1, 1)):
                raise ValueError(f"TLC converts global pooling only; {name} has output {module.output_size}")
            setattr(model, name, AvgPool2d(base_size=base_size, train_size=train_size, **kwargs))


class Local_Base:  # noqa: N801 - the authors' name
    """Mixin that converts a network's global pooling to TLC local pooling."""

    def convert(self, *args: Any, train_size: Sequence[int], **kwargs: Any) -> None:
        """Replace the pools, then run one pass at ``train_size`` so each pool fixes its window.

        The official code runs that pass on a random CPU image; only the shapes
        matter, so it runs here on the meta device (no memory, no compute, and
        the real weights are untouched).
        """
        assert isinstance(self, nn.Module)
        replace_layers(self, *args, train_size=train_size, **kwargs)
        meta = {k: torch.empty_like(v, device="meta") for k, v in self.state_dict(keep_vars=True).items()}
        with torch.no_grad():
            functional_call(self, meta, (torch.empty(tuple(train_size), device="meta"),))


class NAFNetLocal(Local_Base, NAFNet):
    """NAFNet with TLC: the official GoPro test-time network (same parameters as NAFNet)."""

    def __init__(self, *args: Any, train_size: Sequence[int] = (1, 3, 256, 256), **kwargs: Any) -> None:
        NAFNet.__init__(self, *args, **kwargs)
        _, _, height, width = train_size
        base_size = (int(height * 1.5), int(width * 1.5))
        self.train_size = tuple(train_size)
        self.base_size = base_size
        self.eval()
        self.convert(base_size=base_size, train_size=train_size)


# ---- registration ----

GOPRO_CONFIG: dict[str, Any] = {
    "img_channel": 3,
    "middle_blk_num": 1,
    "enc_blk_nums": [1, 1, 1, 28],
    "dec_blk_nums": [1, 1, 1, 1],
}

_PAPER = Paper(
    title="Simple Baselines for Image Restoration",
    venue="ECCV",
    year=2022,
    authors="Liangyu Chen, Xiaojie Chu, Xiangyu Zhang, Jian Sun",
    url="https://arxiv.org/abs/2204.04676",
)
_REPO = "megvii-research/NAFNet"
_COMMIT = "2b4af71ebe098a92a75910c233a3965a3e93ede4"
_INPUT = "RGB in [0, 1] (BasicSR img2tensor of img / 255; no mean/std)"
_OUTPUT = "the single output tensor (ending conv + input), already cropped to H x W by the network"
_SIZES = (
    "any H x W: the network zero-pads bottom/right to a multiple of 16 itself "
    "(check_image_size) and crops its output, as the official test does on full frames"
)
_NOTES = (
    "LayerNorm2d is a custom autograd Function (fvcore sees it as prim::PythonOp and "
    "counts nothing inside); beta/gamma layer scales start at zero; dropout1/dropout2 "
    "are nn.Identity (drop_out_rate=0). The official GoPro test configs "
    "(options/test/GoPro/NAFNet-width*.yml) build NAFNetLocal (TLC), not NAFNet, and "
    "run full 1280x720 frames (grids: false); "
)
_TLC_NOTES = (
    "TLC (NAFNetLocal): every sca AdaptiveAvgPool2d(1) becomes a local mean whose "
    "window is 1.5x the feature size at train_size (1, 3, 256, 256), i.e. 384 px at "
    "full resolution; same parameters and state dict as NAFNet. Its output equals "
    "plain NAFNet's when the 16-padded input is at most 384 x 384 and differs beyond."
)
_UNUSED = ()  # the dropout layers are parameter-free nn.Identity, not declared-but-unused layers


def _build(width: int, tlc: bool, kwargs: dict[str, Any]) -> nn.Module:
    config = {**GOPRO_CONFIG, "width": width, **kwargs}
    if tlc:
        return NAFNetLocal(**config)
    if "train_size" in config:
        raise TypeError("train_size is a TLC option: pass tlc=True as well")
    return NAFNet(**config)


def _spec(name: str, width: int, tlc: bool, reported: Reported) -> ModelSpec:
    suffix = " + TLC" if tlc else ""
    return ModelSpec(
        name=name,
        official_weights=(
            f"NAFNet-GoPro-width{width}.pth, linked from the NAFNet README; BasicSR format, "
            "weights under 'params' (the same file serves the TLC name)"
        ),
        display_name=f"NAFNet-GoPro-width{width}{suffix}",
        family="NAFNet",
        paper=_PAPER,
        repo=_REPO,
        commit=_COMMIT,
        interface=ImageInterface(),
        input_convention=_INPUT,
        output_pick=_OUTPUT,
        multiple=1,
        min_size=1,
        sizes=_SIZES,
        test_mode="eval",
        reported=reported,
        fidelity="manifest",
        unused_modules=_UNUSED,
        notes=_NOTES
        + (
            _TLC_NOTES
            if tlc
            else "this registered name is the plain NAFNet (global pooling); "
            f"'{name}_tlc' (or create_model('{name}', tlc=True)) is the official test-time network."
        ),
    )


_TLC_PSNR_SOURCE = (
    "PSNR/SSIM: NAFNet README 'Results and Pre-trained Models' table (PSNR/SSIM on GoPro, "
    "measured with options/test/GoPro/NAFNet-width{w}.yml, whose network is "
    "NAFNetLocal, i.e. with TLC, on full frames)"
)

_REPORTED_W32 = dict(params=17_100_000, macs_g=16.0, macs_at=(256, 256))
_PARAMS_W32_SOURCE = (
    "params 17.1M and ~16 GMACs at 256x256 as recorded in the reference manifest "
    "notes (the figures quoted for NAFNet-width32; the paper table was not opened; "
    "measured here: 17,111,907 params, ptflops 16.11 GMACs)"
)
_PARAMS_W64_SOURCE = (
    "params and MACs not recorded: the ~65 GMACs usually quoted could not be "
    "confirmed from the paper (measured here: 67,888,835 params, ptflops 63.36 "
    "GMACs at 256x256); the paper abstract's 33.69 dB on GoPro (vs. the previous "
    "33.31 dB, which the TLC README lists for MPRNet-Local, i.e. MPRNet with TLC) is "
    "not recorded: the README figure belongs to the released checkpoint"
)


@register_model(
    _spec(
        "nafnet_gopro_width32",
        32,
        False,
        Reported(
            **_REPORTED_W32,
            source=_PARAMS_W32_SOURCE + "; PSNR/SSIM: none found for NAFNet without TLC (the README "
            "figures 32.8705 / 0.9606 are TLC results, recorded under nafnet_gopro_width32_tlc)",
        ),
    )
)
def nafnet_gopro_width32(tlc: bool = False, **kwargs: Any) -> nn.Module:
    """NAFNet-GoPro-width32 (17.1M parameters); ``tlc=True`` gives the official test-time NAFNetLocal."""
    return _build(32, tlc, kwargs)


@register_model(
    _spec(
        "nafnet_gopro_width64",
        64,
        False,
        Reported(
            source=_PARAMS_W64_SOURCE + "; PSNR/SSIM: none found for NAFNet without TLC (the README "
            "figures 33.7103 / 0.9668 are TLC results, recorded under nafnet_gopro_width64_tlc)",
        ),
    )
)
def nafnet_gopro_width64(tlc: bool = False, **kwargs: Any) -> nn.Module:
    """NAFNet-GoPro-width64 (67.9M parameters); ``tlc=True`` gives the official test-time NAFNetLocal."""
    return _build(64, tlc, kwargs)


@register_model(
    _spec(
        "nafnet_gopro_width32_tlc",
        32,
        True,
        Reported(
            **_REPORTED_W32,
            psnr={"gopro": 32.8705},
            ssim={"gopro": 0.9606},
            source=_PARAMS_W32_SOURCE + "; " + _TLC_PSNR_SOURCE.format(w=32),
        ),
    )
)
def nafnet_gopro_width32_tlc(**kwargs: Any) -> nn.Module:
    """NAFNet-GoPro-width32 with TLC (``NAFNetLocal``), as the official GoPro test runs it."""
    return _build(32, True, kwargs)


@register_model(
    _spec(
        "nafnet_gopro_width64_tlc",
        64,
        True,
        Reported(
            psnr={"gopro": 33.7103},
            ssim={"gopro": 0.9668},
            source=_PARAMS_W64_SOURCE + "; " + _TLC_PSNR_SOURCE.format(w=64),
        ),
    )
)
def nafnet_gopro_width64_tlc(**kwargs: Any) -> nn.Module:
    """NAFNet-GoPro-width64 with TLC (``NAFNetLocal``), as the official GoPro test runs it."""
    return _build(64, True, kwargs)
