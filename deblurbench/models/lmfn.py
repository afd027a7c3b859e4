"""LMFN: a lightweight multi-information fusion network for image deblurring.

Re-implemented from the authors' code (LiQiang0307/LFDN, ``model/DUAL_deblur.py``,
class ``RFDN``) with their module and attribute names, so an official checkpoint
loads with ``strict=True``:

- ``PredeblurModule``: the encoder. An unpadded 3x3 convolution, two stride-2
  convolutions (x4 reduction), then a three-level pyramid (stride-2 convolutions,
  residual blocks, bilinear upsampling) fused back to the finest level.
- ``RFDB`` x4: residual feature distillation blocks with enhanced spatial
  attention (``ESA``), from RFDN.
- ``LAM_Module``: layer attention across the four blocks' outputs;
  ``CSAM_Module``: channel-spatial attention (a 3-D convolution) on the last one.
- a pixel-shuffle x4 upsampler back to the input size and ``MeanShift`` layers
  around everything: the network works on 0-255 values.

The authors declare ``LR_conv`` and ``final_lym`` but never call them (23,903
parameters that count in the total but not in the computation).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import Published, Relative
from .registry import Paper, register_model
from .sources import LFDN_GOPRO, LFDN_HIDE, LFDN_KOHLER

# ---- building blocks (RFDN's block.py, EDSR's common.py, BasicSR's arch_util.py) ----


def conv_layer(
    in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, dilation: int = 1
) -> nn.Conv2d:
    """A 'same'-padded convolution with bias (RFDN's ``conv_layer``)."""
    padding = (kernel_size - 1) // 2 * dilation
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation)


def conv_block(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """Convolution + LeakyReLU(0.05) (RFDN's ``conv_block`` with ``act_type='lrelu'``)."""
    return nn.Sequential(
        conv_layer(in_channels, out_channels, kernel_size),
        nn.LeakyReLU(0.05, inplace=True),
    )


def pixelshuffle_block(
    in_channels: int, out_channels: int, upscale_factor: int = 2, kernel_size: int = 3
) -> nn.Sequential:
    """Convolution to ``out * r^2`` channels, then pixel shuffle by ``r``."""
    return nn.Sequential(
        conv_layer(in_channels, out_channels * upscale_factor**2, kernel_size),
        nn.PixelShuffle(upscale_factor),
    )


class MeanShift(nn.Conv2d):
    """Subtract (``sign=-1``) or add back (``sign=1``) the dataset mean on 0-``rgb_range`` values.

    As in the authors' copy of EDSR's ``common.py`` the weights stay trainable
    (they set ``self.requires_grad``, a plain attribute, not the parameters').
    """

    def __init__(
        self,
        rgb_range: float,
        rgb_mean: tuple[float, float, float],
        rgb_std: tuple[float, float, float],
        sign: int = -1,
    ) -> None:
        super().__init__(3, 3, kernel_size=1)
        std = torch.tensor(rgb_std)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1))
            self.bias.copy_(sign * rgb_range * torch.tensor(rgb_mean) / std)


class ResidualBlockNoBN(nn.Module):
    """Conv-ReLU-Conv with an identity skip (BasicSR)."""

    def __init__(self, num_feat: int = 64, res_scale: float = 1.0) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.relu = nn.ReLU(inplace=True)
        for conv in (self.conv1, self.conv2):  # BasicSR's default_init_weights(scale=0.1)
            nn.init.kaiming_normal_(conv.weight)
            with torch.no_grad():
                conv.weight.mul_(0.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale


class PredeblurModule(nn.Module):
    """The encoder: features reduced x4, then a 3-level pyramid fused coarse to fine."""

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64, hr_in: bool = True) -> None:
        super().__init__()
        self.hr_in = hr_in
        # The authors' first convolution has no padding: H x W -> (H-2) x (W-2).
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, kernel_size=3)
        if hr_in:
            self.stride_conv_hr1 = nn.Conv2d(num_feat, num_feat, 3, 2, 1)
            self.stride_conv_hr2 = nn.Conv2d(num_feat, num_feat, 3, 2, 1)
        self.stride_conv_l2 = nn.Conv2d(num_feat, num_feat, 3, 2, 1)
        self.stride_conv_l3 = nn.Conv2d(num_feat, num_feat, 3, 2, 1)
        self.resblock_l3 = ResidualBlockNoBN(num_feat)
        self.resblock_l2_1 = ResidualBlockNoBN(num_feat)
        self.resblock_l2_2 = ResidualBlockNoBN(num_feat)
        self.resblock_l1 = nn.ModuleList(ResidualBlockNoBN(num_feat) for _ in range(5))
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.lrelu = nn.LeakyReLU(negative_slope=0.1, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat_l1 = self.lrelu(self.conv_first(x))
        if self.hr_in:
            feat_l1 = self.lrelu(self.stride_conv_hr1(feat_l1))
            feat_l1 = self.lrelu(self.stride_conv_hr2(feat_l1))
        feat_l2 = self.lrelu(self.stride_conv_l2(feat_l1))
        feat_l3 = self.lrelu(self.stride_conv_l3(feat_l2))

        feat_l3 = self.upsample(self.resblock_l3(feat_l3))
        feat_l2 = self.resblock_l2_1(feat_l2) + feat_l3
        feat_l2 = self.upsample(self.resblock_l2_2(feat_l2))

        for block in self.resblock_l1[:2]:
            feat_l1 = block(feat_l1)
        feat_l1 = feat_l1 + feat_l2
        for block in self.resblock_l1[2:]:
            feat_l1 = block(feat_l1)
        return feat_l1


class ESA(nn.Module):
    """Enhanced spatial attention (RFDN): a strided, max-pooled mask over the features."""

    def __init__(self, n_feats: int) -> None:
        super().__init__()
        f = n_feats // 4
        self.conv1 = nn.Conv2d(n_feats, f, kernel_size=1)
        self.conv_f = nn.Conv2d(f, f, kernel_size=1)
        self.conv_max = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(f, f, kernel_size=3, stride=2, padding=0)
        self.conv3 = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv3_ = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(f, n_feats, kernel_size=1)
        self.sigmoid = nn.Sigmoid()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c1_ = self.conv1(x)
        c1 = self.conv2(c1_)
        v_max = F.max_pool2d(c1, kernel_size=7, stride=3)
        v_range = self.relu(self.conv_max(v_max))
        c3 = self.relu(self.conv3(v_range))
        c3 = self.conv3_(c3)
        c3 = F.interpolate(c3, (x.size(2), x.size(3)), mode="bilinear", align_corners=False)
        cf = self.conv_f(c1_)
        c4 = self.conv4(c3 + cf)
        return x * self.sigmoid(c4)


class RFDB(nn.Module):
    """Residual feature distillation block: three distil/refine steps, fusion, ESA."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.dc = self.distilled_channels = in_channels // 2
        self.rc = self.remaining_channels = in_channels
        self.c1_d = conv_layer(in_channels, self.dc, 1)
        self.c1_r = conv_layer(in_channels, self.rc, 3)
        self.c2_d = conv_layer(self.rc, self.dc, 1)
        self.c2_r = conv_layer(self.rc, self.rc, 3)
        self.c3_d = conv_layer(self.rc, self.dc, 1)
        self.c3_r = conv_layer(self.rc, self.rc, 3)
        self.c4 = conv_layer(self.rc, self.dc, 3)
        self.act = nn.LeakyReLU(0.05, inplace=True)
        self.c5 = conv_layer(self.dc * 4, in_channels, 1)
        self.esa = ESA(in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        distilled_c1 = self.act(self.c1_d(x))
        r_c1 = self.act(self.c1_r(x) + x)
        distilled_c2 = self.act(self.c2_d(r_c1))
        r_c2 = self.act(self.c2_r(r_c1) + r_c1)
        distilled_c3 = self.act(self.c3_d(r_c2))
        r_c3 = self.act(self.c3_r(r_c2) + r_c2)
        r_c4 = self.act(self.c4(r_c3))
        out = torch.cat([distilled_c1, distilled_c2, distilled_c3, r_c4], dim=1)
        return self.esa(self.c5(out))


class LAM_Module(nn.Module):  # noqa: N801 - the authors' name
    """Layer attention: a softmax over the N x N similarity of the blocks' outputs."""

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.chanel_in = in_dim
        self.gamma = nn.Parameter(torch.zeros(1))
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ``reshape`` where the authors wrote ``view``: the same values, and it also
        # accepts channels_last inputs, whose strides ``view`` refuses.
        batch, n, c, height, width = x.size()
        query = x.reshape(batch, n, -1)
        key = query.permute(0, 2, 1)
        energy = torch.bmm(query, key)
        energy_new = torch.max(energy, -1, keepdim=True)[0].expand_as(energy) - energy
        attention = self.softmax(energy_new)
        out = torch.bmm(attention, query).view(batch, n, c, height, width)
        out = self.gamma * out + x
        return out.reshape(batch, -1, height, width)


class CSAM_Module(nn.Module):  # noqa: N801 - the authors' name
    """Channel-spatial attention: a sigmoid mask from a 3x3x3 convolution over (C, H, W)."""

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.chanel_in = in_dim
        self.conv = nn.Conv3d(1, 1, 3, 1, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.size()
        out = self.sigmoid(self.conv(x.unsqueeze(1)))
        out = (self.gamma * out).reshape(batch, -1, height, width)
        return x * out + x


class RFDN(nn.Module):
    """LMFN as the authors' code names it (``RFDN`` in ``model/DUAL_deblur.py``)."""

    def __init__(
        self, in_nc: int = 3, nf: int = 50, num_modules: int = 4, out_nc: int = 3, upscale: int = 4
    ) -> None:
        super().__init__()
        rgb_mean = (0.4488, 0.4371, 0.4040)
        rgb_std = (1.0, 1.0, 1.0)
        self.sub_mean = MeanShift(255, rgb_mean, rgb_std)
        self.encode = PredeblurModule(in_nc, 64, hr_in=True)
        self.fea_conv = conv_layer(64, nf, kernel_size=3)
        self.B1 = RFDB(nf)
        self.B2 = RFDB(nf)
        self.B3 = RFDB(nf)
        self.B4 = RFDB(nf)
        self.c = conv_block(nf * num_modules, nf, kernel_size=1)
        # Declared by the authors, never called by forward.
        self.LR_conv = conv_layer(nf, nf, kernel_size=3)
        self.final_lym = conv_layer(nf, 3, kernel_size=3)
        self.upsampler = pixelshuffle_block(nf, out_nc, upscale_factor=upscale)
        self.scale_idx = 0
        self.lam = LAM_Module(nf)
        self.scam = CSAM_Module(nf)
        self.last = conv_layer(nf * 2, nf, kernel_size=3)
        self.add_mean = MeanShift(255, rgb_mean, rgb_std, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.encode(self.sub_mean(x))
        out_fea = self.fea_conv(x)
        out_b1 = self.B1(out_fea)
        out_b2 = self.B2(out_b1)
        out_b3 = self.B3(out_b2)
        out_b4 = self.B4(out_b3)
        stacked = torch.stack([out_b1, out_b2, out_b3, out_b4], dim=1)
        res_a = self.c(self.lam(stacked))
        res_b = self.scam(out_b4)
        out = self.last(torch.cat([res_a, res_b], dim=1)) + out_fea
        return self.add_mean(self.upsampler(out))


# LMFN's repository holds the tables of its journal version, LFDN (Sensors 2021, 21(16), 5312:
# "the extended version of the ICIP 2021 paper", per the MDPI article's footnote), same code.
# The figures are recorded under that label; the LMFN paper itself gives none we could read.
_LFDN_TABLES = {
    "gopro": LFDN_GOPRO.at("row 'LFDN(Ours)'"),
    "kohler": LFDN_KOHLER.at("row 'LFDN(Ours)'"),
    "hide": LFDN_HIDE.at("column 'LFDN(Ours)'"),
}
_LFDN_QUALITY = {"gopro": (31.54, 0.923), "kohler": (30.94, 0.9027), "hide": (30.07, 0.923)}
_LFDN_COST_HEADERS = {
    "gopro": ("Model Size (MB)", "Ave. inf.time(s)"),
    "kohler": ("Model Size (MB)", "Ave.inf.time(s)"),
    "hide": ("modle size(MB)", "Ave.inf.time(s) (s)"),  # the row labels as printed, typo included
}
_SSIM_TOOL_NOTE = "SSIM: the repository's psnr_ssim.m runs MATLAB ssim(input, gt) on RGB images"
_LFDN_FIGURES = tuple(
    figure
    for dataset, source in _LFDN_TABLES.items()
    for figure in (
        Published(
            "psnr", _LFDN_QUALITY[dataset][0], "dB", source, printed="PSNR", label="LFDN", dataset=dataset
        ),
        Published(
            "ssim",
            _LFDN_QUALITY[dataset][1],
            "",
            source,
            printed="SSIM",
            label="LFDN",
            dataset=dataset,
            ssim_tool="matlab",
            note=_SSIM_TOOL_NOTE,
        ),
        Published("model_size", 1.25, "MB", source, printed=_LFDN_COST_HEADERS[dataset][0], label="LFDN"),
        Published(
            "runtime",
            0.019,
            "s",
            source,
            printed=_LFDN_COST_HEADERS[dataset][1],
            label="LFDN",
            note="device, resolution and synchronisation not stated",
        ),
    )
)


# The repository's README prints LFDN's abstract; LMFN's own arXiv abstract (2101.05403) says the same
# thing in other words. Neither names a network: "existing methods" is the name as printed.
_LFDN_README = "LiQiang0307/LFDN@db61afcd8780567c82ade802cdee0a6c8802eddf:README.md ('Abstract')"
_LMFN_RELATIVE = (
    Relative(
        "params",
        "existing methods",
        None,
        "By fusing different information in the proposed approach, our network can achieve "
        "state-of-the-art image deblurring and deraining results with a smaller number of parameters "
        "and outperform existing model complexity methods.",
        _LFDN_README,
        note=(
            "the abstract of the journal version (LFDN, Sensors 2021) as the repository prints it; "
            "LMFN's arXiv abstract (2101.05403, read in zhuanzhi.ai's copy) has 'our network can achieve "
            "state-of-the-art image deblurring result with smaller number of parameters and outperforms "
            "existing methods in model complexity'. Neither names a network nor a ratio, nor what "
            "'model complexity' measures (not recorded as a MACs claim). The comparison the paper "
            "tabulates is LFDN Table 3's 'Model Size (MB)' (1.25 against DMPHN 21.7, DeblurGANv2 15, "
            "Tao et al. 33.6, DeblurGAN 37.1, DeepDeblur 303.6): sizes in MB, recorded as model_size "
            "figures, not this sentence. No sentence 'fewer parameters and less computation than' "
            "naming a network was found in the README, its figures or the abstracts"
        ),
    ),
)


@register_model(
    official_weights=("none found: the repository's stored README and files link no trained checkpoint"),
    weights={"synthetic": "lmfn_synthetic.pt"},
    display_name="LMFN",
    family="LMFN",
    paper=Paper(
        title="LMFN: a lightweight multi-information fusion network for image deblurring",
        venue="arXiv (later published as LFDN)",
        year=2021,
        authors="Zhang, Li, Qi, Liu, Kong, Wang",
    ),
    repo="LiQiang0307/LFDN",
    commit="db61afcd8780567c82ade802cdee0a6c8802eddf",
    interface=ImageInterface(scale=255.0),
    input_convention="RGB on 0-255 (the MeanShift layers subtract/add the DIV2K mean x 255)",
    output_pick="the single output tensor, on 0-255",
    multiple=16,
    min_size=64,
    sizes=(
        "H and W multiples of 16, at least 64: the unpadded first convolution and "
        "two stride-2 convolutions leave H/4, the pyramid needs that even twice, "
        "and ESA's stride-2 conv + 7x7/3 max pool needs H/4 >= 15"
    ),
    published=_LFDN_FIGURES,
    relative=_LMFN_RELATIVE,
    fidelity="manifest",
    unused_modules=("LR_conv", "final_lym"),
    notes="Official class name RFDN; MeanShift weights are trainable in the authors' code.",
)
def lmfn(**kwargs: object) -> nn.Module:
    """LMFN with the authors' GoPro configuration (nf=50, four RFDB blocks)."""
    return RFDN(**kwargs)
