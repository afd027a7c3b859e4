"""Restormer: an efficient Transformer for high-resolution image restoration.

Re-implemented from the authors' code (swz30/Restormer,
``basicsr/models/archs/restormer_arch.py``, class ``Restormer``) with their module
and attribute names, so an official checkpoint loads with ``strict=True``:

- ``OverlapPatchEmbed``: a 3x3 convolution to ``dim`` channels.
- a 4-level U-Net of ``TransformerBlock``s. Each block is pre-norm: ``Attention``
  (MDTA, multi-Dconv head transposed attention: attention across *channels*,
  with L2-normalised queries and keys and a learned per-head temperature) and
  ``FeedForward`` (GDFN, a GELU-gated depthwise-conv feed-forward network).
- ``Downsample`` / ``Upsample``: 3x3 convolution + pixel-(un)shuffle by 2.
- decoder level 1 and the refinement blocks run at ``2 * dim`` channels (there is
  no 1x1 channel reduction at level 1); the output convolution adds the input
  image (global residual).

The einops ``rearrange`` calls of the original are written as reshapes and
permutations here; they move the same values. All convolutions have no bias in
the motion-deblurring configuration.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published
from .registry import Paper, register_model
from .sources import STRIPFORMER_ISSUE_6, TLC_MAIN, manifest_notes

# ---- layer norm over channels (BasicSR style, on a (B, H*W, C) view) ----


def to_3d(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H*W, C): channels last, so a norm over the last dim is per pixel."""
    b, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).reshape(b, h * w, c)


def to_4d(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, H*W, C) -> (B, C, H, W), the inverse of :func:`to_3d`."""
    b, _, c = x.shape
    return x.reshape(b, h, w, c).permute(0, 3, 1, 2)


class BiasFree_LayerNorm(nn.Module):  # noqa: N801 - the authors' name
    """Scale-only layer norm over the last dim; the mean is not subtracted."""

    def __init__(self, normalized_shape: int | Sequence[int]) -> None:
        super().__init__()
        shape = torch.Size((normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape)
        assert len(shape) == 1
        self.weight = nn.Parameter(torch.ones(shape))
        self.normalized_shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sigma = x.var(-1, keepdim=True, unbiased=False)
        return x / torch.sqrt(sigma + 1e-5) * self.weight


class WithBias_LayerNorm(nn.Module):  # noqa: N801 - the authors' name
    """Layer norm over the last dim (eps 1e-5, biased variance) with weight and bias."""

    def __init__(self, normalized_shape: int | Sequence[int]) -> None:
        super().__init__()
        shape = torch.Size((normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape)
        assert len(shape) == 1
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape))
        self.normalized_shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(-1, keepdim=True)
        sigma = x.var(-1, keepdim=True, unbiased=False)
        return (x - mu) / torch.sqrt(sigma + 1e-5) * self.weight + self.bias


class LayerNorm(nn.Module):
    """Per-pixel layer norm over the channels of a (B, C, H, W) map."""

    def __init__(self, dim: int, LayerNorm_type: str) -> None:  # noqa: N803 - the authors' name
        super().__init__()
        if LayerNorm_type == "BiasFree":
            self.body: nn.Module = BiasFree_LayerNorm(dim)
        else:
            self.body = WithBias_LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return to_4d(self.body(to_3d(x)), h, w)


# ---- the Transformer block ----


class FeedForward(nn.Module):
    """GDFN: 1x1 expand to 2 x hidden, depthwise 3x3, GELU(x1) * x2 gate, 1x1 project."""

    def __init__(self, dim: int, ffn_expansion_factor: float, bias: bool) -> None:
        super().__init__()
        hidden_features = int(dim * ffn_expansion_factor)
        self.project_in = nn.Conv2d(dim, hidden_features * 2, kernel_size=1, bias=bias)
        self.dwconv = nn.Conv2d(
            hidden_features * 2,
            hidden_features * 2,
            kernel_size=3,
            stride=1,
            padding=1,
            groups=hidden_features * 2,
            bias=bias,
        )
        self.project_out = nn.Conv2d(hidden_features, dim, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project_in(x)
        x1, x2 = self.dwconv(x).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


class Attention(nn.Module):
    """MDTA: transposed (channel x channel) attention per head, cost linear in H*W.

    The two matrix products (``q @ k^T`` and ``attn @ v``) go through the ``@``
    operator; ptflops does not count them, fvcore and torch's counter do.
    """

    def __init__(self, dim: int, num_heads: int, bias: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.qkv = nn.Conv2d(dim, dim * 3, kernel_size=1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(
            dim * 3, dim * 3, kernel_size=3, stride=1, padding=1, groups=dim * 3, bias=bias
        )
        self.project_out = nn.Conv2d(dim, dim, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        qkv = self.qkv_dwconv(self.qkv(x))
        q, k, v = qkv.chunk(3, dim=1)
        # 'b (head c) h w -> b head c (h w)'
        q = q.reshape(b, self.num_heads, c // self.num_heads, h * w)
        k = k.reshape(b, self.num_heads, c // self.num_heads, h * w)
        v = v.reshape(b, self.num_heads, c // self.num_heads, h * w)

        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = (q @ k.transpose(-2, -1)) * self.temperature
        attn = attn.softmax(dim=-1)
        out = (attn @ v).reshape(b, c, h, w)  # 'b head c (h w) -> b (head c) h w'
        return self.project_out(out)


class TransformerBlock(nn.Module):
    """Pre-norm block: x + MDTA(LN(x)), then x + GDFN(LN(x))."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        ffn_expansion_factor: float,
        bias: bool,
        LayerNorm_type: str,  # noqa: N803 - the authors' name
    ) -> None:
        super().__init__()
        self.norm1 = LayerNorm(dim, LayerNorm_type)
        self.attn = Attention(dim, num_heads, bias)
        self.norm2 = LayerNorm(dim, LayerNorm_type)
        self.ffn = FeedForward(dim, ffn_expansion_factor, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


class OverlapPatchEmbed(nn.Module):
    """A 3x3 convolution from the image to ``embed_dim`` feature channels."""

    def __init__(self, in_c: int = 3, embed_dim: int = 48, bias: bool = False) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_c, embed_dim, kernel_size=3, stride=1, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


class Downsample(nn.Module):
    """Halve H and W, double the channels: 3x3 conv to C/2, then pixel-unshuffle by 2."""

    def __init__(self, n_feat: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(n_feat, n_feat // 2, kernel_size=3, stride=1, padding=1, bias=False),
            nn.PixelUnshuffle(2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Upsample(nn.Module):
    """Double H and W, halve the channels: 3x3 conv to 2C, then pixel-shuffle by 2."""

    def __init__(self, n_feat: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(n_feat, n_feat * 2, kernel_size=3, stride=1, padding=1, bias=False),
            nn.PixelShuffle(2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _blocks(n: int, dim: int, heads: int, ffn: float, bias: bool, ln_type: str) -> nn.Sequential:
    return nn.Sequential(*(TransformerBlock(dim, heads, ffn, bias, ln_type) for _ in range(n)))


class Restormer(nn.Module):
    """The Restormer U-Net (defaults: the motion-deblurring configuration).

    ``dual_pixel_task=True`` (with ``inp_channels=6``) is the authors' dual-pixel
    defocus variant: it adds ``skip_conv`` and drops the global image residual.
    """

    def __init__(
        self,
        inp_channels: int = 3,
        out_channels: int = 3,
        dim: int = 48,
        num_blocks: Sequence[int] = (4, 6, 6, 8),
        num_refinement_blocks: int = 4,
        heads: Sequence[int] = (1, 2, 4, 8),
        ffn_expansion_factor: float = 2.66,
        bias: bool = False,
        LayerNorm_type: str = "WithBias",  # noqa: N803 - the authors' name
        dual_pixel_task: bool = False,
    ) -> None:
        super().__init__()
        ffn, ln = ffn_expansion_factor, LayerNorm_type
        self.patch_embed = OverlapPatchEmbed(inp_channels, dim)

        self.encoder_level1 = _blocks(num_blocks[0], dim, heads[0], ffn, bias, ln)
        self.down1_2 = Downsample(dim)
        self.encoder_level2 = _blocks(num_blocks[1], dim * 2, heads[1], ffn, bias, ln)
        self.down2_3 = Downsample(dim * 2)
        self.encoder_level3 = _blocks(num_blocks[2], dim * 4, heads[2], ffn, bias, ln)
        self.down3_4 = Downsample(dim * 4)
        self.latent = _blocks(num_blocks[3], dim * 8, heads[3], ffn, bias, ln)

        self.up4_3 = Upsample(dim * 8)
        self.reduce_chan_level3 = nn.Conv2d(dim * 8, dim * 4, kernel_size=1, bias=bias)
        self.decoder_level3 = _blocks(num_blocks[2], dim * 4, heads[2], ffn, bias, ln)

        self.up3_2 = Upsample(dim * 4)
        self.reduce_chan_level2 = nn.Conv2d(dim * 4, dim * 2, kernel_size=1, bias=bias)
        self.decoder_level2 = _blocks(num_blocks[1], dim * 2, heads[1], ffn, bias, ln)

        self.up2_1 = Upsample(dim * 2)  # no 1x1 reduction at level 1: it stays at 2 * dim
        self.decoder_level1 = _blocks(num_blocks[0], dim * 2, heads[0], ffn, bias, ln)
        self.refinement = _blocks(num_refinement_blocks, dim * 2, heads[0], ffn, bias, ln)

        self.dual_pixel_task = dual_pixel_task
        if dual_pixel_task:
            self.skip_conv = nn.Conv2d(dim, dim * 2, kernel_size=1, bias=bias)
        self.output = nn.Conv2d(dim * 2, out_channels, kernel_size=3, stride=1, padding=1, bias=bias)

    def forward(self, inp_img: torch.Tensor) -> torch.Tensor:
        inp_enc_level1 = self.patch_embed(inp_img)
        out_enc_level1 = self.encoder_level1(inp_enc_level1)
        out_enc_level2 = self.encoder_level2(self.down1_2(out_enc_level1))
        out_enc_level3 = self.encoder_level3(self.down2_3(out_enc_level2))
        latent = self.latent(self.down3_4(out_enc_level3))

        inp_dec_level3 = torch.cat([self.up4_3(latent), out_enc_level3], 1)
        out_dec_level3 = self.decoder_level3(self.reduce_chan_level3(inp_dec_level3))

        inp_dec_level2 = torch.cat([self.up3_2(out_dec_level3), out_enc_level2], 1)
        out_dec_level2 = self.decoder_level2(self.reduce_chan_level2(inp_dec_level2))

        inp_dec_level1 = torch.cat([self.up2_1(out_dec_level2), out_enc_level1], 1)
        out_dec_level1 = self.refinement(self.decoder_level1(inp_dec_level1))

        if self.dual_pixel_task:
            return self.output(out_dec_level1 + self.skip_conv(inp_enc_level1))
        return self.output(out_dec_level1) + inp_img


_LEADS = (
    "reference manifest notes, shared/reference/restormer.json: '26.1M params and ~141 GMACs ('FLOPs' "
    "in the paper, i.e. multiply-adds at 256x256)' for the motion-deblurring Restormer, leads supplied "
    "with the task (the paper's table could not be opened; the README gives no params or FLOPs)"
)
_LEADS_REPORTER = manifest_notes("restormer")
_LEADS_NOTE = (
    "not found in Restormer's own material: the README's result tables are external imgur images, "
    "and no maintainer answer giving them was found in the repository's issues"
)
_STRIPFORMER_ISSUE = STRIPFORMER_ISSUE_6.at("row 'Restormer (CVPR 2022)'")
_STRIPFORMER_RUN = "'on the GoPro test set with a single RTX3090 GPU': full 1280x720 GoPro test frames"
_TLC_README = TLC_MAIN.at("row 'Restormer'")
_RESTORMER_FIGURES = (
    # the leads the old single-source record carried: the manifest notes', not the authors'
    Published(
        "params",
        26.1,
        "M",
        _LEADS,
        printed="26.1M params",
        reporter=_LEADS_REPORTER,
        note=f"{_LEADS_NOTE}; measured here: 26,126,644 params",
    ),
    Published(
        "flops",
        141.0,
        "G",
        _LEADS + "; for the size: https://github.com/swz30/Restormer/issues/19 (swz30 2022-03-10: "
        "'FLOPs are calculated on image size 256x256')",
        printed="FLOPs (the lead writes '~141 GMACs')",
        reporter=_LEADS_REPORTER,
        size=(256, 256),
        note=(
            f"{_LEADS_NOTE}; the 256x256 is the maintainer's (issue #19), who calls the paper's figure "
            "FLOPs; measured here ptflops 141.24 GMACs, which misses the two attention matmuls "
            "(fvcore 154.88 G counts them)"
        ),
    ),
    # second-hand: the Stripformer author's comparison table (issue #6)
    Published(
        "psnr",
        32.92,
        "dB",
        _STRIPFORMER_ISSUE,
        printed="PSNR",
        reporter=STRIPFORMER_ISSUE_6.reporter,
        label="Restormer (CVPR 2022)",
        dataset="gopro",
    ),
    Published(
        "params",
        26.0,
        "M",
        _STRIPFORMER_ISSUE,
        printed="Parms (M)",
        reporter=STRIPFORMER_ISSUE_6.reporter,
        label="Restormer (CVPR 2022)",
    ),
    Published(
        "flops",
        140.0,
        "G",
        _STRIPFORMER_ISSUE,
        printed="GFLOPs",
        reporter=STRIPFORMER_ISSUE_6.reporter,
        label="Restormer (CVPR 2022)",
        size=(256, 256),
        note="'The GFLOPs are measured on a 256x256 patch.'",
    ),
    Published(
        "runtime",
        350.0,
        "ms",
        _STRIPFORMER_ISSUE,
        printed="Async-Time (ms)",
        reporter=STRIPFORMER_ISSUE_6.reporter,
        label="Restormer (CVPR 2022)",
        size=(720, 1280),
        device="RTX3090",
        sync=False,
        note=_STRIPFORMER_RUN,
    ),
    Published(
        "runtime",
        1116.0,
        "ms",
        _STRIPFORMER_ISSUE,
        printed="Sync-Time (ms)",
        reporter=STRIPFORMER_ISSUE_6.reporter,
        label="Restormer (CVPR 2022)",
        size=(720, 1280),
        device="RTX3090",
        sync=True,
        note=_STRIPFORMER_RUN,
    ),
    # second-hand: TLC's README (megvii; Restormer without TLC)
    Published(
        "psnr",
        32.92,
        "dB",
        _TLC_README,
        printed="GoPro",
        reporter=TLC_MAIN.reporter,
        label="Restormer",
        dataset="gopro",
        note="Restormer without TLC (TLC's own row is 'Restormer-Local (ours)')",
    ),
    Published(
        "psnr",
        31.22,
        "dB",
        _TLC_README,
        printed="HIDE",
        reporter=TLC_MAIN.reporter,
        label="Restormer",
        dataset="hide",
        note="Restormer without TLC (TLC's own row is 'Restormer-Local (ours)')",
    ),
)
_RESTORMER_CHECKPOINTS = (
    OfficialCheckpoint(
        "motion_deblurring.pth",
        where=(
            "Motion_Deblurring/README.md, Evaluation: 'Download the pre-trained model (Google Drive "
            "folder 1czMyfRTQDX3j3ErByYeZ1PM4GVLbJeGK) and place it in ./pretrained_models/'; "
            "Motion_Deblurring/test.py --weights default ./pretrained_models/motion_deblurring.pth"
        ),
        datasets=("gopro", "hide", "realblur_j", "realblur_r"),
        note="the GoPro-trained model: test.py runs the same weights on GoPro, HIDE, RealBlur-J and RealBlur-R",
    ),
)


@register_model(
    official_weights=(
        "motion_deblurring.pth, linked from Motion_Deblurring/README.md of the Restormer repository; weights under 'params'"
    ),
    display_name="Restormer",
    family="Restormer",
    paper=Paper(
        title="Restormer: Efficient Transformer for High-Resolution Image Restoration",
        venue="CVPR",
        year=2022,
        authors="Zamir, Arora, Khan, Hayat, Khan, Yang",
        url="https://arxiv.org/abs/2111.09881",
    ),
    repo="swz30/Restormer",
    commit="df766d5521afd21cce56e24159f300b30ebf3fb0",
    interface=ImageInterface(),
    input_convention="RGB in [0, 1], no normalisation (Motion_Deblurring/test.py: img / 255)",
    output_pick="the single output tensor (output conv + input image), in [0, 1]",
    multiple=8,
    min_size=8,
    sizes=(
        "H and W multiples of 8: three PixelUnshuffle(2) downsamples must divide evenly "
        "(the official test.py reflect-pads right/bottom to a multiple of 8 and crops back); "
        "8 x 8 is the smallest input (1 x 1 at the latent level)"
    ),
    test_mode="eval",
    published=_RESTORMER_FIGURES,
    checkpoints=_RESTORMER_CHECKPOINTS,
    fidelity="manifest",
    unused_modules=(),
    notes=(
        "Motion-deblurring configuration (Deblurring_Restormer.yml = constructor defaults). "
        "MDTA attends over channels with L2-normalised q, k and a learned per-head temperature; "
        "GDFN hidden width int(dim * 2.66) (127, 255, 510, 1021); WithBias LayerNorm, eps 1e-5, "
        "biased variance; all convolutions bias-free; decoder level 1 and refinement at 96 "
        "channels with heads[0] = 1. skip_conv exists only for dual_pixel_task=True. "
        "FLOP counters: ptflops misses the two attention matmuls (q @ k^T, attn @ v, ~13.6 G "
        "at 256x256); fvcore and torch.utils.flop_counter count them. "
        "Published figures: the authors' own GoPro/HIDE/RealBlur values, parameter count and runtime "
        "are in README images hosted on imgur (not in the repository) and were not found; the paper's "
        "GoPro/HIDE scores use MATLAB ssim()/psnr() (evaluate_gopro_hide.m, 'Table 2'), RealBlur "
        "evaluate_realblur.py (skimage). Second-hand: the Stripformer author's table (issue #6) and "
        "TLC's README; TLC's 'Restormer-Local' row (33.57 / 31.49) is Restormer with TLC, which has "
        "no registered spec here."
    ),
)
def restormer(**kwargs: object) -> nn.Module:
    """Restormer in the authors' motion-deblurring configuration (dim 48, blocks 4-6-6-8)."""
    return Restormer(**kwargs)
