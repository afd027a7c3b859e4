"""Reference manifests (copied from ../shared/reference into tests/fixtures/reference).

The weight fill below is written from the manifests' README: every floating-point
state-dict entry is overwritten from a generator seeded with the CRC-32 of its key,
so the same fill on a module with the same keys gives the same weights.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules.utils import _pair

REFERENCE_DIR = Path(__file__).parent / "fixtures" / "reference"


@cache
def load_manifest(name: str) -> dict:
    """The manifest ``<name>.json``."""
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text())


def manifest_names() -> list[str]:
    """Names of every manifest copied into the fixtures."""
    return sorted(p.stem for p in REFERENCE_DIR.glob("*.json"))


def fill_value(key: str, shape: tuple[int, ...]) -> torch.Tensor:
    """The manifest fill for one state-dict entry, in float64."""
    g = torch.Generator().manual_seed(zlib.crc32(key.encode("utf-8")))
    r = torch.rand(shape, generator=g, dtype=torch.float64)
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_var":
        return 0.5 + r
    if leaf == "running_mean":
        return (r - 0.5) * 0.2
    if len(shape) >= 2:
        fan_in = max(1, math.prod(shape[1:]))
        return (2 * r - 1) * math.sqrt(3 / fan_in)
    if leaf == "weight":
        return 1 + (r - 0.5) * 0.2
    return (r - 0.5) * 0.2


@torch.no_grad()
def apply_fill(model: nn.Module) -> nn.Module:
    """Overwrite every floating-point state-dict entry of ``model`` with the fill, in order."""
    for key, tensor in model.state_dict(keep_vars=True).items():
        if tensor.is_floating_point():
            tensor.copy_(fill_value(key, tuple(tensor.shape)).to(tensor.dtype))
    return model


def rand(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A test input of the full ``shape``: uniform [0, 1) from a generator seeded with ``seed``."""
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def manifest_input(manifest: dict) -> torch.Tensor:
    """The manifest's test input, float64."""
    spec = manifest["input"]
    g = torch.Generator().manual_seed(spec["seed"])
    return torch.rand(tuple(spec["shape"]), generator=g, dtype=torch.float64)


def manifest_output(manifest: dict) -> torch.Tensor:
    """The reference output stored in the manifest (float32 values, as float64)."""
    out = manifest["output"]
    raw = np.frombuffer(base64.b64decode(out["float32_le_base64"]), "<f4")
    return torch.from_numpy(raw.reshape(out["shape"]).astype(np.float64))


def relative_error(ours: torch.Tensor, ref: torch.Tensor) -> float:
    """||ours - ref|| / ||ref||."""
    ours = ours.detach().to(torch.float64).cpu()
    return float(torch.linalg.vector_norm(ours - ref) / torch.linalg.vector_norm(ref))


def meta_model(name: str, **options: object) -> nn.Module:
    """``name`` built on the meta device: its parameters, buffers and keys, without memory or initialisation."""
    from deblurbench.models import create_model

    with torch.device("meta"):
        return create_model(name, **options)


def meta_shapes(name: str, **options: object) -> dict[str, tuple[int, ...]]:
    """``name``'s state-dict shapes, the network built on the meta device (no memory, no init)."""
    return dict(_meta_shapes(name, tuple(sorted(options.items()))))


@cache
def _meta_shapes(
    name: str, options: tuple[tuple[str, object], ...]
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple((k, tuple(v.shape)) for k, v in meta_model(name, **dict(options)).state_dict().items())


def cheap_state(shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """Zero tensors of these shapes, each a view of one stored element (a tiny file when saved)."""
    return {k: torch.zeros(()).expand(shape) for k, shape in shapes.items()}


def state_dict_layout(model: nn.Module) -> list[tuple[str, list[int]]]:
    """``[key, shape]`` for every state-dict entry, in order."""
    return [(k, list(v.shape)) for k, v in model.state_dict().items()]


def manifest_layout(manifest: dict) -> list[tuple[str, list[int]]]:
    """``[key, shape]`` from the manifest, in order."""
    return [(k, list(shape)) for k, shape, _dtype in manifest["state_dict"]]


def _grouped_conv2d_float64(
    conv2d: Callable[..., torch.Tensor],
) -> Callable[..., torch.Tensor]:
    """``conv2d`` with float64 grouped convolutions done as one batched product over unfolded patches.

    Torch has no fast float64 kernel for grouped convolutions: it runs one small matrix product
    per group (Restormer's depthwise convolutions made 62k calls, 50 s for one 64 x 64 forward).
    Everything else (float32, groups=1, padding given as a word) goes to ``conv2d`` unchanged.
    """

    def grouped(
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
    ) -> torch.Tensor:
        if groups == 1 or x.dtype != torch.float64 or isinstance(padding, str) or x.dim() != 4:
            return conv2d(x, weight, bias, stride, padding, dilation, groups)
        n, _, height, width = x.shape
        out_channels, per_group, kh, kw = weight.shape
        stride, padding, dilation = (_pair(stride), _pair(padding), _pair(dilation))
        patches = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
        patches = patches.view(n, groups, per_group * kh * kw, -1)
        kernels = weight.reshape(groups, out_channels // groups, per_group * kh * kw)
        y = torch.einsum("gok,ngkl->ngol", kernels, patches).reshape(n, out_channels, -1)
        if bias is not None:
            y = y + bias.view(1, -1, 1)
        out_h = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        out_w = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        return y.view(n, out_channels, out_h, out_w)

    return grouped


@contextmanager
def fast_float64_grouped_conv() -> Iterator[None]:
    """Within: ``F.conv2d`` (what ``nn.Conv2d`` calls) does float64 grouped convolutions as batched
    products, the same sums in another order (~1e-15 apart), so that float64 reference forwards
    take seconds rather than minutes. ``test_grouped_conv_float64_is_conv2d`` holds it to conv2d."""
    original = F.conv2d
    F.conv2d = _grouped_conv2d_float64(original)
    try:
        yield
    finally:
        F.conv2d = original
