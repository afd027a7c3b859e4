"""DeblurGAN-v2: an FPN generator on an ImageNet backbone (Kupyn et al., ICCV 2019).

Re-implemented from the authors' code (KupynOrest/DeblurGANv2, ``models/fpn_inception.py``,
``models/fpn_mobilenet.py``, ``models/mobilenet_v2.py``, ``models/networks.py``) and the
Inception-ResNet-v2 of the ``pretrainedmodels`` package (0.7.4) the authors import, with
their module and attribute names, so a released checkpoint loads with ``strict=True``
(``create_model`` strips the ``module.`` prefix that their ``nn.DataParallel`` adds):

- ``FPNInception``: Inception-ResNet-v2 backbone, FPN with 256 channels, heads of 128.
- ``FPNMobileNet``: the authors' MobileNetV2 backbone, FPN with 128 channels, heads of 64.

Both generators share the same plan: five encoder stages cut out of the backbone, 1x1
lateral convolutions, a top-down pathway, four ``FPNHead`` s upsampled to 1/4 of the input
and concatenated, two smoothing stages (convolution + InstanceNorm + ReLU) with x2 nearest
upsampling, a last convolution, and ``clamp(tanh(out) + x, -1, 1)``: a residual on [-1, 1].

Traps kept on purpose, because the authors' checkpoints and outputs depend on them:

- Aliased keys. ``FPN`` registers the whole backbone (``fpn.inception`` / ``fpn.features``)
  and then ``enc0`` .. ``enc4`` built from the *same* submodules, so each backbone tensor
  sits under two state-dict keys (backbone key first, ``fpn.enc*`` key second).
- Declared but unused. The backbone's tail is registered but never called: Inception's
  ``repeat_2``, ``block8``, ``conv2d_7b``, ``avgpool_1a``, ``last_linear`` (25,089,192
  parameters) and MobileNet's ``features.16`` .. ``features.18`` (1,206,080).
- Frozen backbone. The backbone's parameters are created with ``requires_grad=False``
  (their training script unfreezes them after a warm-up).
- Train mode at test time. The authors' ``predict.py`` runs the generator in train mode,
  so every BatchNorm (backbone) and InstanceNorm (``affine=False,
  track_running_stats=True``) normalises with the current image's own statistics;
  :class:`PerImageTrainInterface` runs a batch one image at a time so each image gets
  its own statistics, as in ``predict.py``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative
from .registry import Paper, register_model
from .sources import DEBLURGANV2_GOPRO, DEBLURGANV2_KOHLER, HINET_GOPRO, LFDN_GOPRO, LFDN_KOHLER

NormLayer = Callable[[int], nn.Module]


def get_norm_layer(norm_type: str = "instance") -> NormLayer:
    """The generator's norm layer factory (``models/networks.py``).

    ``'instance'`` (the GoPro configuration) keeps running statistics buffers that
    only an eval-mode forward would use; the official test path never does.
    """
    if norm_type == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True)
    if norm_type == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=True)
    raise NotImplementedError(f"normalization layer [{norm_type}] is not found")


def _upsample(x: torch.Tensor, scale_factor: int) -> torch.Tensor:
    """Nearest upsampling (the authors call the deprecated ``nn.functional.upsample``)."""
    return F.interpolate(x, scale_factor=scale_factor, mode="nearest")


# ---- Inception-ResNet-v2 (pretrainedmodels/models/inceptionresnetv2.py) ----


class BasicConv2d(nn.Module):
    """Bias-free convolution + BatchNorm (eps 1e-3, the TensorFlow value) + ReLU."""

    def __init__(
        self,
        in_planes: int,
        out_planes: int,
        kernel_size: int | tuple[int, int],
        stride: int,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out_planes, eps=0.001, momentum=0.1, affine=True)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Mixed_5b(nn.Module):  # noqa: N801 - the authors' name
    """192 -> 320 channels: 1x1, 5x5, double 3x3 and pooled branches."""

    def __init__(self) -> None:
        super().__init__()
        self.branch0 = BasicConv2d(192, 96, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(192, 48, kernel_size=1, stride=1),
            BasicConv2d(48, 64, kernel_size=5, stride=1, padding=2),
        )
        self.branch2 = nn.Sequential(
            BasicConv2d(192, 64, kernel_size=1, stride=1),
            BasicConv2d(64, 96, kernel_size=3, stride=1, padding=1),
            BasicConv2d(96, 96, kernel_size=3, stride=1, padding=1),
        )
        self.branch3 = nn.Sequential(
            nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
            BasicConv2d(192, 64, kernel_size=1, stride=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)), 1)


class Block35(nn.Module):
    """Inception-ResNet-A: scaled residual on 320 channels (35x35 grid at 299 input)."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(320, 32, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(320, 32, kernel_size=1, stride=1),
            BasicConv2d(32, 32, kernel_size=3, stride=1, padding=1),
        )
        self.branch2 = nn.Sequential(
            BasicConv2d(320, 32, kernel_size=1, stride=1),
            BasicConv2d(32, 48, kernel_size=3, stride=1, padding=1),
            BasicConv2d(48, 64, kernel_size=3, stride=1, padding=1),
        )
        self.conv2d = nn.Conv2d(128, 320, kernel_size=1, stride=1)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x), self.branch2(x)), 1)
        return self.relu(self.conv2d(out) * self.scale + x)


class Mixed_6a(nn.Module):  # noqa: N801 - the authors' name
    """Reduction-A: 320 -> 1088 channels, stride 2, no padding."""

    def __init__(self) -> None:
        super().__init__()
        self.branch0 = BasicConv2d(320, 384, kernel_size=3, stride=2)
        self.branch1 = nn.Sequential(
            BasicConv2d(320, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 256, kernel_size=3, stride=1, padding=1),
            BasicConv2d(256, 384, kernel_size=3, stride=2),
        )
        self.branch2 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch0(x), self.branch1(x), self.branch2(x)), 1)


class Block17(nn.Module):
    """Inception-ResNet-B: scaled residual on 1088 channels with 1x7 / 7x1 factorised convolutions."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(1088, 192, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(1088, 128, kernel_size=1, stride=1),
            BasicConv2d(128, 160, kernel_size=(1, 7), stride=1, padding=(0, 3)),
            BasicConv2d(160, 192, kernel_size=(7, 1), stride=1, padding=(3, 0)),
        )
        self.conv2d = nn.Conv2d(384, 1088, kernel_size=1, stride=1)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x)), 1)
        return self.relu(self.conv2d(out) * self.scale + x)


class Mixed_7a(nn.Module):  # noqa: N801 - the authors' name
    """Reduction-B: 1088 -> 2080 channels, stride 2, no padding."""

    def __init__(self) -> None:
        super().__init__()
        self.branch0 = nn.Sequential(
            BasicConv2d(1088, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 384, kernel_size=3, stride=2),
        )
        self.branch1 = nn.Sequential(
            BasicConv2d(1088, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 288, kernel_size=3, stride=2),
        )
        self.branch2 = nn.Sequential(
            BasicConv2d(1088, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 288, kernel_size=3, stride=1, padding=1),
            BasicConv2d(288, 320, kernel_size=3, stride=2),
        )
        self.branch3 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)), 1)


class Block8(nn.Module):
    """Inception-ResNet-C on 2080 channels (never called by DeblurGAN-v2)."""

    def __init__(self, scale: float = 1.0, noReLU: bool = False) -> None:  # noqa: N803
        super().__init__()
        self.scale = scale
        self.noReLU = noReLU
        self.branch0 = BasicConv2d(2080, 192, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(2080, 192, kernel_size=1, stride=1),
            BasicConv2d(192, 224, kernel_size=(1, 3), stride=1, padding=(0, 1)),
            BasicConv2d(224, 256, kernel_size=(3, 1), stride=1, padding=(1, 0)),
        )
        self.conv2d = nn.Conv2d(448, 2080, kernel_size=1, stride=1)
        if not noReLU:
            self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x)), 1)
        out = self.conv2d(out) * self.scale + x
        return out if self.noReLU else self.relu(out)


class InceptionResNetV2(nn.Module):
    """Inception-ResNet-v2 as ``pretrainedmodels.inceptionresnetv2(num_classes=1000)`` builds it.

    Built from code only: no ImageNet weights are downloaded (a DeblurGAN-v2 checkpoint
    holds the backbone's weights anyway).
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv2d_1a = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.conv2d_2a = BasicConv2d(32, 32, kernel_size=3, stride=1)
        self.conv2d_2b = BasicConv2d(32, 64, kernel_size=3, stride=1, padding=1)
        self.maxpool_3a = nn.MaxPool2d(3, stride=2)
        self.conv2d_3b = BasicConv2d(64, 80, kernel_size=1, stride=1)
        self.conv2d_4a = BasicConv2d(80, 192, kernel_size=3, stride=1)
        self.maxpool_5a = nn.MaxPool2d(3, stride=2)
        self.mixed_5b = Mixed_5b()
        self.repeat = nn.Sequential(*(Block35(scale=0.17) for _ in range(10)))
        self.mixed_6a = Mixed_6a()
        self.repeat_1 = nn.Sequential(*(Block17(scale=0.10) for _ in range(20)))
        self.mixed_7a = Mixed_7a()
        self.repeat_2 = nn.Sequential(*(Block8(scale=0.20) for _ in range(9)))
        self.block8 = Block8(noReLU=True)
        self.conv2d_7b = BasicConv2d(2080, 1536, kernel_size=1, stride=1)
        self.avgpool_1a = nn.AvgPool2d(8, count_include_pad=False)
        self.last_linear = nn.Linear(1536, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The classifier's feature trunk (not used by DeblurGAN-v2)."""
        for layer in (
            self.conv2d_1a, self.conv2d_2a, self.conv2d_2b, self.maxpool_3a, self.conv2d_3b,
            self.conv2d_4a, self.maxpool_5a, self.mixed_5b, self.repeat, self.mixed_6a,
            self.repeat_1, self.mixed_7a, self.repeat_2, self.block8, self.conv2d_7b,
        ):  # fmt: skip
            x = layer(x)
        return x

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """Average pool + linear classifier (not used by DeblurGAN-v2)."""
        x = self.avgpool_1a(features)
        return self.last_linear(x.view(x.size(0), -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.features(x))


# ---- the authors' MobileNetV2 (models/mobilenet_v2.py) ----


def conv_bn(inp: int, oup: int, stride: int) -> nn.Sequential:
    """3x3 convolution (no bias) + BatchNorm + ReLU6."""
    return nn.Sequential(
        nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup), nn.ReLU6(inplace=True)
    )


def conv_1x1_bn(inp: int, oup: int) -> nn.Sequential:
    """1x1 convolution (no bias) + BatchNorm + ReLU6."""
    return nn.Sequential(
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup), nn.ReLU6(inplace=True)
    )


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand (skipped for ratio 1), 3x3 depthwise, 1x1 linear projection."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride}")
        self.stride = stride
        hidden_dim = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == oup
        depthwise_and_project = [
            nn.Conv2d(hidden_dim, hidden_dim, 3, stride, 1, groups=hidden_dim, bias=False),
            nn.BatchNorm2d(hidden_dim),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ]
        if expand_ratio == 1:
            self.conv = nn.Sequential(*depthwise_and_project)
        else:
            expand = [
                nn.Conv2d(inp, hidden_dim, 1, 1, 0, bias=False),
                nn.BatchNorm2d(hidden_dim),
                nn.ReLU6(inplace=True),
            ]
            self.conv = nn.Sequential(*expand, *depthwise_and_project)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1) as the authors' file builds it: 19 ``features`` and a classifier.

    DeblurGAN-v2 keeps only ``features`` (the classifier is dropped with the network).
    """

    # t (expansion), c (channels), n (repeats), s (first stride)
    interverted_residual_setting = (
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    )

    def __init__(self, n_class: int = 1000, input_size: int = 224, width_mult: float = 1.0) -> None:
        super().__init__()
        if input_size % 32 != 0:
            raise ValueError(f"input_size must be a multiple of 32, got {input_size}")
        input_channel = int(32 * width_mult)
        self.last_channel = int(1280 * width_mult) if width_mult > 1.0 else 1280
        features: list[nn.Module] = [conv_bn(3, input_channel, 2)]
        for t, c, n, s in self.interverted_residual_setting:
            output_channel = int(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(input_channel, output_channel, s if i == 0 else 1, t))
                input_channel = output_channel
        features.append(conv_1x1_bn(input_channel, self.last_channel))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.last_channel, n_class))
        self._initialize_weights()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.classifier(x.mean(3).mean(2))

    def _initialize_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / n))
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)


# ---- the FPN generators (models/fpn_inception.py, models/fpn_mobilenet.py) ----


class FPNHead(nn.Module):
    """Two bias-free 3x3 convolutions, each followed by ReLU."""

    def __init__(self, num_in: int, num_mid: int, num_out: int) -> None:
        super().__init__()
        self.block0 = nn.Conv2d(num_in, num_mid, kernel_size=3, padding=1, bias=False)
        self.block1 = nn.Conv2d(num_mid, num_out, kernel_size=3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.block0(x), inplace=True)
        return F.relu(self.block1(x), inplace=True)


def _conv_norm_relu(num_in: int, num_out: int, norm_layer: NormLayer, inplace: bool) -> nn.Sequential:
    """3x3 convolution (with bias) + norm + ReLU: the ``td*``, ``smooth`` and ``smooth2`` stages."""
    return nn.Sequential(
        nn.Conv2d(num_in, num_out, kernel_size=3, padding=1), norm_layer(num_out), nn.ReLU(inplace=inplace)
    )


class FPNInceptionEncoder(nn.Module):
    """``FPN`` of ``fpn_inception.py``: Inception-ResNet-v2 stages, laterals, top-down pathway.

    The backbone's unpadded convolutions leave odd sizes (H/32 - 2, H/16 - 2, H/8 - 3,
    H/4 - 2, H/2 - 1 for H a multiple of 32); the laterals are reflect-padded back to
    H/32, H/16, ... so that the nearest x2 upsampling lines up.
    """

    def __init__(self, norm_layer: NormLayer, num_filters: int = 256) -> None:
        super().__init__()
        self.inception = InceptionResNetV2(num_classes=1000)
        # The same modules again: each backbone tensor gets a second, later state-dict key.
        self.enc0 = self.inception.conv2d_1a
        self.enc1 = nn.Sequential(
            self.inception.conv2d_2a, self.inception.conv2d_2b, self.inception.maxpool_3a
        )
        self.enc2 = nn.Sequential(
            self.inception.conv2d_3b, self.inception.conv2d_4a, self.inception.maxpool_5a
        )
        self.enc3 = nn.Sequential(self.inception.mixed_5b, self.inception.repeat, self.inception.mixed_6a)
        self.enc4 = nn.Sequential(self.inception.repeat_1, self.inception.mixed_7a)
        self.td1 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.td2 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.td3 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.pad = nn.ReflectionPad2d(1)
        self.lateral4 = nn.Conv2d(2080, num_filters, kernel_size=1, bias=False)
        self.lateral3 = nn.Conv2d(1088, num_filters, kernel_size=1, bias=False)
        self.lateral2 = nn.Conv2d(192, num_filters, kernel_size=1, bias=False)
        self.lateral1 = nn.Conv2d(64, num_filters, kernel_size=1, bias=False)
        self.lateral0 = nn.Conv2d(32, num_filters // 2, kernel_size=1, bias=False)
        for param in self.inception.parameters():
            param.requires_grad = False

    def unfreeze(self) -> None:
        """Make the backbone trainable (their trainer does this after the warm-up epochs)."""
        for param in self.inception.parameters():
            param.requires_grad = True

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        enc0 = self.enc0(x)
        enc1 = self.enc1(enc0)
        enc2 = self.enc2(enc1)
        enc3 = self.enc3(enc2)
        enc4 = self.enc4(enc3)

        lateral4 = self.pad(self.lateral4(enc4))
        lateral3 = self.pad(self.lateral3(enc3))
        lateral2 = self.lateral2(enc2)
        lateral1 = self.pad(self.lateral1(enc1))
        lateral0 = self.lateral0(enc0)

        map4 = lateral4
        map3 = self.td1(lateral3 + _upsample(map4, 2))
        map2 = self.td2(F.pad(lateral2, (1, 2, 1, 2), "reflect") + _upsample(map3, 2))
        map1 = self.td3(lateral1 + _upsample(map2, 2))
        return F.pad(lateral0, (0, 1, 0, 1), "reflect"), map1, map2, map3, map4


class FPNMobileNetEncoder(nn.Module):
    """``FPN`` of ``fpn_mobilenet.py``: MobileNetV2 stages, laterals, top-down pathway."""

    def __init__(self, norm_layer: NormLayer, num_filters: int = 128) -> None:
        super().__init__()
        net = MobileNetV2(n_class=1000)
        self.features = net.features
        # The same modules again: each backbone tensor gets a second, later state-dict key.
        self.enc0 = nn.Sequential(*self.features[0:2])
        self.enc1 = nn.Sequential(*self.features[2:4])
        self.enc2 = nn.Sequential(*self.features[4:7])
        self.enc3 = nn.Sequential(*self.features[7:11])
        self.enc4 = nn.Sequential(*self.features[11:16])
        self.td1 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.td2 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.td3 = _conv_norm_relu(num_filters, num_filters, norm_layer, inplace=True)
        self.lateral4 = nn.Conv2d(160, num_filters, kernel_size=1, bias=False)
        self.lateral3 = nn.Conv2d(64, num_filters, kernel_size=1, bias=False)
        self.lateral2 = nn.Conv2d(32, num_filters, kernel_size=1, bias=False)
        self.lateral1 = nn.Conv2d(24, num_filters, kernel_size=1, bias=False)
        self.lateral0 = nn.Conv2d(16, num_filters // 2, kernel_size=1, bias=False)
        for param in self.features.parameters():
            param.requires_grad = False

    def unfreeze(self) -> None:
        """Make the backbone trainable (their trainer does this after the warm-up epochs)."""
        for param in self.features.parameters():
            param.requires_grad = True

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        enc0 = self.enc0(x)
        enc1 = self.enc1(enc0)
        enc2 = self.enc2(enc1)
        enc3 = self.enc3(enc2)
        enc4 = self.enc4(enc3)

        lateral4 = self.lateral4(enc4)
        lateral3 = self.lateral3(enc3)
        lateral2 = self.lateral2(enc2)
        lateral1 = self.lateral1(enc1)
        lateral0 = self.lateral0(enc0)

        map4 = lateral4
        map3 = self.td1(lateral3 + _upsample(map4, 2))
        map2 = self.td2(lateral2 + _upsample(map3, 2))
        map1 = self.td3(lateral1 + _upsample(map2, 2))
        return lateral0, map1, map2, map3, map4


class _FPNGenerator(nn.Module):
    """The part both generators share: four heads, two smoothing stages, tanh residual.

    The subclasses only choose the ``fpn`` encoder; the attribute names (``fpn``,
    ``head1`` .. ``head4``, ``smooth``, ``smooth2``, ``final``) are the authors'.
    """

    fpn: nn.Module

    def _build_decoder(
        self, norm_layer: NormLayer, output_ch: int, num_filters: int, num_filters_fpn: int
    ) -> None:
        self.head1 = FPNHead(num_filters_fpn, num_filters, num_filters)
        self.head2 = FPNHead(num_filters_fpn, num_filters, num_filters)
        self.head3 = FPNHead(num_filters_fpn, num_filters, num_filters)
        self.head4 = FPNHead(num_filters_fpn, num_filters, num_filters)
        self.smooth = _conv_norm_relu(4 * num_filters, num_filters, norm_layer, inplace=False)
        self.smooth2 = _conv_norm_relu(num_filters, num_filters // 2, norm_layer, inplace=False)
        self.final = nn.Conv2d(num_filters // 2, output_ch, kernel_size=3, padding=1)

    def unfreeze(self) -> None:
        """Make the backbone trainable."""
        self.fpn.unfreeze()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        map0, map1, map2, map3, map4 = self.fpn(x)
        map4 = _upsample(self.head4(map4), 8)
        map3 = _upsample(self.head3(map3), 4)
        map2 = _upsample(self.head2(map2), 2)
        map1 = _upsample(self.head1(map1), 1)

        smoothed = self.smooth(torch.cat([map4, map3, map2, map1], dim=1))
        smoothed = _upsample(smoothed, 2)
        smoothed = self.smooth2(smoothed + map0)
        smoothed = _upsample(smoothed, 2)

        final = self.final(smoothed)
        return torch.clamp(torch.tanh(final) + x, min=-1, max=1)


class FPNInception(_FPNGenerator):
    """DeblurGAN-v2 with the Inception-ResNet-v2 backbone (the authors' ``FPNInception``)."""

    def __init__(
        self,
        norm_layer: NormLayer | None = None,
        output_ch: int = 3,
        num_filters: int = 128,
        num_filters_fpn: int = 256,
    ) -> None:
        super().__init__()
        norm_layer = norm_layer or get_norm_layer("instance")
        self.fpn = FPNInceptionEncoder(num_filters=num_filters_fpn, norm_layer=norm_layer)
        self._build_decoder(norm_layer, output_ch, num_filters, num_filters_fpn)


class FPNMobileNet(_FPNGenerator):
    """DeblurGAN-v2 with the MobileNetV2 backbone (the authors' ``FPNMobileNet``).

    The authors' ``pretrained=True`` loads ``mobilenetv2.pth.tar`` into the backbone
    before training; here the backbone is built from code and a DeblurGAN-v2
    checkpoint supplies its weights.
    """

    def __init__(
        self,
        norm_layer: NormLayer | None = None,
        output_ch: int = 3,
        num_filters: int = 64,
        num_filters_fpn: int = 128,
    ) -> None:
        super().__init__()
        norm_layer = norm_layer or get_norm_layer("instance")
        self.fpn = FPNMobileNetEncoder(num_filters=num_filters_fpn, norm_layer=norm_layer)
        self._build_decoder(norm_layer, output_ch, num_filters, num_filters_fpn)


# ---- test-time path (predict.py) ----


@dataclass(frozen=True)
class PerImageTrainInterface(ImageInterface):
    """``2x - 1`` in, ``(y + 1) / 2`` out, one image at a time, buffers left untouched.

    ``predict.py`` feeds one image per forward to a generator in train mode, so each
    norm layer normalises with that image's statistics. A batch is therefore split
    into single images (batch statistics would mix images). Train-mode forwards also
    update the running-statistics buffers, which the official path never reads; they
    are restored afterwards so that restoring images leaves the model's state dict as
    it was loaded.
    """

    scale: float = 2.0
    shift: float = -1.0

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        saved = [(buf, buf.clone()) for buf in model.buffers()]
        try:
            run_one = super().__call__
            outputs = [run_one(model, image) for image in x.split(1)]
        finally:
            with torch.no_grad():
                for buf, value in saved:
                    buf.copy_(value)
        return torch.cat(outputs)

    def describe(self) -> str:
        """One line for tables."""
        return super().describe() + "; one image per forward (train-mode norm statistics)"


_PAPER = Paper(
    title="DeblurGAN-v2: Deblurring (Orders-of-Magnitude) Faster and Better",
    venue="ICCV",
    year=2019,
    authors="Kupyn, Martyniuk, Wu, Wang",
    url="https://arxiv.org/abs/1908.03826",
)
_REPO = "KupynOrest/DeblurGANv2"
_COMMIT = "c16bd9f5be63885389a57202c74023531d9ca086"
_INPUT = (
    "RGB mapped to [-1, 1] (2x - 1: albumentations Normalize(mean 0.5, std 0.5)); "
    "one image per forward, generator in train mode"
)
_OUTPUT = "the single output tensor, clamp(tanh(final) + x, -1, 1), mapped back by (y + 1) / 2"
# ---- published figures and official checkpoints ----

_V2 = "VITA-Group/DeblurGANv2@c16bd9f5be63885389a57202c74023531d9ca086"
_README = f"{_V2}:README.md (HTML table 'Pre-trained models', row '{{row}}', column 'PSNR/ SSIM')"
_T3_DVD = (
    f"{_V2}:doc_images/dvd_table.png (Table 3: Results on DVD dataset; commented out of the README; "
    "row 'DeblurGAN-v2 (MobileNet)')"
)
_CW_SSIM = (
    "SSIM: test_metrics.py computes pyssim SSIM(...).cw_ssim_value (CW-SSIM) on GoPro test/blur; "
    "the maintainer pointed to test_metrics.py when asked which SSIM (issue #20)"
)
_LINEAR = "blur: the caption says all models were tested on the linear subset"
_README_GOPRO = (
    "'GoPro Test Dataset', D double_gan, loss ragan-ls; the subset is not said here (Table 1: linear)"
)


def _own_figures(
    column: str,
    readme_row: str,
    psnr: float,
    ssim: float,
    time: float,
    flops: float,
    kohler: tuple[float, float],
) -> tuple[Published, ...]:
    """The authors' README table, Table 1 (GoPro) and Table 2 (Kohler) figures of one backbone."""
    readme = _README.format(row=readme_row)
    t1, t2 = DEBLURGANV2_GOPRO.at(f"column '{column}'"), DEBLURGANV2_KOHLER.at(f"column '{column}'")
    return (
        Published(
            "psnr",
            psnr,
            "dB",
            readme,
            printed="PSNR/ SSIM",
            label=readme_row,
            dataset="gopro",
            note=_README_GOPRO,
        ),
        Published(
            "ssim",
            ssim,
            "",
            readme,
            printed="PSNR/ SSIM",
            label=readme_row,
            dataset="gopro",
            ssim_tool="cw-ssim",
            note=f"{_README_GOPRO}; {_CW_SSIM}",
        ),
        Published(
            "psnr",
            psnr,
            "dB",
            t1,
            printed="PSNR",
            label=column,
            dataset="gopro",
            variant="blur",
            note=_LINEAR,
        ),
        Published(
            "ssim",
            ssim,
            "",
            t1,
            printed="SSIM",
            label=column,
            dataset="gopro",
            variant="blur",
            ssim_tool="cw-ssim",
            note=f"{_LINEAR}; {_CW_SSIM}",
        ),
        Published(
            "runtime",
            time,
            "s",
            t1,
            printed="Time",
            label=column,
            note=f"printed '{time}s'; device, input size and synchronisation not printed",
        ),
        Published(
            "flops",
            flops,
            "G",
            t1,
            printed="FLOPS",
            label=column,
            note=f"printed '{flops}G'; input size not printed; FLOPS as printed, not MACs",
        ),
        Published("psnr", kohler[0], "dB", t2, printed="PSNR", label=column, dataset="kohler"),
        Published(
            "ssim",
            kohler[1],
            "",
            t2,
            printed="SSIM",
            label=column,
            dataset="kohler",
            note="SSIM tool for Kohler not stated",
        ),
    )


_LFDN_T3 = LFDN_GOPRO.at("row 'DeblurGANv2 [15]'")
_LFDN_T4 = LFDN_KOHLER.at("row 'DeblurGANv2 [15]'")
_LFDN_VARIANT = (
    "backbone not stated; attributed to Inception-ResNet-v2: LFDN's GoPro row (29.55 / 0.934, 0.35 s) is "
    "exactly the authors' Inception-ResNet-v2 column of Table 1. The 15 MB fits neither release exactly "
    "(fpn_inception.h5 is 244,480,361 bytes, fpn_mobilenet.h5 13,505,344 per Open Model Zoo)"
)
_HINET = HINET_GOPRO.at("row 'DeblurGAN-v2 [22]'")
_HINET_VARIANT = (
    "backbone not stated; attributed to Inception-ResNet-v2: 29.55 / 0.934 is exactly the authors' "
    "Inception-ResNet-v2 GoPro figure"
)
_LFDN_T3_NAME, _LFDN_T4_NAME = LFDN_GOPRO.reporter, LFDN_KOHLER.reporter
_NO_CONDITIONS = "device, resolution and synchronisation not stated"

_INCEPTION_FIGURES = (
    *_own_figures("Inception-ResNet-v2", "InceptionResNet-v2", 29.55, 0.934, 0.35, 411.34, (26.72, 0.836)),
    Published(
        "psnr",
        29.55,
        "dB",
        _LFDN_T3,
        printed="PSNR",
        reporter=_LFDN_T3_NAME,
        label="DeblurGANv2 [15]",
        dataset="gopro",
        note=_LFDN_VARIANT,
    ),
    Published(
        "ssim",
        0.934,
        "",
        _LFDN_T3,
        printed="SSIM",
        reporter=_LFDN_T3_NAME,
        label="DeblurGANv2 [15]",
        dataset="gopro",
        note=_LFDN_VARIANT,
    ),
    Published(
        "model_size",
        15,
        "MB",
        _LFDN_T3,
        printed="Model Size (MB)",
        reporter=_LFDN_T3_NAME,
        label="DeblurGANv2 [15]",
        note=_LFDN_VARIANT,
    ),
    Published(
        "runtime",
        0.35,
        "s",
        _LFDN_T3,
        printed="Ave. inf.time(s)",
        reporter=_LFDN_T3_NAME,
        label="DeblurGANv2 [15]",
        note=f"{_NO_CONDITIONS}; {_LFDN_VARIANT}",
    ),
    Published(
        "psnr",
        26.97,
        "dB",
        _LFDN_T4,
        printed="PSNR",
        reporter=_LFDN_T4_NAME,
        label="DeblurGANv2 [15]",
        dataset="kohler",
        note=_LFDN_VARIANT,
    ),
    Published(
        "ssim",
        0.830,
        "",
        _LFDN_T4,
        printed="SSIM",
        reporter=_LFDN_T4_NAME,
        label="DeblurGANv2 [15]",
        dataset="kohler",
        note=_LFDN_VARIANT,
    ),
    Published(
        "model_size",
        15,
        "MB",
        _LFDN_T4,
        printed="Model Size (MB)",
        reporter=_LFDN_T4_NAME,
        label="DeblurGANv2 [15]",
        note=_LFDN_VARIANT,
    ),
    Published(
        "runtime",
        0.35,
        "s",
        _LFDN_T4,
        printed="Ave.inf.time(s)",
        reporter=_LFDN_T4_NAME,
        label="DeblurGANv2 [15]",
        note=f"{_NO_CONDITIONS}; {_LFDN_VARIANT}",
    ),
    Published(
        "psnr",
        29.55,
        "dB",
        _HINET,
        printed="PSNR",
        reporter=HINET_GOPRO.reporter,
        label="DeblurGAN-v2 [22]",
        dataset="gopro",
        note=_HINET_VARIANT,
    ),
    Published(
        "ssim",
        0.934,
        "",
        _HINET,
        printed="SSIM",
        reporter=HINET_GOPRO.reporter,
        label="DeblurGAN-v2 [22]",
        dataset="gopro",
        note=_HINET_VARIANT,
    ),
)

_OMZ = "openvinotoolkit/open_model_zoo@1db20462440730bd53fcdbc5d457ac5aba965953:models/public/deblurgan-v2/README.md"
_OMZ_NAME = "Open Model Zoo deblurgan-v2 model card"
_OMZ_NOTE = (
    "the converted GoPro MobileNet model (fpn_mobilenet.h5), input 1x3x736x1312 ('Input', 'Original Model')"
)
_MOBILENET_FIGURES = (
    *_own_figures("MobileNet", "MobileNet", 28.17, 0.925, 0.06, 43.75, (26.36, 0.820)),
    Published("psnr", 28.54, "dB", _T3_DVD, printed="PSNR", label="DeblurGAN-v2 (MobileNet)", dataset="dvd"),
    Published(
        "ssim",
        0.929,
        "",
        _T3_DVD,
        printed="SSIM",
        label="DeblurGAN-v2 (MobileNet)",
        dataset="dvd",
        note="SSIM tool for DVD not stated",
    ),
    Published(
        "runtime",
        0.06,
        "s",
        _T3_DVD,
        printed="Inference Time",
        label="DeblurGAN-v2 (MobileNet)",
        size=(720, 1280),
        note="printed '0.06s', 'Resolution' 1280 x 720; device and synchronisation not printed",
    ),
    Published(
        "params",
        2.1083,
        "M",
        f"{_OMZ} ('Specification' table)",
        printed="MParams",
        reporter=_OMZ_NAME,
        label="deblurgan-v2",
        note=_OMZ_NOTE,
    ),
    Published(
        "flops",
        80.8919,
        "G",
        f"{_OMZ} ('Specification' table)",
        printed="GFLOPs",
        reporter=_OMZ_NAME,
        label="deblurgan-v2",
        size=(736, 1312),
        note=_OMZ_NOTE,
    ),
    Published(
        "psnr",
        28.25,
        "dB",
        f"{_OMZ} ('Accuracy' table, column 'Original model')",
        printed="PSNR",
        reporter=_OMZ_NAME,
        label="deblurgan-v2",
        dataset="gopro",
        note=f"printed '28.25Db'; {_OMZ_NOTE}; padded to 736x1312 (accuracy-check.yml); subset not stated",
    ),
    Published(
        "ssim",
        0.97,
        "",
        f"{_OMZ} ('Accuracy' table, column 'Original model')",
        printed="SSIM",
        reporter=_OMZ_NAME,
        label="deblurgan-v2",
        dataset="gopro",
        note=f"{_OMZ_NOTE}; the Open Model Zoo accuracy checker's ssim; subset not stated",
    ),
)

_OMZ_HASH = (
    "sha256 and size as Open Model Zoo's model.yml (openvinotoolkit/open_model_zoo@edad4cac1992f7cfff9a3475628461c0a9a93653:"
    "models/public/deblurgan-v2/{folder}/model.yml) records them for the file behind the same Drive id; "
    "not checked here"
)
_INCEPTION_CHECKPOINTS = (
    OfficialCheckpoint(
        "fpn_inception.h5",
        f"{_V2}:README.md 'Pre-trained models' table, GoPro Test Dataset, InceptionResNet-v2 "
        "(https://drive.google.com/uc?export=view&id=1UXcsRVW-6KF23_TNzxw-xC0SzaMfXOaR)",
        sha256="0ab85a0419534bca6c8bee65eff3c163313e647b4577d493d679aa31169b0eea",
        datasets=("gopro", "hide"),
        note="244,480,361 bytes; a torch file despite the suffix, {'model': state dict} with 'module.' keys; "
        + _OMZ_HASH.format(folder="deblurgan-v2-inceptionresnetv2"),
    ),
)
_MOBILENET_CHECKPOINTS = (
    OfficialCheckpoint(
        "fpn_mobilenet.h5",
        f"{_V2}:README.md 'Pre-trained models' table, GoPro Test Dataset, MobileNet "
        "(https://drive.google.com/uc?export=view&id=1JhnT4BBeKBBSLqTo6UsJ13HeBXevarrU)",
        sha256="6d1b6d9807da3ae8987021c063a5cb6ca0131e76388cdb5164404ee1b1bf522b",
        datasets=("gopro", "hide"),
        note="13,505,344 bytes; a torch file despite the suffix, {'model': state dict} with 'module.' keys; "
        + _OMZ_HASH.format(folder="deblurgan-v2-mobilenet"),
    ),
)
_FIGURE_NOTES = (
    " Published figures: no parameter count by the authors was found (README, doc_images); the "
    "README's '10-100 times faster than the nearest competitors' is a relative claim (spec.relative); Table 4 "
    "(Lai dataset) gives subjective scores only, not recorded. The README's MobileNet-DSC backbone "
    "(no checkpoint link) is not registered, so its figures are not recorded."
)

# README 'Overview' (= arXiv 1908.03826 abstract): "with light-weight backbones (e.g., MobileNet and its
# variants), DeblurGAN-v2 reaches 10-100 times faster than the nearest competitors".
_MOBILENET_RELATIVE = (
    Relative(
        "runtime",
        "the nearest competitors",
        None,
        "Meanwhile, with light-weight backbones (e.g., MobileNet and its variants), DeblurGAN-v2 "
        "reaches 10-100 times faster than the nearest competitors, while maintaining close to "
        "state-of-the-art results, implying the option of real-time video deblurring.",
        f"{_V2}:README.md ('Overview', the abstract) = arXiv 1908.03826 abstract",
        note=(
            "names no network, and the factor is a range: '10-100 times faster' is this network's time "
            "at 1/100 to 1/10 of theirs, not one ratio, so only 'less' is recorded (ratio None). "
            "'Light-weight backbones (e.g., MobileNet and its variants)': deblurganv2_mobilenet is the "
            "registered one (MobileNet-DSC is not registered). The README's Table 1 competitors are "
            "DeepDeblur, SRN and DeblurGAN (4.33 s, 1.6 s, 0.85 s against MobileNet's 0.06 s: 72x, 27x, "
            "14x); the paper's Figure 1 caption calls DeblurGAN, DeepDeblur and SRN the 'three "
            "state-of-the-art competitors'. Device and input size not stated"
        ),
    ),
)

_COMMON_NOTES = (
    "Official test path (predict.py): generator in TRAIN mode ('GAN inference should be in "
    "train mode'), so BatchNorm and InstanceNorm use the image's own statistics and the "
    "running buffers never matter; deblurbench runs one image per forward for the same reason "
    "and restores the buffers afterwards. predict.py zero-pads (0 in [-1, 1], i.e. 0.5 grey) "
    "at bottom/right to (h // 32 + 1) * 32, always adding 1-32 rows/columns; Restorer "
    "reflect-pads to the next multiple of 32 instead (e.g. GoPro 1280x720 -> 1280x736 here, "
    "1312x736 in predict.py), so borders can differ slightly. predict.py also truncates "
    "(y + 1) / 2 * 255 to uint8. Released .h5 checkpoints are {'model': state_dict} with a "
    "'module.' prefix (nn.DataParallel). The FPN registers the backbone and then enc0..enc4 "
    "from the same modules: every backbone tensor has two state-dict keys (the fpn.enc* key "
    "is later). Backbone parameters have requires_grad=False."
)


@register_model(
    official_weights=(
        "fpn_inception.h5 (a torch file despite the suffix), linked from the DeblurGANv2 README; weights under 'model' with a 'module.' prefix"
    ),
    display_name="DeblurGAN-v2 (Inception-ResNet-v2)",
    family="DeblurGAN-v2",
    paper=_PAPER,
    repo=_REPO,
    commit=_COMMIT,
    interface=PerImageTrainInterface(),
    input_convention=_INPUT,
    output_pick=_OUTPUT,
    multiple=32,
    min_size=128,
    sizes=(
        "H and W multiples of 32 and at least 128: the reflect-padded laterals only line up "
        "for multiples of 32, and at 96 the last backbone stage is 1x1, where train-mode "
        "BatchNorm (one value per channel) fails"
    ),
    test_mode="train",
    published=_INCEPTION_FIGURES,
    checkpoints=_INCEPTION_CHECKPOINTS,
    fidelity="manifest",
    unused_modules=(
        "fpn.inception.repeat_2",
        "fpn.inception.block8",
        "fpn.inception.conv2d_7b",
        "fpn.inception.avgpool_1a",
        "fpn.inception.last_linear",
    ),
    notes=(
        _COMMON_NOTES + " 60,929,291 parameters declared, 35,840,099 used: the unused "
        "Inception-ResNet-v2 tail (repeat_2, block8, conv2d_7b, last_linear) holds 25,089,192. "
        "Backbone BatchNorm eps is 1e-3 (TensorFlow port). Inception laterals are "
        "reflect-padded (lateral4/3/1 by 1, lateral2 by (1, 2, 1, 2), lateral0 by (0, 1, 0, 1)). "
        "The README's 411.34G 'FLOPS' names no input size: it is ptflops' pytorch backend at a GoPro "
        "frame, 720x1280 padded to 736x1280 (412.06 G, +0.2%), its module hooks charging norms and "
        "activations beside the convolutions (convolutions and products alone: 274.1 GMACs there, by "
        "torch.utils.flop_counter and ptflops-aten)."
        + _FIGURE_NOTES
        + " Discrepancy: LFDN's Table 4 lists DeblurGANv2 [15] on Kohler at 26.97 / 0.830, the authors' "
        "Table 2 Inception-ResNet-v2 at 26.72 / 0.836."
    ),
)
def deblurganv2_inception(**kwargs: object) -> nn.Module:
    """DeblurGAN-v2, FPN on Inception-ResNet-v2, as config/config.yaml builds it (instance norm)."""
    return FPNInception(**kwargs)


@register_model(
    official_weights=(
        "fpn_mobilenet.h5 (a torch file despite the suffix), linked from the DeblurGANv2 README; weights under 'model' with a 'module.' prefix"
    ),
    display_name="DeblurGAN-v2 (MobileNet)",
    family="DeblurGAN-v2",
    paper=_PAPER,
    repo=_REPO,
    commit=_COMMIT,
    interface=PerImageTrainInterface(),
    input_convention=_INPUT,
    output_pick=_OUTPUT,
    multiple=32,
    min_size=64,
    sizes=(
        "H and W multiples of 32 and at least 64: five stride-2 stages and exact x2 "
        "upsampling, and at 32 the last stage is 1x1, where train-mode BatchNorm fails"
    ),
    test_mode="train",
    published=_MOBILENET_FIGURES,
    relative=_MOBILENET_RELATIVE,
    checkpoints=_MOBILENET_CHECKPOINTS,
    fidelity="manifest",
    unused_modules=("fpn.features.16", "fpn.features.17", "fpn.features.18"),
    notes=(
        _COMMON_NOTES + " 3,312,707 parameters declared, 2,106,627 used: MobileNetV2's "
        "features.16-18 (1,206,080) are never called. The Open Model Zoo card of the converted "
        "GoPro model (not the authors) gives 2.1083 MParams and 80.89 GFLOPs at 736x1312 (our "
        "count: 39.93 GMACs there, so that card's FLOPs are two per multiply-add, and its parameters "
        "are those used, 2,106,627). The README's 43.75G 'FLOPS' names no input size: read as "
        "Inception's 411.34G is, ptflops' pytorch backend at 720x1280 padded to 736x1280, it is 44.33 G "
        "(+1.3%); 1024x1024 multiply-adds of convolutions alone come as close (torch.utils.flop_counter "
        "43.34 G, -0.9%), but only the first reading fits both columns of the table."
        + _FIGURE_NOTES
        + " Table 1 gives 0.06s for MobileNet without a size; the DVD table gives the same 0.06s at 1280 x 720."
    ),
)
def deblurganv2_mobilenet(**kwargs: object) -> nn.Module:
    """DeblurGAN-v2, FPN on the authors' MobileNetV2 (instance norm, backbone built from code)."""
    return FPNMobileNet(**kwargs)
