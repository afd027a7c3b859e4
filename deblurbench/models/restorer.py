"""``Restorer``: [0, 1] RGB in, [0, 1] RGB out, around any registered network.

It does what each official test script does around the bare module: pad to the
size the network accepts (reflect), map the input the official way (range,
offsets, pyramids: the spec's interface), run the module in the mode its
authors test it, pick the image from the outputs, map it back, crop, clamp.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .registry import ModelSpec, create_model, get_spec

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float": torch.float32,
    "float64": torch.float64,
    "fp64": torch.float64,
    "double": torch.float64,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
}
DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16")  # the canonical names, as messages list them
DEVICES = "cpu or cuda[:N]"  # the devices a harness runs on


def parse_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """``'fp16'``, ``'bfloat16'``, ``torch.float32``, ... -> a floating ``torch.dtype``."""
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise ValueError(f"dtype {dtype} is not a floating type; use one of {_dtype_names()}")
        return dtype
    key = str(dtype).lower().removeprefix("torch.")
    if key not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}: use one of {_dtype_names()}")
    return DTYPES[key]


def _dtype_names() -> str:
    return ", ".join(DTYPE_NAMES)


def canonical_dtype(dtype: str | torch.dtype) -> str:
    """A dtype's canonical name (one of :data:`DTYPE_NAMES`): ``' fp16'`` -> ``'float16'``."""
    return str(parse_dtype(dtype.strip() if isinstance(dtype, str) else dtype)).removeprefix("torch.")


def canonical_device(device: str | torch.device) -> str:
    """A device of this machine in canonical form: ``'cuda:0'``, ``'cpu'``; non-text refused."""
    text = str(device) if isinstance(device, torch.device) else device
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"got {device!r}")
    return str(parse_device(text.strip()))


def parse_device(device: str | torch.device) -> torch.device:
    """A device string checked against what this machine has."""
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {device!r}: use {DEVICES}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available here: use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    elif dev.type not in ("cpu", "meta"):
        raise ValueError(f"device {device!r} is not supported: use {DEVICES}")
    return dev


def padded_size(spec: ModelSpec, height: int, width: int) -> tuple[int, int]:
    """The smallest size >= (height, width) that the bare network accepts."""

    def up(n: int) -> int:
        n = max(n, spec.min_size)
        return -(-n // spec.multiple) * spec.multiple

    return up(height), up(width)


def pad_to(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Pad bottom/right to ``height`` x ``width``: reflect where the image is big enough, else replicate."""
    pad_h, pad_w = height - x.shape[-2], width - x.shape[-1]
    if pad_h == 0 and pad_w == 0:
        return x
    mode = "reflect" if pad_h < x.shape[-2] and pad_w < x.shape[-1] else "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)


# How far outside [0, 1] an input may stretch (resampling overshoot, float rounding) before it is refused.
RANGE_TOLERANCE = 0.01


def check_image_batch(x: object) -> None:
    """One-line ``ValueError`` unless ``x`` is a non-empty float RGB batch with finite values in [0, 1]."""
    if not isinstance(x, torch.Tensor) or x.dim() not in (3, 4) or x.shape[-3] != 3:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"Restorer expects an RGB tensor (N, 3, H, W) or (3, H, W), got {shape}")
    if x.numel() == 0:
        raise ValueError(
            f"Restorer got an empty batch {tuple(x.shape)}: it needs at least one image of 1x1 or more"
        )
    if not x.is_floating_point():
        raise ValueError(f"Restorer expects float values in [0, 1], got {x.dtype}: divide by 255 first")
    low, high = float(x.min()), float(x.max())  # NaN propagates into both
    if low != low or high != high or abs(low) == float("inf") or abs(high) == float("inf"):
        raise ValueError("Restorer input holds NaN or Inf values: give finite values in [0, 1]")
    if high > 1 + RANGE_TOLERANCE:
        raise ValueError(
            f"Restorer expects values in [0, 1], got up to {high:g}: divide 0-255 images by 255 first"
        )
    if low < -RANGE_TOLERANCE:
        raise ValueError(
            f"Restorer expects values in [0, 1], got down to {low:g}: map the input to [0, 1] first"
        )


class Restorer:
    """Run a registered network on [0, 1] RGB batches exactly as its authors test it.

    ``model_or_name`` is a registry name or a module from :func:`create_model`
    (anything else needs ``spec=``). ``.model`` is the bare official module.
    ``clamp=False`` returns the unclamped result of the official test-time path.
    """

    def __init__(
        self,
        model_or_name: str | nn.Module,
        weights: str | Path | None = None,
        device: str | torch.device = "cpu",
        dtype: str | torch.dtype = torch.float32,
        clamp: bool = True,
        spec: ModelSpec | None = None,
    ) -> None:
        self.device = parse_device(device)
        self.dtype = parse_dtype(dtype)
        if isinstance(model_or_name, str):
            self.spec = spec or get_spec(model_or_name)
            model = create_model(model_or_name, weights=weights)
        else:
            model = model_or_name
            if weights is not None:
                from .checkpoint import load_weights

                load_weights(model, weights)
            name = getattr(model, "deblurbench_name", None)
            if spec is None and name is None:
                raise ValueError(
                    f"{type(model).__name__} is not from create_model: pass spec= "
                    "(a ModelSpec saying how to call it) or a registered name"
                )
            self.spec = spec or get_spec(name)
        self.model = model.to(device=self.device, dtype=self.dtype)
        self.clamp = clamp

    @property
    def name(self) -> str:
        """The registry name of the network."""
        return self.spec.name

    def _set_mode(self) -> None:
        self.model.train(self.spec.test_mode == "train")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Restore ``x`` ((N, 3, H, W) or (3, H, W), values in [0, 1]); same shape out."""
        check_image_batch(x)
        single = x.dim() == 3
        batch = x.unsqueeze(0) if single else x
        out_dtype = x.dtype
        height, width = batch.shape[-2:]
        batch = batch.to(device=self.device, dtype=self.dtype)
        batch = pad_to(batch, *padded_size(self.spec, height, width))
        self._set_mode()
        with torch.no_grad():
            y = self.spec.interface(self.model, batch)
        y = y[..., :height, :width]
        if self.clamp:
            y = y.clamp(0.0, 1.0)
        y = y.to(out_dtype)
        return y[0] if single else y

    def __repr__(self) -> str:
        return f"Restorer({self.spec.name!r}, device={str(self.device)!r}, dtype={self.dtype}, clamp={self.clamp})"
