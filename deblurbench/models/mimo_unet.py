"""MIMO-UNet and MIMO-UNet+: a multi-input multi-output U-Net for single image deblurring.

Re-implemented from the authors' code (chosj95/MIMO-UNet, ``models/MIMOUNet.py`` and
``models/layers.py``, classes ``MIMOUNet`` and ``MIMOUNetPlus``) with their module
and attribute names, so the official ``*.pkl`` checkpoints (state dict under
``'model'``) load with ``strict=True``:

- one encoder fed at three scales: the full image, and the image downsampled by
  nearest-neighbour interpolation to 1/2 and 1/4 (``SCM`` shallow features merged
  into the strided features by ``FAM``);
- ``AFF``: asymmetric feature fusion of the three encoder levels (again nearest
  resizing) into the two finer skip connections;
- one decoder with three image outputs, coarse to fine, each a residual added to
  the matching input scale. The image is the last (full-resolution) output.

MIMO-UNet+ is the same network with 20 residual blocks per stage instead of 8 and
two ``Dropout2d(0.1)`` on the fused skips (identity at test time).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative
from .registry import Paper, register_model
from .sources import manifest_notes

# ---- layers.py ----


class BasicConv(nn.Module):
    """Convolution (or 4x4 stride-2 transposed convolution), optional BatchNorm and ReLU.

    Padding is ``k // 2`` (``k // 2 - 1`` for the transposed case, which so
    exactly doubles H and W); the bias is dropped when a norm follows.
    """

    def __init__(
        self,
        in_channel: int,
        out_channel: int,
        kernel_size: int,
        stride: int,
        bias: bool = True,
        norm: bool = False,
        relu: bool = True,
        transpose: bool = False,
    ) -> None:
        super().__init__()
        if bias and norm:
            bias = False
        layers: list[nn.Module] = []
        if transpose:
            layers.append(
                nn.ConvTranspose2d(
                    in_channel,
                    out_channel,
                    kernel_size,
                    stride=stride,
                    padding=kernel_size // 2 - 1,
                    bias=bias,
                )
            )
        else:
            layers.append(
                nn.Conv2d(
                    in_channel, out_channel, kernel_size, stride=stride, padding=kernel_size // 2, bias=bias
                )
            )
        if norm:
            layers.append(nn.BatchNorm2d(out_channel))
        if relu:
            layers.append(nn.ReLU(inplace=True))
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class ResBlock(nn.Module):
    """3x3 conv-ReLU-3x3 conv with an identity skip (no normalisation)."""

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            BasicConv(in_channel, out_channel, kernel_size=3, stride=1, relu=True),
            BasicConv(out_channel, out_channel, kernel_size=3, stride=1, relu=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + x


# ---- MIMOUNet.py ----


class EBlock(nn.Module):
    """An encoder stage: ``num_res`` residual blocks at constant width."""

    def __init__(self, out_channel: int, num_res: int = 8) -> None:
        super().__init__()
        self.layers = nn.Sequential(*(ResBlock(out_channel, out_channel) for _ in range(num_res)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DBlock(nn.Module):
    """A decoder stage: ``num_res`` residual blocks at constant width."""

    def __init__(self, channel: int, num_res: int = 8) -> None:
        super().__init__()
        self.layers = nn.Sequential(*(ResBlock(channel, channel) for _ in range(num_res)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class AFF(nn.Module):
    """Asymmetric feature fusion: concatenate three scales' features, 1x1+ReLU, then 3x3."""

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            BasicConv(in_channel, out_channel, kernel_size=1, stride=1, relu=True),
            BasicConv(out_channel, out_channel, kernel_size=3, stride=1, relu=False),
        )

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, x4: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([x1, x2, x4], dim=1))


class SCM(nn.Module):
    """Shallow convolutional module: features of a downscaled input image.

    The image itself is concatenated to ``out_plane - 3`` computed channels
    before a final 1x1 convolution.
    """

    def __init__(self, out_plane: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            BasicConv(3, out_plane // 4, kernel_size=3, stride=1, relu=True),
            BasicConv(out_plane // 4, out_plane // 2, kernel_size=1, stride=1, relu=True),
            BasicConv(out_plane // 2, out_plane // 2, kernel_size=3, stride=1, relu=True),
            BasicConv(out_plane // 2, out_plane - 3, kernel_size=1, stride=1, relu=True),
        )
        self.conv = BasicConv(out_plane, out_plane, kernel_size=1, stride=1, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([x, self.main(x)], dim=1))


class FAM(nn.Module):
    """Feature attention module: ``x1 + conv3x3(x1 * x2)`` (encoder features x SCM features)."""

    def __init__(self, channel: int) -> None:
        super().__init__()
        self.merge = BasicConv(channel, channel, kernel_size=3, stride=1, relu=False)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        return x1 + self.merge(x1 * x2)


class MIMOUNet(nn.Module):
    """MIMO-UNet (``build_net('MIMO-UNet')``): base width 32, ``num_res`` blocks per stage.

    ``forward`` returns the list ``[1/4-scale, 1/2-scale, full-scale]`` images.
    """

    def __init__(self, num_res: int = 8) -> None:
        super().__init__()
        base_channel = 32  # hard-coded by the authors
        self.Encoder = nn.ModuleList(
            [
                EBlock(base_channel, num_res),
                EBlock(base_channel * 2, num_res),
                EBlock(base_channel * 4, num_res),
            ]
        )
        self.feat_extract = nn.ModuleList(
            [
                BasicConv(3, base_channel, kernel_size=3, relu=True, stride=1),
                BasicConv(base_channel, base_channel * 2, kernel_size=3, relu=True, stride=2),
                BasicConv(base_channel * 2, base_channel * 4, kernel_size=3, relu=True, stride=2),
                BasicConv(
                    base_channel * 4, base_channel * 2, kernel_size=4, relu=True, stride=2, transpose=True
                ),
                BasicConv(base_channel * 2, base_channel, kernel_size=4, relu=True, stride=2, transpose=True),
                BasicConv(base_channel, 3, kernel_size=3, relu=False, stride=1),
            ]
        )
        self.Decoder = nn.ModuleList(
            [
                DBlock(base_channel * 4, num_res),
                DBlock(base_channel * 2, num_res),
                DBlock(base_channel, num_res),
            ]
        )
        self.Convs = nn.ModuleList(
            [
                BasicConv(base_channel * 4, base_channel * 2, kernel_size=1, relu=True, stride=1),
                BasicConv(base_channel * 2, base_channel, kernel_size=1, relu=True, stride=1),
            ]
        )
        self.ConvsOut = nn.ModuleList(
            [
                BasicConv(base_channel * 4, 3, kernel_size=3, relu=False, stride=1),
                BasicConv(base_channel * 2, 3, kernel_size=3, relu=False, stride=1),
            ]
        )
        self.AFFs = nn.ModuleList(
            [
                AFF(base_channel * 7, base_channel * 1),
                AFF(base_channel * 7, base_channel * 2),
            ]
        )
        self.FAM1 = FAM(base_channel * 4)
        self.SCM1 = SCM(base_channel * 4)
        self.FAM2 = FAM(base_channel * 2)
        self.SCM2 = SCM(base_channel * 2)

    def _drop_skips(self, res1: torch.Tensor, res2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Regularise the fused skips: nothing here; MIMO-UNet+ applies Dropout2d."""
        return res1, res2

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # All resizing is nearest-neighbour (F.interpolate's default mode), as the authors do.
        x_2 = F.interpolate(x, scale_factor=0.5)
        x_4 = F.interpolate(x_2, scale_factor=0.5)
        z2 = self.SCM2(x_2)
        z4 = self.SCM1(x_4)

        outputs: list[torch.Tensor] = []

        x_ = self.feat_extract[0](x)
        res1 = self.Encoder[0](x_)

        z = self.feat_extract[1](res1)
        z = self.FAM2(z, z2)
        res2 = self.Encoder[1](z)

        z = self.feat_extract[2](res2)
        z = self.FAM1(z, z4)
        z = self.Encoder[2](z)

        z12 = F.interpolate(res1, scale_factor=0.5)
        z21 = F.interpolate(res2, scale_factor=2)
        z42 = F.interpolate(z, scale_factor=2)
        z41 = F.interpolate(z42, scale_factor=2)

        res2 = self.AFFs[1](z12, res2, z42)
        res1 = self.AFFs[0](res1, z21, z41)
        res1, res2 = self._drop_skips(res1, res2)

        z = self.Decoder[0](z)
        z_ = self.ConvsOut[0](z)
        z = self.feat_extract[3](z)
        outputs.append(z_ + x_4)

        z = torch.cat([z, res2], dim=1)
        z = self.Convs[0](z)
        z = self.Decoder[1](z)
        z_ = self.ConvsOut[1](z)
        z = self.feat_extract[4](z)
        outputs.append(z_ + x_2)

        z = torch.cat([z, res1], dim=1)
        z = self.Convs[1](z)
        z = self.Decoder[2](z)
        z = self.feat_extract[5](z)
        outputs.append(z + x)
        return outputs


class MIMOUNetPlus(MIMOUNet):
    """MIMO-UNet+ (``build_net('MIMO-UNetPlus')``): 20 blocks per stage, dropout on the fused skips.

    The authors write it as a separate copy of ``MIMOUNet``; the only differences are
    ``num_res=20`` and ``drop1``/``drop2`` (``Dropout2d(0.1)``, no parameters), so the
    state-dict layout is MIMO-UNet's with more blocks.
    """

    def __init__(self, num_res: int = 20) -> None:
        super().__init__(num_res=num_res)
        self.drop1 = nn.Dropout2d(0.1)
        self.drop2 = nn.Dropout2d(0.1)

    def _drop_skips(self, res1: torch.Tensor, res2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The authors apply ``drop2`` to the 1/2-scale skip first, then ``drop1`` to the full-scale one."""
        res2 = self.drop2(res2)
        res1 = self.drop1(res1)
        return res1, res2


# ---- registration ----

_PAPER = Paper(
    title="Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
    venue="ICCV",
    year=2021,
    authors="Cho, Ji, Hong, Jung, Ko",
    url="https://arxiv.org/abs/2108.05054",
)
_REPO = "chosj95/MIMO-UNet"
_COMMIT = "5c580135ed1c03344ac9c741267324ff90b5f209"
_INPUT = "RGB in [0, 1] (torchvision to_tensor on the PNG, no mean/std normalisation)"
_OUTPUT = (
    "a list of three images [1/4-scale, 1/2-scale, full-scale], each a residual plus the "
    "matching (nearest-)downsampled input; the image is element [2], the full-scale one "
    "(eval.py: model(input_img)[2]), on [0, 1]"
)
_SIZES = (
    "H and W multiples of 4: two stride-2 convolutions (ceil(H/2)) meet nearest 0.5 "
    "downsamplings (floor(H/2)) of the input in FAM, so H, H/2 must be even; no minimum "
    "beyond that (4x4 gives 1x1 at the coarsest scale). The official test feeds 1280x720 "
    "GoPro frames unpadded."
)
_NOTES = (
    "All resizing (input pyramid x_2/x_4 and the AFF cross-scale features) is F.interpolate "
    "with the default mode='nearest'. The official eval clamps output[2] to [0, 1]; when it "
    "saves images it adds 0.5/255 before to_pil_image (rounding, not truncation). "
    "Checkpoints (*.pkl) hold the state dict under 'model'. base_channel=32 is hard-coded."
)
_README = f"{_REPO}@{_COMMIT}:README.md"
_PERFORMANCE = f"{_README} ('Performance' table, column '{{label}}')"
_SYNC_TABLE = (
    f"{_README} ('GPU syncronization issue on measuring inference time' table, row '{{label}}'; "
    "'measured using an RTX3090 ... The use of VRAM was restricted to 12 GB')"
)
_GOPRO_BLUR = "GOPRO_Large blur frames: data/preprocessing.py moves GOPRO_Large/*/blur into the test set"
_GOPRO_SIZE = "GoPro test frames, 1280x720, fed unpadded (resolution not printed in the table)"


def _figures(
    label: str,
    row: str,
    params: float,
    quality: tuple[float, float],
    times: tuple[float, ...],
    manifest: str,
) -> tuple[Published, ...]:
    """One network's figures: the 'Performance' table (column ``label``) and the RTX3090 table (row ``row``).

    ``params`` is the lead in the reference manifest ``manifest``'s notes, not an own figure.
    """
    performance = _PERFORMANCE.format(label=label)
    sync_table = _SYNC_TABLE.format(label=row)
    titan, rtx_async, rtx_sync = times
    return (
        Published(
            "params",
            params,
            "M",
            f"reference manifest notes, shared/reference/{manifest}.json: 'REPORTED: {params}M params "
            "(lead supplied with the task ...', a lead the notes attribute to the MIMO-UNet paper (Cho "
            "et al., ICCV 2021, arXiv 2108.05054); the paper's table was not opened",
            reporter=manifest_notes(manifest),
            note=(
                "not verified in a primary source: the README gives no parameter count and the "
                "maintainer 'didn't measure the FLOPs' (issue #7); the manifest's measured count agrees "
                "to the digits given"
            ),
        ),
        Published(
            "psnr",
            quality[0],
            "dB",
            performance,
            printed="PSNR (dB)",
            dataset="gopro",
            variant="blur",
            note=_GOPRO_BLUR,
        ),
        Published(
            "ssim",
            quality[1],
            "",
            performance,
            printed="SSIM",
            dataset="gopro",
            variant="blur",
            note="SSIM tool not stated (eval.py computes only skimage peak_signal_noise_ratio); "
            + _GOPRO_BLUR,
        ),
        Published(
            "runtime",
            titan,
            "s",
            performance,
            printed="Runtime (s)",
            size=(720, 1280),
            device="Titan Xp",
            sync=False,
            note=(
                "the table names no GPU; the README later calls the earlier system a Titan Xp, and eval.py "
                "times with time.time() without torch.cuda.synchronize(); " + _GOPRO_SIZE
            ),
        ),
        Published(
            "runtime",
            rtx_async,
            "s",
            sync_table,
            printed="Async-Time*(s)",
            size=(720, 1280),
            device="RTX 3090",
            sync=False,
            note="'* indicates inference time measured without torch.cuda.synchronize()'; " + _GOPRO_SIZE,
        ),
        Published(
            "runtime",
            rtx_sync,
            "s",
            sync_table,
            printed="Sync-Time** (s)",
            size=(720, 1280),
            device="RTX 3090",
            sync=True,
            note="'** indicates inference time measured with torch.cuda.synchronize()'; " + _GOPRO_SIZE,
        ),
    )


def _drive(
    label: str, name: str, file_id: str, datasets: tuple[str, ...] = ("gopro", "hide"), note: str = ""
) -> OfficialCheckpoint:
    return OfficialCheckpoint(
        name,
        where=f"{_README} ('Model' section, link '{label}': https://drive.google.com/file/d/{file_id})",
        datasets=datasets,
        note=note or "state dict under 'model'; no hash known",
    )


_FIGURE_NOTES = (
    " Published figures: the authors did not measure FLOPs (issue #7: 'We didn't measure the FLOPs "
    "of our models'); no parameter count, HIDE or RealBlur figure was found in a primary source. "
    "The README's async runtimes differ between its two tables, 0.008 / 0.017 / 0.040 s (MIMO-UNet "
    "/ + / ++, Titan Xp) vs 0.012 / 0.025 / 0.049 s (RTX3090), although it says the MIMO-UNet "
    "times 'were maintained' when the GPU changed."
)


# The README's footnote to its RTX3090 table compares MIMO-UNet++ (not registered) with MIMO-UNet+:
# "MIMO-UNet++ performed 4x slower than MIMO-UNet+", so MIMO-UNet+ takes 1/4 of MIMO-UNet++'s time.
_PLUS_RELATIVE = (
    Relative(
        "runtime",
        "MIMO-UNet++",
        1 / 4,
        "However, we noticed that the inference time measured with torch.cuda.synchronize() cannot "
        "take advantage of the batch inference, resulting MIMO-UNet++ performed 4x slower than "
        "MIMO-UNet+.",
        f"{_README} ('GPU syncronization issue on measuring inference time', footnote '***' to the table)",
        size=(720, 1280),
        note=(
            "the sentence's subject is MIMO-UNet++ (MIMO-UNet+ with a geometrical ensemble, run as two "
            "batch-2 inferences), which is not registered: recorded here from MIMO-UNet+'s side, whose "
            "time is 1/4 of MIMO-UNet++'s. Synchronised time ('measured with torch.cuda.synchronize()') "
            "on the RTX3090 with VRAM restricted to 12 GB; the table's figures are 0.282 s vs 1.115 s "
            "(ratio 0.253). " + _GOPRO_SIZE + ". Not recorded: the footnote's '(still 32% faster than "
            "the conventional SOTA method)', whose subject, MIMO-UNet++, is not registered"
        ),
    ),
)


@register_model(
    official_weights=("MIMO-UNet.pkl, linked from the MIMO-UNet README; weights under 'model'"),
    display_name="MIMO-UNet",
    family="MIMO-UNet",
    paper=_PAPER,
    repo=_REPO,
    commit=_COMMIT,
    interface=ImageInterface(output=2),
    input_convention=_INPUT,
    output_pick=_OUTPUT,
    multiple=4,
    min_size=4,
    sizes=_SIZES,
    test_mode="eval",
    published=_figures("MIMO-UNet", "MIMO-UNet", 6.8, (31.73, 0.951), (0.008, 0.012, 0.130), "mimo_unet"),
    checkpoints=(
        _drive(
            "MIMO-UNet",
            "MIMO-UNet.pkl",
            "1EQJoQj3YMLFfzrbgzWMD3Xj96RqLdIlx",
            note="state dict under 'model'; the file name is the README's test command's --test_model; no hash known",
        ),
    ),
    fidelity="manifest",
    unused_modules=(),
    notes=_NOTES + _FIGURE_NOTES,
)
def mimo_unet(**kwargs: object) -> nn.Module:
    """MIMO-UNet as ``build_net('MIMO-UNet')`` builds it (``num_res=8``)."""
    return MIMOUNet(**kwargs)


@register_model(
    official_weights=(
        "MIMO-UNetPlus.pkl, linked from the MIMO-UNet README; weights under 'model'. The README also "
        "links a 'MIMO-UNet+ (RealBlur)' checkpoint"
    ),
    display_name="MIMO-UNet+",
    family="MIMO-UNet",
    paper=_PAPER,
    repo=_REPO,
    commit=_COMMIT,
    interface=ImageInterface(output=2),
    input_convention=_INPUT,
    output_pick=_OUTPUT,
    multiple=4,
    min_size=4,
    sizes=_SIZES,
    test_mode="eval",
    published=_figures(
        "MIMO-UNet+", "MIMO-UNet +", 16.1, (32.45, 0.957), (0.017, 0.025, 0.282), "mimo_unet_plus"
    ),
    relative=_PLUS_RELATIVE,
    checkpoints=(
        _drive(
            "MIMO-UNet+",
            "MIMO-UNetPlus.pkl",
            "166sufeHcdDTgXHNbCRzTC4T6DzuflB5m",
            note="state dict under 'model'; the file name is the README's test command's --test_model; no hash known",
        ),
        _drive(
            "MIMO-UNet+ (RealBlur)",
            "MIMO-UNet+ (RealBlur)",
            "1N3n-ozw1twt96ohX4tjsSAIcHrlNwHZ7",
            datasets=("realblur_j",),
            note=(
                "the file name behind the link is not known here: the README's link text stands in for "
                "it; trained on RealBlur-J + GoPro per the author (issue #10: 'a checkpoint for MIMO-UNet+ "
                "trained on the RealBlurJ+GOPRO dataset'); no hash known"
            ),
        ),
    ),
    fidelity="manifest",
    unused_modules=(),
    notes=(
        _NOTES + " MIMO-UNet+ = num_res 20 plus two parameter-free Dropout2d(0.1) (drop1, drop2) "
        "on the AFF outputs, identity in eval mode. Under the generic manifest fill the 120 "
        "unnormalised residual blocks blow activations up (reference std ~1.7e8): compare "
        "relative errors only."
        + _FIGURE_NOTES
        + " RealBlur PSNR is measured with the official RealBlur test code (README); the author "
        "says the RealBlur model was trained from scratch on GoPro + RealBlur-R in issue #4 but "
        "uploads it as trained on RealBlur-J + GoPro in issue #10. MIMO-UNet++ (a geometrical "
        "ensemble run as batch inference, per the README's footnote) is not registered: its figures "
        "(README 32.68 / 0.959 / 0.040 s and 0.049 / 1.115 s on the RTX3090; Stripformer issue #6: "
        "32.68, 16 M, 616 GFLOPs at 256x256, 49 / 1115 ms) are not recorded."
    ),
)
def mimo_unet_plus(**kwargs: object) -> nn.Module:
    """MIMO-UNet+ as ``build_net('MIMO-UNetPlus')`` builds it (``num_res=20``)."""
    return MIMOUNetPlus(**kwargs)
