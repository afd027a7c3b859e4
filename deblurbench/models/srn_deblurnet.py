"""SRN-DeblurNet: the scale-recurrent network of Tao et al. (CVPR 2018).

Re-implemented in PyTorch from the authors' TensorFlow 1.x code
(jiangsutx/SRN-Deblur: ``models/model.py``, ``DEBLUR.generator``;
``util/util.py``, ``ResnetBlock``; ``util/BasicConvLSTMCell.py``). There is no
official PyTorch module, so the state-dict keys follow the TensorFlow variable
names: ``g_net/enc1_2/conv1/weights`` is our ``enc1_2.conv1.weight``
(:func:`tf_variable_to_key`; :func:`convert_tf_checkpoint` converts a whole
official checkpoint, kernel layouts included).

One encoder-decoder, its weights shared by three scales (1/4, 1/2, 1), run
coarse to fine. At each scale the input is the blurred image and the previous
scale's prediction, both resized to that scale and concatenated:

- encoder: ``enc1_1`` 5x5 conv to 32 channels, three ``ResnetBlock``; ``enc2_1``
  5x5 stride-2 conv to 64, three blocks; ``enc3_1`` stride-2 conv to 128, three
  blocks;
- ``convLSTM`` (the paper model, ``--model=lstm``): a ``BasicConvLSTMCell``
  whose state is carried from scale to scale, bilinearly upsampled;
- decoder: three blocks; ``dec2_4`` 4x4 stride-2 transposed conv, added to the
  ``enc2_4`` features; three blocks; ``dec1_4``, added to ``enc1_4``; three
  blocks; ``dec1_0`` 5x5 conv to the image (no activation, no global skip).

The authors ship three configurations. ``lstm`` (the paper's network) and
``gray`` are single-channel: the official test feeds the R, G and B planes of an
image through the network as a batch of three grey images. ``color`` is RGB in,
RGB out, without the ConvLSTM.

Porting details that decide numerical equality with TensorFlow:
``tf.image.resize_images(method=0)`` is TF1's legacy bilinear resize (no
half-pixel centres, :func:`resize_bilinear_tf`), and the stride-2 convolutions
pad SAME asymmetrically (:func:`pad_same`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative
from .registry import ModelSpec, Paper, register_model
from .sources import (
    DEBLURGANV2_GOPRO,
    DEBLURGANV2_KOHLER,
    HINET_GOPRO,
    LFDN_GOPRO,
    LFDN_HIDE,
    LFDN_KOHLER,
    MARKDOWN_COPY,
    SourceTable,
)

MODEL_TYPES = ("lstm", "gray", "color")

# ---- TensorFlow 1.x operations the authors' graph uses ----


def _tf_lerp_indices(
    in_size: int, out_size: int, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source indices and weights of TF1's legacy bilinear resize along one axis."""
    scale = in_size / out_size
    src = torch.arange(out_size, dtype=torch.float64, device=device) * scale
    lower = src.floor()
    weight = (src - lower).to(dtype)
    lower = lower.long().clamp(max=in_size - 1)
    upper = (lower + 1).clamp(max=in_size - 1)
    return lower, upper, weight


def resize_bilinear_tf(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``tf.image.resize_images(x, [height, width], method=0)`` of TensorFlow 1.x on NCHW.

    The legacy kernel maps output index ``i`` to source ``i * in / out`` (no
    half-pixel centres, no antialiasing): halving the size is exact subsampling
    ``x[::2, ::2]``, and doubling it gives ``out[2k] = in[k]``,
    ``out[2k+1] = (in[k] + in[k+1]) / 2`` with the last sample repeated. This is
    not ``F.interpolate(mode="bilinear")`` with either ``align_corners`` setting.
    """
    in_h, in_w = int(x.shape[-2]), int(x.shape[-1])  # int(): plain numbers under jit tracing too
    height, width = int(height), int(width)
    if (in_h, in_w) == (height, width):
        return x
    x0, x1, wx = _tf_lerp_indices(in_w, width, x.device, x.dtype)
    left, right = x[..., x0], x[..., x1]
    rows = left + (right - left) * wx
    y0, y1, wy = _tf_lerp_indices(in_h, height, x.device, x.dtype)
    top, bottom = rows[..., y0, :], rows[..., y1, :]
    return top + (bottom - top) * wy[:, None]


def pad_same(x: torch.Tensor, kernel_size: int, stride: int) -> torch.Tensor:
    """Pad ``x`` as TensorFlow's ``padding='SAME'`` does before a ``kernel_size``/``stride`` conv.

    TF pads ``max((ceil(n / s) - 1) * s + k - n, 0)`` in total, the smaller half
    before: a 5x5 stride-2 convolution on an even size pads 1 before and 2 after,
    which a symmetric torch ``padding`` cannot express. (A padding function rather
    than a Conv2d subclass keeps the layers plain ``nn.Conv2d`` for MAC counters.)
    """
    pads: list[int] = []
    for size in (int(x.shape[-1]), int(x.shape[-2])):
        total = max((math.ceil(size / stride) - 1) * stride + kernel_size - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


# ---- the authors' building blocks ----


def conv(in_channels: int, out_channels: int, kernel_size: int = 5, stride: int = 1) -> nn.Conv2d:
    """``slim.conv2d`` with a bias; its activation is applied by the caller.

    Stride 1 (odd kernel): SAME padding is symmetric, done by the layer. Stride 2:
    no padding here; the caller applies :func:`pad_same` first.
    """
    padding = kernel_size // 2 if stride == 1 else 0
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)


class ResnetBlock(nn.Module):
    """Conv-ReLU-conv with an identity skip and no activation after the sum (``util.ResnetBlock``)."""

    def __init__(self, dim: int, ksize: int = 5) -> None:
        super().__init__()
        self.conv1 = conv(dim, dim, ksize)
        self.conv2 = conv(dim, dim, ksize)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(F.relu(self.conv1(x))) + x


class BasicConvLSTMCell(nn.Module):
    """The authors' convolutional LSTM: one 3x3 convolution on ``[input, h]`` gives all four gates.

    The state is one tensor, ``[c, h]`` concatenated on channels; the gates are
    split in the order input ``i``, candidate ``j``, forget ``f``, output ``o``,
    and the forget gate gets ``forget_bias`` (1.0) before its sigmoid.
    """

    def __init__(
        self,
        input_channels: int = 128,
        num_features: int = 128,
        filter_size: int = 3,
        forget_bias: float = 1.0,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self._forget_bias = forget_bias
        self.LSTM_conv = nn.Conv2d(
            input_channels + num_features, 4 * num_features, filter_size, padding=filter_size // 2
        )

    def zero_state(self, batch: int, height: int, width: int, like: torch.Tensor) -> torch.Tensor:
        """An all-zero ``[c, h]`` state."""
        return like.new_zeros(batch, 2 * self.num_features, height, width)

    def forward(self, inputs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step: ``(new_h, new_state)``; ``new_h`` is the cell's output."""
        c, h = torch.chunk(state, 2, dim=1)
        i, j, f, o = torch.chunk(self.LSTM_conv(torch.cat([inputs, h], dim=1)), 4, dim=1)
        new_c = c * torch.sigmoid(f + self._forget_bias) + torch.sigmoid(i) * torch.tanh(j)
        new_h = torch.tanh(new_c) * torch.sigmoid(o)
        return new_h, torch.cat([new_c, new_h], dim=1)


class SRNDeblurNet(nn.Module):
    """The authors' ``DEBLUR.generator`` (TF scope ``g_net``): three scales, shared weights.

    ``model`` is the authors' ``--model`` flag: ``"lstm"`` (the paper: 1 channel,
    ConvLSTM), ``"gray"`` (1 channel, no ConvLSTM) or ``"color"`` (3 channels, no
    ConvLSTM). ``forward`` returns the ``n_levels`` predictions, coarse to fine;
    the image is the last.
    """

    def __init__(self, model: str = "lstm", n_levels: int = 3, scale: float = 0.5) -> None:
        super().__init__()
        if model not in MODEL_TYPES:
            raise ValueError(f"model must be one of {', '.join(MODEL_TYPES)}, got {model!r}")
        self.model_type = model
        self.n_levels = n_levels
        self.scale = scale
        self.chns = 3 if model == "color" else 1
        # encoder
        self.enc1_1 = conv(2 * self.chns, 32)
        self.enc1_2 = ResnetBlock(32)
        self.enc1_3 = ResnetBlock(32)
        self.enc1_4 = ResnetBlock(32)
        self.enc2_1 = conv(32, 64, stride=2)
        self.enc2_2 = ResnetBlock(64)
        self.enc2_3 = ResnetBlock(64)
        self.enc2_4 = ResnetBlock(64)
        self.enc3_1 = conv(64, 128, stride=2)
        self.enc3_2 = ResnetBlock(128)
        self.enc3_3 = ResnetBlock(128)
        self.enc3_4 = ResnetBlock(128)
        if model == "lstm":
            self.convLSTM = BasicConvLSTMCell(128, 128, filter_size=3)
        # decoder
        self.dec3_3 = ResnetBlock(128)
        self.dec3_2 = ResnetBlock(128)
        self.dec3_1 = ResnetBlock(128)
        self.dec2_4 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.dec2_3 = ResnetBlock(64)
        self.dec2_2 = ResnetBlock(64)
        self.dec2_1 = ResnetBlock(64)
        self.dec1_4 = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
        self.dec1_3 = ResnetBlock(32)
        self.dec1_2 = ResnetBlock(32)
        self.dec1_1 = ResnetBlock(32)
        self.dec1_0 = conv(32, self.chns)
        self._init_weights()

    def _init_weights(self) -> None:
        # The authors' initialisers: Xavier-uniform kernels and zero biases, the
        # ConvLSTM kernel from a truncated normal with std 1e-3.
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        if self.model_type == "lstm":
            nn.init.trunc_normal_(self.convLSTM.LSTM_conv.weight, std=1e-3, a=-2e-3, b=2e-3)

    def forward(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """``inputs`` (N, chns, H, W), H and W multiples of 16 -> predictions at 1/4, 1/2, 1."""
        n, h, w = int(inputs.shape[0]), int(inputs.shape[-2]), int(inputs.shape[-1])
        x_unwrap: list[torch.Tensor] = []
        inp_pred = inputs
        rnn_state: torch.Tensor | None = None
        for i in range(self.n_levels):
            scale = self.scale ** (self.n_levels - i - 1)
            hi, wi = round(h * scale), round(w * scale)
            inp_blur = resize_bilinear_tf(inputs, hi, wi)
            inp_pred = resize_bilinear_tf(inp_pred, hi, wi).detach()  # tf.stop_gradient
            inp_all = torch.cat([inp_blur, inp_pred], dim=1)
            if self.model_type == "lstm":
                # The zero state resized to the coarsest scale is still zero.
                if rnn_state is None:
                    rnn_state = self.convLSTM.zero_state(n, hi // 4, wi // 4, inputs)
                else:
                    rnn_state = resize_bilinear_tf(rnn_state, hi // 4, wi // 4)

            # encoder
            conv1_1 = F.relu(self.enc1_1(inp_all))
            conv1_2 = self.enc1_2(conv1_1)
            conv1_3 = self.enc1_3(conv1_2)
            conv1_4 = self.enc1_4(conv1_3)
            conv2_1 = F.relu(self.enc2_1(pad_same(conv1_4, 5, 2)))
            conv2_2 = self.enc2_2(conv2_1)
            conv2_3 = self.enc2_3(conv2_2)
            conv2_4 = self.enc2_4(conv2_3)
            conv3_1 = F.relu(self.enc3_1(pad_same(conv2_4, 5, 2)))
            conv3_2 = self.enc3_2(conv3_1)
            conv3_3 = self.enc3_3(conv3_2)
            conv3_4 = self.enc3_4(conv3_3)

            if self.model_type == "lstm":
                deconv3_4, rnn_state = self.convLSTM(conv3_4, rnn_state)
            else:
                deconv3_4 = conv3_4

            # decoder
            deconv3_3 = self.dec3_3(deconv3_4)
            deconv3_2 = self.dec3_2(deconv3_3)
            deconv3_1 = self.dec3_1(deconv3_2)
            deconv2_4 = F.relu(self.dec2_4(deconv3_1))
            cat2 = deconv2_4 + conv2_4
            deconv2_3 = self.dec2_3(cat2)
            deconv2_2 = self.dec2_2(deconv2_3)
            deconv2_1 = self.dec2_1(deconv2_2)
            deconv1_4 = F.relu(self.dec1_4(deconv2_1))
            cat1 = deconv1_4 + conv1_4
            deconv1_3 = self.dec1_3(cat1)
            deconv1_2 = self.dec1_2(deconv1_3)
            deconv1_1 = self.dec1_1(deconv1_2)
            inp_pred = self.dec1_0(deconv1_1)
            x_unwrap.append(inp_pred)
        return x_unwrap


# ---- official TensorFlow checkpoints ----


def tf_variable_to_key(name: str) -> str:
    """``'g_net/enc1_2/conv1/weights'`` -> ``'enc1_2.conv1.weight'`` (a ``:0`` suffix is dropped)."""
    name = name.split(":", 1)[0]
    if not name.startswith("g_net/"):
        raise ValueError(f"{name!r} is not a generator variable (expected the 'g_net/' scope)")
    scope, _, leaf = name.removeprefix("g_net/").rpartition("/")
    leaves = {"weights": "weight", "biases": "bias"}
    if leaf not in leaves or not scope:
        raise ValueError(f"{name!r}: expected '<layer>/weights' or '<layer>/biases'")
    return f"{scope.replace('/', '.')}.{leaves[leaf]}"


def convert_tf_checkpoint(variables: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Official TF variables (name -> array) -> our state dict.

    Kernels go from TF's ``[kh, kw, in, out]`` (``conv2d``) or ``[kh, kw, out, in]``
    (``conv2d_transpose``) to torch's ``[out, in, kh, kw]`` / ``[in, out, kh, kw]``:
    the same permutation ``(3, 2, 0, 1)`` for both, with no kernel flip. Variables
    outside ``g_net`` and optimiser slots (``.../weights/Adam``) are skipped. Read
    the checkpoint with TensorFlow, e.g. ``{n: reader.get_tensor(n) for n in
    reader.get_variable_to_shape_map()}`` with ``tf.train.load_checkpoint``.
    """
    state: dict[str, torch.Tensor] = {}
    for name, value in variables.items():
        if not name.startswith("g_net/") or not name.split(":", 1)[0].endswith(("/weights", "/biases")):
            continue
        tensor = torch.as_tensor(value)
        if tensor.dim() == 4:
            tensor = tensor.permute(3, 2, 0, 1)
        state[tf_variable_to_key(name)] = tensor.contiguous()
    return state


# ---- the official test-time path ----


@dataclass(frozen=True)
class SRNInterface(ImageInterface):
    """SRN-Deblur's test path (``DEBLUR.test``) around the bare network.

    ``per_channel``: the single-channel models see the R, G and B planes as a
    batch of three grey images and the outputs are stacked back into RGB.
    ``transpose_portrait``: an image taller than wide is transposed before the
    network and back after, as the official test does (its placeholder is
    landscape). The image is the last scale's output.
    """

    per_channel: bool = False
    transpose_portrait: bool = True

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        rotate = self.transpose_portrait and x.shape[-2] > x.shape[-1]
        if rotate:
            x = x.transpose(-2, -1)
        n, c, h, w = x.shape
        if self.per_channel:
            x = x.reshape(n * c, 1, h, w)
        y = self.from_network(self.pick(model(self.to_network(x))))
        if self.per_channel:
            y = y.reshape(n, c, *y.shape[-2:])
        if rotate:
            y = y.transpose(-2, -1)
        return y

    def describe(self) -> str:
        what = "each RGB plane as a grey image" if self.per_channel else "RGB"
        return f"{what} in [0, 1], portrait images transposed; image = output[{self.output}] (finest scale)"


_PAPER = Paper(
    title="Scale-recurrent Network for Deep Image Deblurring",
    venue="CVPR",
    year=2018,
    authors="Xin Tao, Hongyun Gao, Xiaoyong Shen, Jue Wang, Jiaya Jia",
    url="https://arxiv.org/abs/1802.01770",
)
_REPO = "jiangsutx/SRN-Deblur"
_COMMIT = "2caaa851a030179073d22ee376be09ea874df026"
_SIZES = (
    "H and W multiples of 16, at least 16 (the README's rule): the 1/4 scale goes through two "
    "stride-2 convolutions and back up through two x2 transposed convolutions, and the "
    "decoder adds the encoder's features at each size"
)
_NOTES = (
    "TensorFlow 1.x original: our state-dict keys are its variable names "
    "(g_net/enc1_2/conv1/weights -> enc1_2.conv1.weight); convert_tf_checkpoint() converts an "
    "official checkpoint (kernels permuted (3, 2, 0, 1), no flip). Weights shared by the three "
    "scales; the resizes are TF1 legacy bilinear (no half-pixel centres, exact subsampling "
    "when halving), not F.interpolate; the stride-2 convs pad SAME asymmetrically (1 before, 2 "
    "after on even sizes). Official test: uint8/255, no mean subtraction; portrait images "
    "transposed; images larger than the 720x1280 placeholder bicubic-downscaled (not done here); "
    "padding to the placeholder with np.pad 'edge' (Restorer pads reflect to a multiple of 16); "
    "output clipped and truncated to uint8. Released checkpoints: step 523000."
)


# ---- published figures (one record each, with its own source) ----

_README = f"{_REPO}@{_COMMIT}:README.md"
_NO_DEVICE = "device, resolution and synchronisation not stated"


# where LFDN's tables list SRN
_TAO = {
    t: f"{where} 'Tao et al. [9]'"
    for t, where in ((LFDN_GOPRO, "row"), (LFDN_KOHLER, "row"), (LFDN_HIDE, "column"))
}
_DGV2_T1 = DEBLURGANV2_GOPRO.at("column 'SRN [45]'")
_DGV2_T2 = DEBLURGANV2_KOHLER.at("column 'SRN [45]'")
_HINET_T2 = HINET_GOPRO.at("row 'SRN [39]'")


def _tao(quantity: str, value: float, unit: str, table: SourceTable, printed: str, **kw: object) -> Published:
    return Published(
        quantity,
        value,
        unit,
        table.at(_TAO[table]),
        printed=printed,
        reporter=table.reporter,
        label="Tao et al. [9]",
        **kw,
    )


_SRN_PUBLISHED = (
    # the authors' README: the released --model=lstm weights
    Published(
        "psnr",
        30.19,
        "dB",
        f"{_README} (section 'Models', item 1: '--model=lstm: This model implements exactly the same "
        "structure in our paper. Current released model weights should produce PSNR=30.19, "
        "SSIM=0.9334 on GOPRO testing dataset.')",
        printed="PSNR=30.19",
        dataset="gopro",
        variant="blur",
        note=(
            "the released lstm weights, not the paper's table; linear GoPro (no gamma) for training "
            "and testing per the author in jiangsutx/SRN-Deblur issue #56"
        ),
    ),
    Published(
        "ssim",
        0.9334,
        "",
        f"{_README} (section 'Models', item 1, as for PSNR)",
        printed="SSIM=0.9334",
        dataset="gopro",
        variant="blur",
        ssim_tool="matlab",
        note=(
            "README 'Evaluation': the paper's PSNR/SSIM use MATLAB built-in psnr() and ssim() on the "
            "colour results; linear GoPro per issue #56"
        ),
    ),
    # LFDN (Sensors 2021), Tables 3-5, as 'Tao et al. [9]'
    _tao("psnr", 30.10, "dB", LFDN_GOPRO, "PSNR", dataset="gopro"),
    _tao("ssim", 0.9323, "", LFDN_GOPRO, "SSIM", dataset="gopro"),
    _tao("model_size", 33.6, "MB", LFDN_GOPRO, "Model Size (MB)"),
    _tao("runtime", 1.6, "s", LFDN_GOPRO, "Ave. inf.time(s)", note=_NO_DEVICE),
    _tao("psnr", 26.57, "dB", LFDN_KOHLER, "PSNR", dataset="kohler"),
    _tao("ssim", 0.8373, "", LFDN_KOHLER, "SSIM", dataset="kohler"),
    _tao("model_size", 33.6, "MB", LFDN_KOHLER, "Model Size (MB)"),
    _tao("runtime", 1.6, "s", LFDN_KOHLER, "Ave.inf.time(s)", note=_NO_DEVICE),
    _tao("psnr", 28.60, "dB", LFDN_HIDE, "PSNR", dataset="hide"),
    _tao("ssim", 0.928, "", LFDN_HIDE, "SSIM", dataset="hide"),
    _tao("runtime", 1.6, "s", LFDN_HIDE, "Ave.inf.time(s) (s)", note=_NO_DEVICE),
    _tao("model_size", 33.6, "MB", LFDN_HIDE, "modle size(MB)"),  # the row label as printed
    # DeblurGAN-v2 (ICCV 2019), Tables 1 and 2 as images in its repository, as 'SRN [45]'
    Published(
        "psnr",
        30.10,
        "dB",
        _DGV2_T1,
        printed="PSNR",
        reporter=DEBLURGANV2_GOPRO.reporter,
        label="SRN [45]",
        dataset="gopro",
        variant="blur",
        note="the caption: the linear image subset",
    ),
    Published(
        "ssim",
        0.932,
        "",
        _DGV2_T1,
        printed="SSIM",
        reporter=DEBLURGANV2_GOPRO.reporter,
        label="SRN [45]",
        dataset="gopro",
        variant="blur",
        note="the caption: the linear image subset",
    ),
    Published(
        "runtime",
        1.6,
        "s",
        _DGV2_T1,
        printed="Time",
        reporter=DEBLURGANV2_GOPRO.reporter,
        label="SRN [45]",
        note="printed '1.6s'; device, input size and synchronisation not printed",
    ),
    Published(
        "flops",
        1434.82,
        "G",
        _DGV2_T1,
        printed="FLOPS",
        reporter=DEBLURGANV2_GOPRO.reporter,
        label="SRN [45]",
        note="printed '1434.82G'; input size not printed",
    ),
    Published(
        "psnr",
        26.75,
        "dB",
        _DGV2_T2,
        printed="PSNR",
        reporter=DEBLURGANV2_KOHLER.reporter,
        label="SRN [45]",
        dataset="kohler",
    ),
    Published(
        "ssim",
        0.837,
        "",
        _DGV2_T2,
        printed="SSIM",
        reporter=DEBLURGANV2_KOHLER.reporter,
        label="SRN [45]",
        dataset="kohler",
    ),
    # HINet (CVPRW 2021), Table 2 as an image in its repository, as 'SRN [39]'
    Published(
        "psnr",
        30.26,
        "dB",
        _HINET_T2,
        printed="PSNR",
        reporter=HINET_GOPRO.reporter,
        label="SRN [39]",
        dataset="gopro",
    ),
    Published(
        "ssim",
        0.934,
        "",
        _HINET_T2,
        printed="SSIM",
        reporter=HINET_GOPRO.reporter,
        label="SRN [39]",
        dataset="gopro",
    ),
    # The one parameter figure seen: an unofficial copy of a comparison table
    Published(
        "params",
        8.1,
        "M",
        MARKDOWN_COPY.at("column 'SRN', row 'Parameters(M)'"),
        printed="Parameters(M)",
        reporter=MARKDOWN_COPY.reporter,
        label="SRN",
        note=(
            "a personal notes file whose table the reference manifest attributes to SVRNN (Zhang et "
            "al., CVPR 2018); not verified against that paper. 8.1M matches the lstm model's "
            "8,056,609. The same table lists SRN at PSNR 30.26 / SSIM 0.9342 and 'Runtime' 3.87 "
            "(no unit), not recorded"
        ),
    ),
)

# The abstract: "Compared with the many recent learning-based approaches in [25], it has a simpler
# network structure, a smaller number of parameters and is easier to train." [25] is Nah et al.
_SRN_RELATIVE = (
    Relative(
        "params",
        "deepdeblur",
        None,
        "Compared with the many recent learning-based approaches in [25], it has a simpler network "
        "structure, a smaller number of parameters and is easier to train.",
        "arXiv 1802.01770 abstract (SRN-DeblurNet, CVPR 2018; read in deepai.org's copy of the arXiv "
        "abstract and introduction)",
        note=(
            "[25] is Nah et al., DeepDeblur (the introduction: 'Among them, Nah et al.[25] have achieved "
            "state-of-the-art results using a multi-scale convolutional neural network'), registered "
            "as deepdeblur. A bare 'smaller number of parameters': no ratio printed. The paper's "
            "network is the lstm model, hence srn_deblurnet (srn_deblurnet_color is the authors' later "
            "RGB variant)"
        ),
    ),
)

_SRN_ZIP = (
    "srndeblur_models.zip (http://www.xtao.website/shared_url/srndeblur_models.zip), fetched and "
    f"unzipped into checkpoints/ by {_REPO}@{_COMMIT}:checkpoints/download_model.sh"
)
_TF_NOTE = (
    "a TensorFlow 1.x checkpoint (run_model.py restores deblur.model-523000 from "
    "checkpoints/{model}/), not a torch file: convert with convert_tf_checkpoint() and save with "
    "torch.save; the zip's exact file list was not seen, no hash known"
)


@register_model(
    ModelSpec(
        name="srn_deblurnet",
        official_weights=(
            "TensorFlow checkpoints (checkpoints/lstm) fetched by the repository's download_model.sh; convert with convert_tf_checkpoint() and save with torch.save"
        ),
        display_name="SRN-DeblurNet",
        family="SRN-DeblurNet",
        paper=_PAPER,
        repo=_REPO,
        commit=_COMMIT,
        interface=SRNInterface(output=-1, per_channel=True),
        input_convention=(
            "each RGB plane in [0, 1] as its own single-channel image (a batch of three grey "
            "images per RGB image), no mean subtraction; portrait images transposed"
        ),
        output_pick="the last of the three scale outputs (full resolution), planes stacked back into RGB",
        multiple=16,
        min_size=16,
        sizes=_SIZES,
        test_mode="eval",
        published=_SRN_PUBLISHED,
        relative=_SRN_RELATIVE,
        checkpoints=(
            OfficialCheckpoint(
                "lstm/",
                where=f"folder lstm/ of {_SRN_ZIP}",
                datasets=("gopro", "hide"),
                note=_TF_NOTE.format(model="lstm"),
            ),
        ),
        fidelity="params-only",
        notes=(
            "The paper model (--model=lstm): single-channel with a 3x3 ConvLSTM whose [c, h] state "
            "is carried across scales (upsampled TF-style); the official test runs R, G and B "
            "separately, so it costs three grey passes per image. " + _NOTES + " Published figures: "
            "the README gives 30.19 / 0.9334 on GoPro for the released lstm weights; the paper's own "
            "GoPro/Kohler figures, parameter count and runtime were not found in a primary source, "
            "and no source names the input size of DeblurGAN-v2's 1434.82G FLOPS. Sources disagree "
            "on SRN's GoPro PSNR: 30.10 (DeblurGAN-v2 Table 1, LFDN Table 3), 30.26 (HINet Table 2) "
            "and 30.19 for the released weights (SRN README). DeblurGAN-v2's Table 4 also gives SRN "
            "a subjective score of 1.68 on the Lai dataset (not a recordable quantity)."
        ),
    )
)
def srn_deblurnet(**kwargs: Any) -> nn.Module:
    """The paper's SRN-DeblurNet (``--model=lstm``: grey, ConvLSTM), 8,056,609 parameters."""
    return SRNDeblurNet(model="lstm", **kwargs)


@register_model(
    ModelSpec(
        name="srn_deblurnet_color",
        official_weights=(
            "TensorFlow checkpoints (checkpoints/color) fetched by the repository's download_model.sh; convert with convert_tf_checkpoint() and save with torch.save"
        ),
        display_name="SRN-DeblurNet (color)",
        family="SRN-DeblurNet",
        paper=_PAPER,
        repo=_REPO,
        commit=_COMMIT,
        interface=SRNInterface(output=-1, per_channel=False),
        input_convention="RGB in [0, 1], no mean subtraction; portrait images transposed",
        output_pick="the last of the three scale outputs (full resolution, RGB)",
        multiple=16,
        min_size=16,
        sizes=_SIZES,
        test_mode="eval",
        published=(),
        checkpoints=(
            OfficialCheckpoint(
                "color/",
                where=f"folder color/ of {_SRN_ZIP}",
                datasets=("gopro", "hide"),
                note=_TF_NOTE.format(model="color"),
            ),
        ),
        fidelity="params-only",
        notes=(
            "The authors' --model=color: RGB in and out (first conv 6->32, last 32->3) and no "
            "ConvLSTM; not the paper's network. " + _NOTES + " Published figures: none; the sources "
            "read give none for the color model (the comparison tables' 'SRN' and 'Tao et al.' rows "
            "are the paper's lstm model, recorded on srn_deblurnet)."
        ),
    )
)
def srn_deblurnet_color(**kwargs: Any) -> nn.Module:
    """The authors' RGB variant (``--model=color``: no ConvLSTM), 6,881,251 parameters."""
    return SRNDeblurNet(model="color", **kwargs)
