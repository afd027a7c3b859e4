"""Will a forward fit? Peak activation memory estimated on the meta device, against what the device has.

The meta device knows every shape without allocating, so one pass of the official path
on meta tensors, counting the bytes of every tensor an op creates and releasing them when
the tensor is freed, gives the peak of live activations (what ``inference_mode`` keeps:
intermediate tensors die as soon as nothing refers to them). Together with the weights and
the input it says, before any real allocation, whether a size can run on a device at all.
"""

from __future__ import annotations

import copy
import weakref
from pathlib import Path

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ..models import ModelSpec
from .official_path import OfficialPath


class _LiveBytes(TorchDispatchMode):
    """Tracks the bytes of tensors that ops create and that are still referenced; keeps the peak."""

    def __init__(self) -> None:
        super().__init__()
        self.live = 0
        self.peak = 0

    def _release(self, nbytes: int) -> None:
        self.live -= nbytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {id(t) for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)}
        for tensor in tree_flatten(out)[0]:
            if isinstance(tensor, torch.Tensor) and id(tensor) not in inputs and tensor._base is None:
                nbytes = tensor.numel() * tensor.element_size()
                self.live += nbytes
                weakref.finalize(tensor, self._release, nbytes)
        self.peak = max(self.peak, self.live)
        return out


def peak_bytes(model: nn.Module, spec: ModelSpec, shape: tuple[int, ...], dtype: torch.dtype) -> int:
    """Estimated peak memory of one inference forward: weights, input and the live activations' peak."""
    path = OfficialPath(copy.deepcopy(model).to("meta", dtype=dtype), spec).train(spec.test_mode == "train")
    weights = sum(t.numel() * t.element_size() for t in [*path.parameters(), *path.buffers()])
    x = torch.empty(shape, device="meta", dtype=dtype)
    counter = _LiveBytes()
    with torch.inference_mode(), counter:
        path(x)
    return weights + x.numel() * x.element_size() + counter.peak


def available_bytes(device: torch.device) -> int | None:
    """Free memory of ``device``: CUDA's free memory, or the CPU's MemAvailable; None when unknown."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


# Below this many pixels per forward (batch x H x W) every registered network fits in a few GiB,
# so the meta pass (1-3 s per network) is skipped; above it the estimate runs first.
CHECK_ABOVE_PIXELS = 4 * 512 * 512


def needs_check(shape: tuple[int, ...]) -> bool:
    """Whether a forward on ``shape`` (N, C, H, W) is large enough to be estimated before it runs."""
    return shape[0] * shape[-2] * shape[-1] > CHECK_ABOVE_PIXELS


def check_fits(
    model: nn.Module, spec: ModelSpec, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device
) -> int:
    """The estimated peak in bytes (0: not estimated, a small size); a one-line ``MemoryError`` when too big."""
    if not needs_check(shape):
        return 0
    need = peak_bytes(model, spec, shape, dtype)
    free = available_bytes(device)
    if free is not None and need > free:
        size = "x".join(map(str, shape[-2:]))
        raise MemoryError(
            f"{spec.name} at {size} (batch {shape[0]}, {str(dtype).removeprefix('torch.')}) needs about "
            f"{need / 2**30:,.1f} GiB (peak estimated on the meta device) but {device.type} has "
            f"{free / 2**30:,.1f} GiB free: choose a smaller --size or batch"
        )
    return need
