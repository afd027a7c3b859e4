"""FFTformer: efficient frequency-domain Transformers for high-quality image deblurring.

Re-implemented from the authors' code (kkkls/FFTformer,
``basicsr/models/archs/fftformer_arch.py``, class ``fftformer``) with their module
and attribute names, so an official checkpoint loads with ``strict=True``:

- ``DFFN``: a feed-forward network whose expanded features are filtered, per
  8 x 8 patch, by a learned frequency-domain gate (``fft``, a parameter of shape
  (2 * hidden, 1, 1, 8, 5): one real weight per rfft2 coefficient), then gated
  depthwise-conv GELU as in Restormer's GDFN.
- ``FSAS``: frequency-domain self-attention. Queries and keys are multiplied
  element-wise in the Fourier domain of each 8 x 8 patch (a correlation in
  space), layer-normed, and used to gate the values.
- an asymmetric 3-level U-Net: encoder blocks use DFFN only; decoder and
  refinement blocks use FSAS + DFFN. ``Downsample`` / ``Upsample`` are bilinear
  x0.5 / x2 resizes + a 3x3 convolution; ``Fuse`` merges skip and decoder features
  with a 1x1 conv, a DFFN block at 2C channels and another 1x1 conv.

Precision: like the original, DFFN and FSAS call ``rfft2`` on ``x.float()``, so the
Fourier step runs in float32 even when the network runs in float64 (the reference
output contains that rounding). In half / bfloat16 the authors' code cannot run
(float32 FFT output meets half weights); here the FFT result is cast back to the
input dtype in that case only, which leaves float32 and float64 untouched.

The authors declare ``reduce_chan_level2`` (a 1x1 conv, 18,432 parameters) but
never call it: ``fuse2`` does that job. ``num_blocks[3]`` is not used either.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published
from .registry import Paper, register_model
from .sources import PAPERS_WITH_CODE

PATCH_SIZE = 8
_LOW_PRECISION = (torch.float16, torch.bfloat16)


# ---- layer norm over channels (as in Restormer) ----


def to_3d(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H*W, C)."""
    b, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).reshape(b, h * w, c)


def to_4d(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, H*W, C) -> (B, C, H, W)."""
    b, _, c = x.shape
    return x.reshape(b, h, w, c).permute(0, 3, 1, 2)


class BiasFree_LayerNorm(nn.Module):  # noqa: N801 - the authors' name
    """Scale-only layer norm over the last dim."""

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


# ---- 8 x 8 patches for the Fourier steps ----


def to_patches(x: torch.Tensor, patch: int = PATCH_SIZE) -> torch.Tensor:
    """'b c (h p1) (w p2) -> b c h w p1 p2': H and W must be multiples of ``patch``."""
    b, c, height, width = x.shape
    if height % patch or width % patch:
        raise ValueError(
            f"FFTformer needs feature maps divisible by {patch}, got {height}x{width} "
            "(network input H and W must be multiples of 32)"
        )
    return x.reshape(b, c, height // patch, patch, width // patch, patch).permute(0, 1, 2, 4, 3, 5)


def from_patches(x: torch.Tensor) -> torch.Tensor:
    """'b c h w p1 p2 -> b c (h p1) (w p2)', the inverse of :func:`to_patches`."""
    b, c, h, w, p1, p2 = x.shape
    return x.permute(0, 1, 2, 4, 3, 5).reshape(b, c, h * p1, w * p2)


def _match_low_precision(y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Cast the float32 FFT result back to fp16/bf16 inputs; float32/float64 pass as the authors'."""
    return y.to(like.dtype) if like.dtype in _LOW_PRECISION else y


class DFFN(nn.Module):
    """Discriminative frequency-domain FFN: 1x1 expand, per-patch learned spectral
    gate, depthwise 3x3, GELU(x1) * x2, 1x1 project."""

    def __init__(self, dim: int, ffn_expansion_factor: float, bias: bool) -> None:
        super().__init__()
        hidden_features = int(dim * ffn_expansion_factor)
        self.patch_size = PATCH_SIZE
        self.dim = dim
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
        self.fft = nn.Parameter(
            torch.ones((hidden_features * 2, 1, 1, self.patch_size, self.patch_size // 2 + 1))
        )
        self.project_out = nn.Conv2d(hidden_features, dim, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project_in(x)
        x_patch = to_patches(x, self.patch_size)
        # The authors' float32 cast; the float64 ``fft`` weight promotes the product back.
        x_patch_fft = torch.fft.rfft2(x_patch.float()) * self.fft
        x_patch = torch.fft.irfft2(x_patch_fft, s=(self.patch_size, self.patch_size))
        x = _match_low_precision(from_patches(x_patch), x)
        x1, x2 = self.dwconv(x).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


class FSAS(nn.Module):
    """Frequency-domain self-attention solver: per 8 x 8 patch, irfft2(F(q) * F(k)),
    layer-normed, multiplies v; then a 1x1 projection. ``num_heads`` is unused."""

    def __init__(self, dim: int, num_heads: int, bias: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.to_hidden = nn.Conv2d(dim, dim * 6, kernel_size=1, bias=bias)
        self.to_hidden_dw = nn.Conv2d(
            dim * 6, dim * 6, kernel_size=3, stride=1, padding=1, groups=dim * 6, bias=bias
        )
        self.project_out = nn.Conv2d(dim * 2, dim, kernel_size=1, bias=bias)
        self.norm = LayerNorm(dim * 2, LayerNorm_type="WithBias")
        self.patch_size = PATCH_SIZE

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.to_hidden_dw(self.to_hidden(x)).chunk(3, dim=1)
        # The authors' float32 cast: the product stays complex64 and the irfft2 float32
        # until the (float64, in a float64 run) LayerNorm weights promote it.
        q_fft = torch.fft.rfft2(to_patches(q, self.patch_size).float())
        k_fft = torch.fft.rfft2(to_patches(k, self.patch_size).float())
        out = torch.fft.irfft2(q_fft * k_fft, s=(self.patch_size, self.patch_size))
        out = self.norm(_match_low_precision(from_patches(out), x))
        return self.project_out(v * out)


class TransformerBlock(nn.Module):
    """x + FSAS(LN(x)) when ``att`` (decoder), then x + DFFN(LN(x))."""

    def __init__(
        self,
        dim: int,
        num_heads: int = 1,
        ffn_expansion_factor: float = 2.66,
        bias: bool = False,
        LayerNorm_type: str = "WithBias",  # noqa: N803 - the authors' name
        att: bool = False,
    ) -> None:
        super().__init__()
        self.att = att
        if self.att:
            self.norm1 = LayerNorm(dim, LayerNorm_type)
            self.attn = FSAS(dim, num_heads, bias)
        self.norm2 = LayerNorm(dim, LayerNorm_type)
        self.ffn = DFFN(dim, ffn_expansion_factor, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.att:
            x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


class Fuse(nn.Module):
    """Merge encoder skip and decoder features: 1x1 conv, a DFFN block at 2C, 1x1 conv, sum halves."""

    def __init__(self, n_feat: int) -> None:
        super().__init__()
        self.n_feat = n_feat
        self.att_channel = TransformerBlock(dim=n_feat * 2)
        self.conv = nn.Conv2d(n_feat * 2, n_feat * 2, 1, 1, 0)
        self.conv2 = nn.Conv2d(n_feat * 2, n_feat * 2, 1, 1, 0)

    def forward(self, enc: torch.Tensor, dnc: torch.Tensor) -> torch.Tensor:
        x = self.conv2(self.att_channel(self.conv(torch.cat((enc, dnc), dim=1))))
        e, d = torch.split(x, [self.n_feat, self.n_feat], dim=1)
        return e + d


class OverlapPatchEmbed(nn.Module):
    """A 3x3 convolution from the image to ``embed_dim`` feature channels."""

    def __init__(self, in_c: int = 3, embed_dim: int = 48, bias: bool = False) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_c, embed_dim, kernel_size=3, stride=1, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


class Downsample(nn.Module):
    """Bilinear x0.5 (align_corners=False), then a 3x3 conv doubling the channels."""

    def __init__(self, n_feat: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=0.5, mode="bilinear", align_corners=False),
            nn.Conv2d(n_feat, n_feat * 2, 3, stride=1, padding=1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Upsample(nn.Module):
    """Bilinear x2 (align_corners=False), then a 3x3 conv halving the channels."""

    def __init__(self, n_feat: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(n_feat, n_feat // 2, 3, stride=1, padding=1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _blocks(n: int, dim: int, ffn: float, bias: bool, att: bool) -> nn.Sequential:
    return nn.Sequential(
        *(TransformerBlock(dim=dim, ffn_expansion_factor=ffn, bias=bias, att=att) for _ in range(n))
    )


class fftformer(nn.Module):  # noqa: N801 - the authors' name
    """The FFTformer U-Net (defaults: the official GoPro network)."""

    def __init__(
        self,
        inp_channels: int = 3,
        out_channels: int = 3,
        dim: int = 48,
        num_blocks: Sequence[int] = (6, 6, 12, 8),
        num_refinement_blocks: int = 4,
        ffn_expansion_factor: float = 3,
        bias: bool = False,
    ) -> None:
        super().__init__()
        ffn = ffn_expansion_factor
        self.patch_embed = OverlapPatchEmbed(inp_channels, dim)

        self.encoder_level1 = _blocks(num_blocks[0], dim, ffn, bias, att=False)
        self.down1_2 = Downsample(dim)
        self.encoder_level2 = _blocks(num_blocks[1], dim * 2, ffn, bias, att=False)
        self.down2_3 = Downsample(dim * 2)
        self.encoder_level3 = _blocks(num_blocks[2], dim * 4, ffn, bias, att=False)

        self.decoder_level3 = _blocks(num_blocks[2], dim * 4, ffn, bias, att=True)
        self.up3_2 = Upsample(dim * 4)
        # Declared by the authors, never called by forward (fuse2 merges level 2).
        self.reduce_chan_level2 = nn.Conv2d(dim * 4, dim * 2, kernel_size=1, bias=bias)
        self.decoder_level2 = _blocks(num_blocks[1], dim * 2, ffn, bias, att=True)
        self.up2_1 = Upsample(dim * 2)
        self.decoder_level1 = _blocks(num_blocks[0], dim, ffn, bias, att=True)
        self.refinement = _blocks(num_refinement_blocks, dim, ffn, bias, att=True)

        self.fuse2 = Fuse(dim * 2)
        self.fuse1 = Fuse(dim)
        self.output = nn.Conv2d(dim, out_channels, kernel_size=3, stride=1, padding=1, bias=bias)

    def forward(self, inp_img: torch.Tensor) -> torch.Tensor:
        out_enc_level1 = self.encoder_level1(self.patch_embed(inp_img))
        out_enc_level2 = self.encoder_level2(self.down1_2(out_enc_level1))
        out_enc_level3 = self.encoder_level3(self.down2_3(out_enc_level2))

        out_dec_level3 = self.decoder_level3(out_enc_level3)
        inp_dec_level2 = self.fuse2(self.up3_2(out_dec_level3), out_enc_level2)
        out_dec_level2 = self.decoder_level2(inp_dec_level2)
        inp_dec_level1 = self.fuse1(self.up2_1(out_dec_level2), out_enc_level1)
        out_dec_level1 = self.refinement(self.decoder_level1(inp_dec_level1))
        return self.output(out_dec_level1) + inp_img


# The authors publish no figure in the repository (README, all history) or its issues; these three
# come from paperswithcode's entry for the paper (quoted in the reference manifest notes): a task
# leaderboard's transcription, not the authors' own material.
_PWC = PAPERS_WITH_CODE.at(
    "efficient-frequency-domain-based-transformers ('Results from the Paper': Image Deblurring, GoPro, "
    "model 'fftformer'; also quoted by the notes of shared/reference/fftformer.json). The paper "
    "(arXiv 2211.12250) itself was not opened"
)
_PWC_KW = {"reporter": PAPERS_WITH_CODE.reporter, "label": "fftformer"}
_FFTFORMER_FIGURES = (
    Published(
        "params",
        16.6,
        "M",
        _PWC,
        printed="Params (M)",
        **_PWC_KW,
        note="measured here 16,560,474 (16,542,042 used in forward)",
    ),
    Published("psnr", 34.21, "dB", _PWC, printed="PSNR", **_PWC_KW, dataset="gopro"),
    Published(
        "ssim",
        0.969,
        "",
        _PWC,
        printed="SSIM",
        **_PWC_KW,
        dataset="gopro",
        note="SSIM tool not stated (the README names only the official RealBlur code, for RealBlur PSNR)",
    ),
)
_FFTFORMER_CHECKPOINTS = (
    OfficialCheckpoint(
        "fftformer_GoPro.pth",
        where=(
            "committed in the repository: kkkls/FFTformer@01306b5d4072146a011c8c6e9d4927cf4607f1d5:"
            "pretrain_model/fftformer_GoPro.pth (git blob 77368c904c5bd4d070d6baea5b72a25e15717eb7, "
            "since commit 60ced65 'pretrain_model')"
        ),
        datasets=("gopro", "hide"),
        note=(
            "test.py's --test_model default names ./pretrain_model/net_g_GoPro_HIDE.pth, a file the "
            "repository does not hold; the blob's sha256 is not known here"
        ),
    ),
)


@register_model(
    official_weights=(
        "the GoPro checkpoint is committed in the repository (pretrain_model/fftformer_GoPro.pth), a bare "
        "state dict (test.py loads it strictly); the README links only the RealBlur model"
    ),
    name="fftformer",  # the factory cannot share the name of the authors' class
    display_name="FFTformer",
    family="FFTformer",
    paper=Paper(
        title="Efficient Frequency Domain-based Transformers for High-Quality Image Deblurring",
        venue="CVPR",
        year=2023,
        authors="Kong, Dong, Ge, Li, Pan",
        url="https://arxiv.org/abs/2211.12250",
    ),
    repo="kkkls/FFTformer",
    commit="01306b5d4072146a011c8c6e9d4927cf4607f1d5",
    interface=ImageInterface(),
    input_convention="RGB in [0, 1], no normalisation (test.py: torchvision to_tensor)",
    output_pick="the single output tensor (output conv + input image), in [0, 1]",
    multiple=32,
    min_size=32,
    sizes=(
        "H and W multiples of 32: DFFN/FSAS cut features into 8 x 8 FFT patches at every "
        "level, and the deepest level is 1/4 resolution after two bilinear x0.5 downsamples "
        "(8 x 4 = 32); the official test.py reflect-pads right/bottom to a multiple of 32 "
        "(GoPro 720 -> 736) and crops back. 32 x 32 is the smallest input (one patch at 1/4)"
    ),
    test_mode="eval",
    published=_FFTFORMER_FIGURES,
    checkpoints=_FFTFORMER_CHECKPOINTS,
    fidelity="manifest",
    unused_modules=("reduce_chan_level2",),
    notes=(
        "Constructor defaults = the official GoPro test network (dim 48, blocks [6, 6, 12], 4 "
        "refinement blocks, ffn 3; num_blocks[3] unused). DFFN and FSAS run rfft2 on x.float() "
        "even in float64 (110 rfft2 + 82 irfft2 calls), kept here: dropping the cast differs "
        "from the reference by ~3e-5 absolute. In fp16/bf16 (where the authors' code fails) the "
        "FFT result is cast back to the input dtype. reduce_chan_level2 (18,432 params) is "
        "declared, never called: 16,542,042 of 16,560,474 parameters are used. Encoder blocks "
        "are DFFN-only, decoder/refinement FSAS + DFFN; Fuse blocks use ffn 2.66. FLOP counters: "
        "none counts the FFTs (fvcore lists aten::fft_rfft2 / fft_irfft2 as unsupported); "
        "builder's counts at 256x256: ptflops 131.75 GMACs, fvcore 131.46 G, torch 262.84 GFLOPs. "
        "Published figures: none anywhere the authors publish (README in all its history, issues); "
        "the three records are paperswithcode's, from the manifest notes. No MACs/FLOPs, runtime, "
        "HIDE or RealBlur value was found. Issue #11: the RealBlur model is the GoPro model trained "
        "300k more iterations on RealBlur (options/train/Realblur.yml: RealBlur-J); its PSNR uses "
        "the official RealBlur code. The README's 'Realblur pre-trained model' (Google Drive folder "
        "1l_R8_2UKfiQP_BYrgcQrmCBSe_ogwL41) gives no file name, so it is not listed as a checkpoint."
    ),
)
def fftformer_(**kwargs: object) -> nn.Module:
    """FFTformer as the official GoPro test builds it (``fftformer()`` defaults)."""
    return fftformer(**kwargs)
