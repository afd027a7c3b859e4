"""DMPHN: the deep multi-patch hierarchical network of Zhang et al. (CVPR 2019).

Re-implemented from the authors' code (HongguangZhang/DMPHN-cvpr19-master:
``models.py``, classes ``Encoder`` and ``Decoder``; the hierarchy from
``DMPHN_1_2_4_test.py`` and ``DMPHN_1_2_4_8_test.py``) with their module and
attribute names.

The repository has no module for the whole network: its scripts build one
``Encoder`` and one ``Decoder`` per level (``encoder_lv1``, ``decoder_lv1``, ...)
and run the hierarchy inline. :class:`DMPHN` holds them under those names, so
its state-dict keys are ``encoder_lv1.layer1.weight`` etc., and its forward is
the test loop. The scripts save each submodule to its own file
(``checkpoints/DMPHN_1_2_4/encoder_lv1.pkl``, keys without the prefix):
:func:`merge_official_checkpoints` turns such a folder into one state dict.

The hierarchy works fine to coarse, bottom level first. For 1-2-4: level 3 cuts
the image into four quadrants, encodes each, joins the features of the top and
bottom pairs and decodes each half into a residual; level 2 encodes the top and
bottom halves plus those residuals, adds the level-3 features and decodes a
full-size residual; level 1 encodes the image plus that residual, adds the
level-2 features and decodes the result. 1-2-4-8 first cuts each quadrant into
top and bottom eighths (H/4 x W/2) the same way. The network sees ``x - 0.5`` and
its output is shifted back by ``+0.5``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint import read_checkpoint
from .interface import ImageInterface
from .registry import ModelSpec, Paper, Reported, register_model


def _res_branch(channels: int) -> nn.Sequential:
    """Conv-ReLU-conv, 3x3: the residual branch of the authors' blocks (skip added by the caller)."""
    return nn.Sequential(
        nn.Conv2d(channels, channels, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(channels, channels, kernel_size=3, padding=1),
    )


class Encoder(nn.Module):
    """3 -> 32 -> 64 -> 128 channels, H/4 x W/4: a conv, then two residual blocks per width."""

    def __init__(self) -> None:
        super().__init__()
        # Conv1
        self.layer1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.layer2 = _res_branch(32)
        self.layer3 = _res_branch(32)
        # Conv2
        self.layer5 = nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)
        self.layer6 = _res_branch(64)
        self.layer7 = _res_branch(64)
        # Conv3
        self.layer9 = nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1)
        self.layer10 = _res_branch(128)
        self.layer11 = _res_branch(128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer1(x)
        x = self.layer2(x) + x
        x = self.layer3(x) + x
        x = self.layer5(x)
        x = self.layer6(x) + x
        x = self.layer7(x) + x
        x = self.layer9(x)
        x = self.layer10(x) + x
        x = self.layer11(x) + x
        return x


class Decoder(nn.Module):
    """128 -> 64 -> 32 -> 3 channels, x4 in size: residual blocks, 4x4 stride-2 transposed convs."""

    def __init__(self) -> None:
        super().__init__()
        # Deconv3
        self.layer13 = _res_branch(128)
        self.layer14 = _res_branch(128)
        self.layer16 = nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1)
        # Deconv2
        self.layer17 = _res_branch(64)
        self.layer18 = _res_branch(64)
        self.layer20 = nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1)
        # Deconv1
        self.layer21 = _res_branch(32)
        self.layer22 = _res_branch(32)
        self.layer24 = nn.Conv2d(32, 3, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer13(x) + x
        x = self.layer14(x) + x
        x = self.layer16(x)
        x = self.layer17(x) + x
        x = self.layer18(x) + x
        x = self.layer20(x)
        x = self.layer21(x) + x
        x = self.layer22(x) + x
        return self.layer24(x)


class DMPHN(nn.Module):
    """The 1-2-4 (``levels=3``) or 1-2-4-8 (``levels=4``) hierarchy of the authors' test scripts.

    Input and output are on the authors' offset scale (``[0, 1] - 0.5``); H must
    be a multiple of 8 (1-2-4) or 16 (1-2-4-8), W a multiple of 8.
    """

    def __init__(self, levels: int = 3) -> None:
        super().__init__()
        if levels not in (3, 4):
            raise ValueError(f"levels must be 3 (DMPHN 1-2-4) or 4 (DMPHN 1-2-4-8), got {levels}")
        self.levels = levels
        # Declared in the scripts' order: all encoders, then all decoders.
        for lv in range(1, levels + 1):
            self.add_module(f"encoder_lv{lv}", Encoder())
        for lv in range(1, levels + 1):
            self.add_module(f"decoder_lv{lv}", Decoder())
        self.apply(weight_init)

    def forward(self, images_lv1: torch.Tensor) -> torch.Tensor:
        """The deblurred image (offset scale) of ``images_lv1`` (offset scale), same size."""
        H, W = images_lv1.shape[-2:]  # noqa: N806 - the authors' names
        images_lv2_1 = images_lv1[:, :, 0 : H // 2, :]
        images_lv2_2 = images_lv1[:, :, H // 2 : H, :]
        images_lv3_1 = images_lv2_1[:, :, :, 0 : W // 2]
        images_lv3_2 = images_lv2_1[:, :, :, W // 2 : W]
        images_lv3_3 = images_lv2_2[:, :, :, 0 : W // 2]
        images_lv3_4 = images_lv2_2[:, :, :, W // 2 : W]

        if self.levels == 4:
            # Level 4: each quadrant cut into top and bottom eighths.
            encoder_lv4, decoder_lv4 = self.encoder_lv4, self.decoder_lv4
            top, bot = slice(0, H // 4), slice(H // 4, H // 2)
            feature_lv4_1 = encoder_lv4(images_lv3_1[:, :, top, :])
            feature_lv4_2 = encoder_lv4(images_lv3_1[:, :, bot, :])
            feature_lv4_3 = encoder_lv4(images_lv3_2[:, :, top, :])
            feature_lv4_4 = encoder_lv4(images_lv3_2[:, :, bot, :])
            feature_lv4_5 = encoder_lv4(images_lv3_3[:, :, top, :])
            feature_lv4_6 = encoder_lv4(images_lv3_3[:, :, bot, :])
            feature_lv4_7 = encoder_lv4(images_lv3_4[:, :, top, :])
            feature_lv4_8 = encoder_lv4(images_lv3_4[:, :, bot, :])
            feature_lv4_top_left = torch.cat((feature_lv4_1, feature_lv4_2), 2)
            feature_lv4_top_right = torch.cat((feature_lv4_3, feature_lv4_4), 2)
            feature_lv4_bot_left = torch.cat((feature_lv4_5, feature_lv4_6), 2)
            feature_lv4_bot_right = torch.cat((feature_lv4_7, feature_lv4_8), 2)
            feature_lv4_top = torch.cat((feature_lv4_top_left, feature_lv4_top_right), 3)
            feature_lv4_bot = torch.cat((feature_lv4_bot_left, feature_lv4_bot_right), 3)
            images_lv3_1 = images_lv3_1 + decoder_lv4(feature_lv4_top_left)
            images_lv3_2 = images_lv3_2 + decoder_lv4(feature_lv4_top_right)
            images_lv3_3 = images_lv3_3 + decoder_lv4(feature_lv4_bot_left)
            images_lv3_4 = images_lv3_4 + decoder_lv4(feature_lv4_bot_right)

        # Level 3: four quadrants.
        feature_lv3_1 = self.encoder_lv3(images_lv3_1)
        feature_lv3_2 = self.encoder_lv3(images_lv3_2)
        feature_lv3_3 = self.encoder_lv3(images_lv3_3)
        feature_lv3_4 = self.encoder_lv3(images_lv3_4)
        feature_lv3_top = torch.cat((feature_lv3_1, feature_lv3_2), 3)
        feature_lv3_bot = torch.cat((feature_lv3_3, feature_lv3_4), 3)
        if self.levels == 4:
            feature_lv3_top = feature_lv3_top + feature_lv4_top
            feature_lv3_bot = feature_lv3_bot + feature_lv4_bot
        feature_lv3 = torch.cat((feature_lv3_top, feature_lv3_bot), 2)
        residual_lv3_top = self.decoder_lv3(feature_lv3_top)
        residual_lv3_bot = self.decoder_lv3(feature_lv3_bot)

        # Level 2: top and bottom halves.
        feature_lv2_1 = self.encoder_lv2(images_lv2_1 + residual_lv3_top)
        feature_lv2_2 = self.encoder_lv2(images_lv2_2 + residual_lv3_bot)
        feature_lv2 = torch.cat((feature_lv2_1, feature_lv2_2), 2) + feature_lv3
        residual_lv2 = self.decoder_lv2(feature_lv2)

        # Level 1: the whole image.
        feature_lv1 = self.encoder_lv1(images_lv1 + residual_lv2) + feature_lv2
        return self.decoder_lv1(feature_lv1)


def weight_init(m: nn.Module) -> None:
    """The scripts' initialisation: N(0, 0.5 * sqrt(2 / (k*k*out))) kernels, zero biases."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
        nn.init.normal_(m.weight, 0.0, 0.5 * (2.0 / n) ** 0.5)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def read_dmphn_checkpoint(path: Path, levels: int = 3) -> Mapping[str, torch.Tensor]:
    """A checkpoint directory of per-module files, or one merged torch file."""
    if Path(path).is_dir():
        return merge_official_checkpoints(path, levels)
    return read_checkpoint(path)


def merge_official_checkpoints(directory: str | Path, levels: int = 3) -> dict[str, torch.Tensor]:
    """The authors' per-submodule files (``encoder_lv1.pkl``, ...) -> one :class:`DMPHN` state dict.

    ``directory`` is e.g. ``checkpoints/DMPHN_1_2_4``. Each file is read with
    ``torch.load(weights_only=True)``; save the result with ``torch.save`` to use
    it as ``create_model(..., weights=PATH)``.
    """
    directory = Path(directory)
    state: dict[str, torch.Tensor] = {}
    for part in ("encoder", "decoder"):
        for lv in range(1, levels + 1):
            name = f"{part}_lv{lv}"
            path = directory / f"{name}.pkl"
            if not path.is_file():
                raise FileNotFoundError(f"{path}: missing; DMPHN with {levels} levels needs {name}.pkl")
            sub = torch.load(path, map_location="cpu", weights_only=True)
            state.update({f"{name}.{key}": value for key, value in sub.items()})
    return state


_PAPER = Paper(
    title="Deep Stacked Hierarchical Multi-patch Network for Image Deblurring",
    venue="CVPR",
    year=2019,
    authors="Hongguang Zhang, Yuchao Dai, Hongdong Li, Piotr Koniusz",
    url="https://arxiv.org/abs/1904.03468",
)
_REPO = "HongguangZhang/DMPHN-cvpr19-master"
_COMMIT = "9fff261daca8beb0cbaaa0b64df4239b5a05dd17"
_INTERFACE = ImageInterface(shift=-0.5)
_INPUT = "RGB in [0, 1] minus 0.5 (the test scripts feed ToTensor() - 0.5)"
_OUTPUT = "the single output tensor, plus 0.5 (the scripts save deblur_image + 0.5)"
_NOTES = (
    "The repository has no model class: the scripts build encoder_lv*/decoder_lv* and run the "
    "hierarchy inline; DMPHN here holds them under those names and its forward is the test loop. "
    "Official checkpoints are one file per submodule (keys without the 'encoder_lv1.' prefix): "
    "merge_official_checkpoints() joins them. Splits at int(H/2), int(W/2). No normalisation "
    "layers; the test scripts never call eval(), which changes nothing here. Saved images are "
    "clamped and rounded by torchvision's save_image."
)


@register_model(
    ModelSpec(
        name="dmphn_1_2_4",
        checkpoint_reader=partial(read_dmphn_checkpoint, levels=3),
        checkpoint_kind="directory",
        official_weights=(
            "per-module files encoder_lv1.pkl ... decoder_lv3.pkl in checkpoints/"
            "DMPHN_1_2_4/ (linked from the repository README); pass the "
            "directory as weights"
        ),
        display_name="DMPHN (1-2-4)",
        family="DMPHN",
        paper=_PAPER,
        repo=_REPO,
        commit=_COMMIT,
        interface=_INTERFACE,
        input_convention=_INPUT,
        output_pick=_OUTPUT,
        multiple=8,
        min_size=8,
        sizes=(
            "H and W multiples of 8: each level-3 patch is H/2 x W/2 and must survive two stride-2 "
            "convolutions and two x2 transposed convolutions at the same size"
        ),
        test_mode="eval",
        reported=Reported(
            source=(
                "none recorded: the paper's table was not readable in the sources available; the "
                "~7.2M parameters often quoted for DMPHN belong to the 1-2-4-8 model "
                "(this one: 5,424,393). The MIMO-UNet README's inference-time table lists a "
                "'DMPHN' at 31.20 dB (0.308 s async / 0.588 s sync, RTX 3090) without naming the "
                "variant, so it is not attributed to this model"
            ),
        ),
        fidelity="manifest",
        notes="Three levels (1-2-4), 1,808,131 parameters per encoder+decoder level. " + _NOTES,
    )
)
def dmphn_1_2_4(**kwargs: Any) -> nn.Module:
    """DMPHN 1-2-4 (``DMPHN_1_2_4_test.py``): three levels, 5,424,393 parameters."""
    return DMPHN(levels=3, **kwargs)


@register_model(
    ModelSpec(
        name="dmphn_1_2_4_8",
        checkpoint_reader=partial(read_dmphn_checkpoint, levels=4),
        checkpoint_kind="directory",
        official_weights=(
            "per-module files encoder_lv1.pkl ... decoder_lv4.pkl in checkpoints/"
            "DMPHN_1_2_4_8/ (linked from the repository README); pass the "
            "directory as weights"
        ),
        display_name="DMPHN (1-2-4-8)",
        family="DMPHN",
        paper=_PAPER,
        repo=_REPO,
        commit=_COMMIT,
        interface=_INTERFACE,
        input_convention=_INPUT,
        output_pick=_OUTPUT,
        multiple=16,
        min_size=16,
        sizes=(
            "H a multiple of 16, W of 8 (one multiple, 16, for both): each level-4 patch is "
            "H/4 x W/2 and must survive two stride-2 convolutions and two x2 transposed convolutions"
        ),
        test_mode="eval",
        reported=Reported(
            runtime_s=0.03,
            runtime_note=(
                "per 1280x720 image on the authors' GPU; the abstract's figure for its 'basic "
                "multi-patch model', which the abstract does not name further"
            ),
            source=(
                "paper abstract (arXiv 1904.03468) for the runtime; params, MACs, PSNR and SSIM not "
                "recorded: the paper's tables were not readable in the sources available (the ~7.2M "
                "parameters quoted for DMPHN match this model's 7,232,524 but were not verified). "
                "The MIMO-UNet README's inference-time table lists a 'DMPHN' at 31.20 dB "
                "(0.308 s async / 0.588 s sync, RTX 3090) and a secondary copy of MPRNet's table "
                "lists DMPHN at 31.20 dB / 21.7M params / 1.07 s; neither names the variant and "
                "21.7M matches neither 1-2-4 nor 1-2-4-8, so these are not attributed here"
            ),
        ),
        fidelity="unproven",
        notes=(
            "Four levels (1-2-4-8), the paper's headline DMPHN; no reference manifest, built from "
            "DMPHN_1_2_4_8_test.py: level-4 patches are the top and bottom halves of each quadrant, "
            "and level-4 features are added to level-3's before decoding. " + _NOTES
        ),
    )
)
def dmphn_1_2_4_8(**kwargs: Any) -> nn.Module:
    """DMPHN 1-2-4-8 (``DMPHN_1_2_4_8_test.py``): four levels, 7,232,524 parameters."""
    return DMPHN(levels=4, **kwargs)
