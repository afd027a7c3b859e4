"""MPRNet: Multi-Stage Progressive Image Restoration (the deblurring model).

Re-implemented from the authors' code (swz30/MPRNet, ``Deblurring/MPRNet.py``,
class ``MPRNet``) with their module and attribute names, so the official
``model_deblurring.pth`` (state dict under ``'state_dict'``) loads with ``strict=True``:

- stage 1: the image cut into four H/2 x W/2 patches, each through a shared
  encoder (channel attention blocks, ``CAB``), features re-joined into two halves
  and decoded; a supervised attention module (``SAM``) gives the stage-1 image and
  features for stage 2;
- stage 2: the two H/2 x W halves, encoder with cross-stage feature fusion (the
  ``csff_*`` 1x1 convolutions) from stage 1, joined and decoded; ``SAM`` again;
- stage 3: the full image at full resolution through ``ORSNet`` (three original
  resolution blocks fed by the stage-2 encoder/decoder features); ``tail`` + input.

Trap: the authors build ONE ``nn.PReLU()`` and hand it to every CAB, so a single
one-element weight appears in the state dict under 55 keys and counts once in
``parameters()``. This file shares it the same way; separate PReLUs would add 54
parameters and, when a checkpoint or the manifest fill is loaded key by key, keep
55 different values where the authors keep one (the last key written).
"""

from __future__ import annotations

import torch
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published
from .registry import Paper, register_model
from .sources import HINET_GOPRO, HINET_REDS, MIMO_UNET_TIMING, PAPERS_WITH_CODE, STRIPFORMER_ISSUE_6


def conv(
    in_channels: int, out_channels: int, kernel_size: int, bias: bool = False, stride: int = 1
) -> nn.Conv2d:
    """A 'same'-padded convolution, no bias by default (the authors' ``conv``)."""
    return nn.Conv2d(
        in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias, stride=stride
    )


class CALayer(nn.Module):
    """Channel attention: global average pool, 1x1 squeeze (ReLU), 1x1 excite (sigmoid), rescale."""

    def __init__(self, channel: int, reduction: int = 16, bias: bool = False) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_du = nn.Sequential(
            nn.Conv2d(channel, channel // reduction, 1, padding=0, bias=bias),
            nn.ReLU(inplace=True),
            nn.Conv2d(channel // reduction, channel, 1, padding=0, bias=bias),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv_du(self.avg_pool(x))


class CAB(nn.Module):
    """Channel attention block: conv, ``act``, conv, channel attention, identity skip.

    ``act`` is the module passed in, not a copy: MPRNet passes the same PReLU to all CABs.
    """

    def __init__(self, n_feat: int, kernel_size: int, reduction: int, bias: bool, act: nn.Module) -> None:
        super().__init__()
        self.CA = CALayer(n_feat, reduction, bias=bias)
        self.body = nn.Sequential(
            conv(n_feat, n_feat, kernel_size, bias=bias),
            act,
            conv(n_feat, n_feat, kernel_size, bias=bias),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.CA(self.body(x)) + x


class SAM(nn.Module):
    """Supervised attention module: the stage image (``conv2(x) + x_img``) and features gated by it."""

    def __init__(self, n_feat: int, kernel_size: int, bias: bool) -> None:
        super().__init__()
        self.conv1 = conv(n_feat, n_feat, kernel_size, bias=bias)
        self.conv2 = conv(n_feat, 3, kernel_size, bias=bias)
        self.conv3 = conv(3, n_feat, kernel_size, bias=bias)

    def forward(self, x: torch.Tensor, x_img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x1 = self.conv1(x)
        img = self.conv2(x) + x_img
        x2 = torch.sigmoid(self.conv3(img))
        return x1 * x2 + x, img


# ---- U-Net of stages 1 and 2 ----


class Encoder(nn.Module):
    """Three levels of two CABs, widths n, n+s, n+2s; with ``csff`` it adds the previous stage's features."""

    def __init__(
        self,
        n_feat: int,
        kernel_size: int,
        reduction: int,
        act: nn.Module,
        bias: bool,
        scale_unetfeats: int,
        csff: bool,
    ) -> None:
        super().__init__()
        widths = (n_feat, n_feat + scale_unetfeats, n_feat + scale_unetfeats * 2)

        def level(width: int) -> nn.Sequential:
            return nn.Sequential(*(CAB(width, kernel_size, reduction, bias=bias, act=act) for _ in range(2)))

        self.encoder_level1 = level(widths[0])
        self.encoder_level2 = level(widths[1])
        self.encoder_level3 = level(widths[2])

        self.down12 = DownSample(n_feat, scale_unetfeats)
        self.down23 = DownSample(n_feat + scale_unetfeats, scale_unetfeats)

        # Cross-stage feature fusion: declared only where it is used (stage 2).
        if csff:
            self.csff_enc1 = nn.Conv2d(widths[0], widths[0], kernel_size=1, bias=bias)
            self.csff_enc2 = nn.Conv2d(widths[1], widths[1], kernel_size=1, bias=bias)
            self.csff_enc3 = nn.Conv2d(widths[2], widths[2], kernel_size=1, bias=bias)
            self.csff_dec1 = nn.Conv2d(widths[0], widths[0], kernel_size=1, bias=bias)
            self.csff_dec2 = nn.Conv2d(widths[1], widths[1], kernel_size=1, bias=bias)
            self.csff_dec3 = nn.Conv2d(widths[2], widths[2], kernel_size=1, bias=bias)

    def forward(
        self,
        x: torch.Tensor,
        encoder_outs: list[torch.Tensor] | None = None,
        decoder_outs: list[torch.Tensor] | None = None,
    ) -> list[torch.Tensor]:
        fuse = encoder_outs is not None and decoder_outs is not None
        enc1 = self.encoder_level1(x)
        if fuse:
            enc1 = enc1 + self.csff_enc1(encoder_outs[0]) + self.csff_dec1(decoder_outs[0])
        x = self.down12(enc1)

        enc2 = self.encoder_level2(x)
        if fuse:
            enc2 = enc2 + self.csff_enc2(encoder_outs[1]) + self.csff_dec2(decoder_outs[1])
        x = self.down23(enc2)

        enc3 = self.encoder_level3(x)
        if fuse:
            enc3 = enc3 + self.csff_enc3(encoder_outs[2]) + self.csff_dec3(decoder_outs[2])
        return [enc1, enc2, enc3]


class Decoder(nn.Module):
    """Three levels of two CABs, coarse to fine; skips pass through a CAB (``skip_attn*``)."""

    def __init__(
        self,
        n_feat: int,
        kernel_size: int,
        reduction: int,
        act: nn.Module,
        bias: bool,
        scale_unetfeats: int,
    ) -> None:
        super().__init__()
        widths = (n_feat, n_feat + scale_unetfeats, n_feat + scale_unetfeats * 2)

        def level(width: int) -> nn.Sequential:
            return nn.Sequential(*(CAB(width, kernel_size, reduction, bias=bias, act=act) for _ in range(2)))

        self.decoder_level1 = level(widths[0])
        self.decoder_level2 = level(widths[1])
        self.decoder_level3 = level(widths[2])

        self.skip_attn1 = CAB(widths[0], kernel_size, reduction, bias=bias, act=act)
        self.skip_attn2 = CAB(widths[1], kernel_size, reduction, bias=bias, act=act)

        self.up21 = SkipUpSample(n_feat, scale_unetfeats)
        self.up32 = SkipUpSample(n_feat + scale_unetfeats, scale_unetfeats)

    def forward(self, outs: list[torch.Tensor]) -> list[torch.Tensor]:
        enc1, enc2, enc3 = outs
        dec3 = self.decoder_level3(enc3)
        dec2 = self.decoder_level2(self.up32(dec3, self.skip_attn2(enc2)))
        dec1 = self.decoder_level1(self.up21(dec2, self.skip_attn1(enc1)))
        return [dec1, dec2, dec3]


# ---- resizing modules: bilinear x0.5 / x2 (align_corners=False), then a 1x1 convolution ----


class DownSample(nn.Module):
    """Halve H and W (bilinear), widen ``in`` -> ``in + s`` channels."""

    def __init__(self, in_channels: int, s_factor: int) -> None:
        super().__init__()
        self.down = nn.Sequential(
            nn.Upsample(scale_factor=0.5, mode="bilinear", align_corners=False),
            nn.Conv2d(in_channels, in_channels + s_factor, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(x)


class UpSample(nn.Module):
    """Double H and W (bilinear), narrow ``in + s`` -> ``in`` channels."""

    def __init__(self, in_channels: int, s_factor: int) -> None:
        super().__init__()
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(in_channels + s_factor, in_channels, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(x)


class SkipUpSample(nn.Module):
    """``UpSample`` of ``x`` plus the skip ``y``."""

    def __init__(self, in_channels: int, s_factor: int) -> None:
        super().__init__()
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(in_channels + s_factor, in_channels, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.up(x) + y


# ---- stage 3 ----


class ORB(nn.Module):
    """Original resolution block: ``num_cab`` CABs and a 3x3 convolution, with an identity skip."""

    def __init__(
        self, n_feat: int, kernel_size: int, reduction: int, act: nn.Module, bias: bool, num_cab: int
    ) -> None:
        super().__init__()
        modules_body: list[nn.Module] = [
            CAB(n_feat, kernel_size, reduction, bias=bias, act=act) for _ in range(num_cab)
        ]
        # The authors call conv() here without bias=, so it has no bias whatever ``bias`` says.
        modules_body.append(conv(n_feat, n_feat, kernel_size))
        self.body = nn.Sequential(*modules_body)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class ORSNet(nn.Module):
    """Original resolution subnetwork: three ORBs, each followed by the stage-2 features of one level."""

    def __init__(
        self,
        n_feat: int,
        scale_orsnetfeats: int,
        kernel_size: int,
        reduction: int,
        act: nn.Module,
        bias: bool,
        scale_unetfeats: int,
        num_cab: int,
    ) -> None:
        super().__init__()
        width = n_feat + scale_orsnetfeats
        self.orb1 = ORB(width, kernel_size, reduction, act, bias, num_cab)
        self.orb2 = ORB(width, kernel_size, reduction, act, bias, num_cab)
        self.orb3 = ORB(width, kernel_size, reduction, act, bias, num_cab)

        self.up_enc1 = UpSample(n_feat, scale_unetfeats)
        self.up_dec1 = UpSample(n_feat, scale_unetfeats)

        self.up_enc2 = nn.Sequential(
            UpSample(n_feat + scale_unetfeats, scale_unetfeats), UpSample(n_feat, scale_unetfeats)
        )
        self.up_dec2 = nn.Sequential(
            UpSample(n_feat + scale_unetfeats, scale_unetfeats), UpSample(n_feat, scale_unetfeats)
        )

        self.conv_enc1 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)
        self.conv_enc2 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)
        self.conv_enc3 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)

        self.conv_dec1 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)
        self.conv_dec2 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)
        self.conv_dec3 = nn.Conv2d(n_feat, width, kernel_size=1, bias=bias)

    def forward(
        self, x: torch.Tensor, encoder_outs: list[torch.Tensor], decoder_outs: list[torch.Tensor]
    ) -> torch.Tensor:
        x = self.orb1(x)
        x = x + self.conv_enc1(encoder_outs[0]) + self.conv_dec1(decoder_outs[0])

        x = self.orb2(x)
        x = x + self.conv_enc2(self.up_enc1(encoder_outs[1])) + self.conv_dec2(self.up_dec1(decoder_outs[1]))

        x = self.orb3(x)
        x = x + self.conv_enc3(self.up_enc2(encoder_outs[2])) + self.conv_dec3(self.up_dec2(decoder_outs[2]))
        return x


class MPRNet(nn.Module):
    """The three-stage deblurring MPRNet; ``forward`` returns ``[stage3, stage2, stage1]`` images."""

    def __init__(
        self,
        in_c: int = 3,
        out_c: int = 3,
        n_feat: int = 96,
        scale_unetfeats: int = 48,
        scale_orsnetfeats: int = 32,
        num_cab: int = 8,
        kernel_size: int = 3,
        reduction: int = 4,
        bias: bool = False,
    ) -> None:
        super().__init__()
        # ONE activation module shared by every CAB (55 state-dict keys, one parameter).
        # Deliberately not stored as an attribute: that would add an 'act.weight' key.
        act = nn.PReLU()

        def shallow() -> nn.Sequential:
            return nn.Sequential(
                conv(in_c, n_feat, kernel_size, bias=bias),
                CAB(n_feat, kernel_size, reduction, bias=bias, act=act),
            )

        self.shallow_feat1 = shallow()
        self.shallow_feat2 = shallow()
        self.shallow_feat3 = shallow()

        self.stage1_encoder = Encoder(n_feat, kernel_size, reduction, act, bias, scale_unetfeats, csff=False)
        self.stage1_decoder = Decoder(n_feat, kernel_size, reduction, act, bias, scale_unetfeats)

        self.stage2_encoder = Encoder(n_feat, kernel_size, reduction, act, bias, scale_unetfeats, csff=True)
        self.stage2_decoder = Decoder(n_feat, kernel_size, reduction, act, bias, scale_unetfeats)

        self.stage3_orsnet = ORSNet(
            n_feat, scale_orsnetfeats, kernel_size, reduction, act, bias, scale_unetfeats, num_cab
        )

        self.sam12 = SAM(n_feat, kernel_size=1, bias=bias)
        self.sam23 = SAM(n_feat, kernel_size=1, bias=bias)

        self.concat12 = conv(n_feat * 2, n_feat, kernel_size, bias=bias)
        self.concat23 = conv(n_feat * 2, n_feat + scale_orsnetfeats, kernel_size, bias=bias)
        self.tail = conv(n_feat + scale_orsnetfeats, out_c, kernel_size, bias=bias)

    def forward(self, x3_img: torch.Tensor) -> list[torch.Tensor]:
        h, w = x3_img.size(2), x3_img.size(3)
        # Multi-patch hierarchy (the authors' int(H/2) split): two halves for stage 2 ...
        x2top_img = x3_img[:, :, 0 : int(h / 2), :]
        x2bot_img = x3_img[:, :, int(h / 2) : h, :]
        # ... and four quarters for stage 1.
        x1ltop_img = x2top_img[:, :, :, 0 : int(w / 2)]
        x1rtop_img = x2top_img[:, :, :, int(w / 2) : w]
        x1lbot_img = x2bot_img[:, :, :, 0 : int(w / 2)]
        x1rbot_img = x2bot_img[:, :, :, int(w / 2) : w]

        # ---- stage 1: encode each quarter, join left/right, decode each half ----
        feat1_ltop = self.stage1_encoder(self.shallow_feat1(x1ltop_img))
        feat1_rtop = self.stage1_encoder(self.shallow_feat1(x1rtop_img))
        feat1_lbot = self.stage1_encoder(self.shallow_feat1(x1lbot_img))
        feat1_rbot = self.stage1_encoder(self.shallow_feat1(x1rbot_img))

        feat1_top = [torch.cat((k, v), 3) for k, v in zip(feat1_ltop, feat1_rtop, strict=True)]
        feat1_bot = [torch.cat((k, v), 3) for k, v in zip(feat1_lbot, feat1_rbot, strict=True)]

        res1_top = self.stage1_decoder(feat1_top)
        res1_bot = self.stage1_decoder(feat1_bot)

        x2top_samfeats, stage1_img_top = self.sam12(res1_top[0], x2top_img)
        x2bot_samfeats, stage1_img_bot = self.sam12(res1_bot[0], x2bot_img)
        stage1_img = torch.cat([stage1_img_top, stage1_img_bot], 2)

        # ---- stage 2: each half, fused with stage-1 features; join top/bottom, decode ----
        x2top_cat = self.concat12(torch.cat([self.shallow_feat2(x2top_img), x2top_samfeats], 1))
        x2bot_cat = self.concat12(torch.cat([self.shallow_feat2(x2bot_img), x2bot_samfeats], 1))

        feat2_top = self.stage2_encoder(x2top_cat, feat1_top, res1_top)
        feat2_bot = self.stage2_encoder(x2bot_cat, feat1_bot, res1_bot)
        feat2 = [torch.cat((k, v), 2) for k, v in zip(feat2_top, feat2_bot, strict=True)]

        res2 = self.stage2_decoder(feat2)
        x3_samfeats, stage2_img = self.sam23(res2[0], x3_img)

        # ---- stage 3: the full image at full resolution ----
        x3_cat = self.concat23(torch.cat([self.shallow_feat3(x3_img), x3_samfeats], 1))
        x3_cat = self.stage3_orsnet(x3_cat, feat2, res2)
        stage3_img = self.tail(x3_cat)

        return [stage3_img + x3_img, stage2_img, stage1_img]


# ---- published figures (one record each, with its own source) ----

_REPO = "swz30/MPRNet"
_COMMIT = "43feb2aed45f5e0b9082c78c8c455160e30a3a82"
_PWC = PAPERS_WITH_CODE.at(
    "multi-stage-progressive-image-restoration ('Results from the Paper': {task}, MPRNet)"
)
_PWC_GOPRO = _PWC.format(task="Image Deblurring on GoPro")
_PWC_HIDE = _PWC.format(task="Deblurring on HIDE (trained on GOPRO)")
_PWC_NOTE = (
    "the paper's figure as paperswithcode transcribes it; the paper's table itself was not opened, and "
    "MPRNet's own README shows its result tables only as external imgur images (not read); the "
    "maintainer answers parameter questions with the 2-stage ablation's 11.3M only (issues #6, #77)"
)
_MATLAB = (
    "SSIM: Deblurring/README.md, 'To reproduce PSNR/SSIM scores of the paper on GoPro and HIDE "
    "datasets, run this MATLAB script' (evaluate_GOPRO_HIDE.m, MATLAB ssim())"
)
_BLUR = "the 'blur' version of GoPro per the authors (MPRNet issue #75)"
_MIMO = MIMO_UNET_TIMING.at("row 'MPRNet'")
_MIMO_SIZE = "GoPro test frames, 1280x720 (resolution not printed in the table)"
_HINET_GOPRO = HINET_GOPRO.at("row 'MPRNet [56]'")
_HINET_REDS = HINET_REDS.at("row 'MPRNet [56]'")
_STRIPFORMER = STRIPFORMER_ISSUE_6.at("row 'MPRNet (CVPR 2021)'")
_STRIP = {"reporter": STRIPFORMER_ISSUE_6.reporter, "label": "MPRNet (CVPR 2021)"}
_PWC_KW = {"reporter": PAPERS_WITH_CODE.reporter}
_MPRNET_PUBLISHED = (
    # the paper, through paperswithcode (a leaderboard's transcription: reported by Papers with Code)
    Published(
        "params",
        20.1,
        "M",
        _PWC_GOPRO,
        printed="Params (M)",
        **_PWC_KW,
        note=_PWC_NOTE + "; also listed under HIDE",
    ),
    Published(
        "psnr",
        32.66,
        "dB",
        _PWC_GOPRO,
        printed="PSNR",
        **_PWC_KW,
        dataset="gopro",
        variant="blur",
        note=f"{_PWC_NOTE}; {_BLUR}",
    ),
    Published(
        "ssim",
        0.959,
        "",
        _PWC_GOPRO,
        printed="SSIM",
        **_PWC_KW,
        dataset="gopro",
        variant="blur",
        ssim_tool="matlab",
        note=f"{_PWC_NOTE}; {_BLUR}; {_MATLAB}",
    ),
    Published(
        "psnr", 30.96, "dB", _PWC_HIDE, printed="PSNR (sRGB)", **_PWC_KW, dataset="hide", note=_PWC_NOTE
    ),
    Published(
        "ssim",
        0.939,
        "",
        _PWC_HIDE,
        printed="SSIM (sRGB)",
        **_PWC_KW,
        dataset="hide",
        ssim_tool="matlab",
        note=f"{_PWC_NOTE}; {_MATLAB}",
    ),
    # the MIMO-UNet README's RTX3090 table
    Published(
        "runtime",
        0.075,
        "s",
        _MIMO,
        printed="Async-Time*(s)",
        reporter=MIMO_UNET_TIMING.reporter,
        label="MPRNet",
        size=(720, 1280),
        device="RTX 3090",
        sync=False,
        note="'* indicates inference time measured without torch.cuda.synchronize()'; " + _MIMO_SIZE,
    ),
    Published(
        "runtime",
        1.474,
        "s",
        _MIMO,
        printed="Sync-Time** (s)",
        reporter=MIMO_UNET_TIMING.reporter,
        label="MPRNet",
        size=(720, 1280),
        device="RTX 3090",
        sync=True,
        note="'** indicates inference time measured with torch.cuda.synchronize()'; " + _MIMO_SIZE,
    ),
    Published(
        "psnr",
        32.66,
        "dB",
        _MIMO,
        printed="PSNR",
        reporter=MIMO_UNET_TIMING.reporter,
        label="MPRNet",
        dataset="gopro",
    ),
    # HINet's tables (images in its repository)
    Published(
        "psnr",
        32.66,
        "dB",
        _HINET_GOPRO,
        printed="PSNR",
        reporter=HINET_GOPRO.reporter,
        label="MPRNet [56]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.959,
        "",
        _HINET_GOPRO,
        printed="SSIM",
        reporter=HINET_GOPRO.reporter,
        label="MPRNet [56]",
        dataset="gopro",
    ),
    Published(
        "psnr",
        28.79,
        "dB",
        _HINET_REDS,
        printed="PSNR",
        reporter=HINET_REDS.reporter,
        label="MPRNet [56]",
        dataset="reds",
        note="REDS val (NTIRE 2021 deblurring track 2, JPEG artifacts): not the GoPro checkpoint's task",
    ),
    Published(
        "ssim",
        0.8111,
        "",
        _HINET_REDS,
        printed="SSIM",
        reporter=HINET_REDS.reporter,
        label="MPRNet [56]",
        dataset="reds",
        note="REDS val (NTIRE 2021 deblurring track 2, JPEG artifacts): not the GoPro checkpoint's task",
    ),
    # the Stripformer author's table in Stripformer issue #6
    Published("psnr", 32.66, "dB", _STRIPFORMER, printed="PSNR", dataset="gopro", **_STRIP),
    Published("params", 20.0, "M", _STRIPFORMER, printed="Parms (M)", **_STRIP),
    Published("flops", 760.0, "G", _STRIPFORMER, printed="GFLOPs", size=(256, 256), **_STRIP),
    Published(
        "runtime",
        148.0,
        "ms",
        _STRIPFORMER,
        printed="Async-Time (ms)",
        size=(720, 1280),
        device="RTX 3090",
        sync=False,
        note="GoPro test set (1280x720 frames; resolution not printed)",
        **_STRIP,
    ),
    Published(
        "runtime",
        1410.0,
        "ms",
        _STRIPFORMER,
        printed="Sync-Time (ms)",
        size=(720, 1280),
        device="RTX 3090",
        sync=True,
        note="GoPro test set (1280x720 frames; resolution not printed)",
        **_STRIP,
    ),
)
_FIGURE_NOTES = (
    " Published figures: the README's result tables are external imgur images (not read), so the "
    "paper's own figures come through paperswithcode; no FLOPs/MACs or runtime of the authors' own "
    "was found (the manifest derives ~759 G at 256x256 from HINet's '22.5% of its MACs', a relative "
    "statement; an issue user quotes the paper's runtime as 0.18 s on a Titan XP, MPRNet issue #83, "
    "unverified). The abstract claims a 0.81 dB PSNR gain on GoPro over the previous state of the art "
    "(relative). The maintainer's 11.3 Million parameters (issue #6) are the 2-stage ablation "
    "variant's (paper Table 7), not this model's. RealBlur: the paper's SSIM is skimage's Gaussian "
    "SSIM after ECC alignment (evaluate_RealBlur.py, issue #53); its Table 4 top rows use the GoPro "
    "model, the bottom rows separate models trained on GoPro+BSD+RealBlur-J/-R for 100 epochs (issue "
    "#40); their values were not read. Sources disagree on MPRNet's async runtime, 0.075 s (MIMO-UNet "
    "README) vs 148 ms (Stripformer issue #6), both on an RTX3090; and on its parameters, 20 M "
    "(Stripformer issue #6) vs the maintainer's 11.3 M, which is the 2-stage variant only."
)


@register_model(
    official_weights=(
        "model_deblurring.pth, linked from Deblurring/README.md of the MPRNet repository; weights under 'state_dict'"
    ),
    display_name="MPRNet",
    family="MPRNet",
    paper=Paper(
        title="Multi-Stage Progressive Image Restoration",
        venue="CVPR",
        year=2021,
        authors="Zamir, Arora, Khan, Hayat, Khan, Yang, Shao",
        url="https://arxiv.org/abs/2102.02808",
    ),
    repo=_REPO,
    commit=_COMMIT,
    interface=ImageInterface(output=0),
    input_convention="RGB in [0, 1] (TF.to_tensor, no normalisation; Deblurring/dataset_RGB.py)",
    output_pick=(
        "a list [stage3_img, stage2_img, stage1_img], all full size; the image is element [0] "
        "(test.py: torch.clamp(restored[0], 0, 1)), the stage-3 tail output plus the input"
    ),
    multiple=8,
    min_size=8,
    sizes=(
        "H and W multiples of 8: stage 1 works on H/2 x W/2 quarters (stage 2 on H/2 x W "
        "halves) whose U-Net halves them twice with bilinear x0.5 and adds x2 upsamplings "
        "back onto the skips, so H/2 and W/2 must be multiples of 4. test.py reflect-pads to "
        "a multiple of 8 for RealBlur only; GoPro 1280x720 is fed unpadded."
    ),
    test_mode="eval",
    published=_MPRNET_PUBLISHED,
    checkpoints=(
        OfficialCheckpoint(
            "model_deblurring.pth",
            where=(
                f"{_REPO}@{_COMMIT}:Deblurring/README.md ('Download the [model] and place it in "
                "./pretrained_models/', Google Drive file 1QwQUVbk6YVOJViCsOKYNykCsdJSVGRtb); "
                "Deblurring/test.py loads ./pretrained_models/model_deblurring.pth"
            ),
            datasets=("gopro", "hide"),
            note=(
                "weights under 'state_dict' (a 'module.' prefix may appear); the GoPro model, which "
                "test.py also runs on RealBlur-J/-R (the paper's Table 4 top rows, per issue #40); "
                "no hash known"
            ),
        ),
    ),
    fidelity="manifest",
    unused_modules=(),
    notes=(
        "One nn.PReLU shared by every CAB: one parameter under 55 state-dict keys "
        "(shallow_feat1.1.body.1.weight ... stage3_orsnet.orb3.body.7.body.1.weight); a key-by-key "
        "load (or the manifest fill) leaves the value of the last key. All convolutions are "
        "bias-free. The stage-1 encoder has no csff convolutions (csff=False). Checkpoint "
        "model_deblurring.pth holds the weights under 'state_dict' (a 'module.' prefix may appear). "
        "The RealBlur-J and RealBlur-R models are linked only from an issue comment "
        "(issue #40, comment 828429462; file names not seen), so they are not listed as checkpoints."
        + _FIGURE_NOTES
    ),
)
def mprnet(**kwargs: object) -> nn.Module:
    """MPRNet with the authors' deblurring defaults (n_feat=96, unet +48, orsnet +32, 8 CABs)."""
    return MPRNet(**kwargs)
