"""Parameters (declared / trainable / used) and MACs by several counters, side by side.

MACs (multiply-accumulates) are the unit; each counter's own convention is
converted: fvcore counts one "flop" per multiply-add (= MACs), ptflops counts
MACs, ``torch.utils.flop_counter`` counts two flops per multiply-add (/ 2).
Every counter also reports what it skipped, because that is where they disagree.

What is counted is the network's official test-time path (``spec.interface``)
at the size the bare network accepts (the requested size padded up to the
spec's multiple), so a network run per colour channel or on a pyramid is
charged for all of it.

Meta device: ``torch.utils.flop_counter`` and ptflops's ``aten`` backend run on
meta tensors, so counting at 2160x3840 allocates no activations. Two counters
cannot: fvcore traces with ``torch.jit`` (meta shape functions fail under the
tracer), and ptflops's ``pytorch`` backend patches ``torch.add``/``torch.mul``
that the meta kernels' Python decompositions call too (LMFN at 256x256: +2.3%).
Those two need a real CPU forward: by default they run only up to
``REAL_FORWARD_MAX_PIXELS`` (512 x 512) and are otherwise skipped with a note;
``real_forward=True`` forces them at any size.
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from ..models import ModelSpec, create_model, get_spec
from ..models.restorer import padded_size

COUNTERS: tuple[str, ...] = ("fvcore", "ptflops_pytorch", "ptflops_aten", "torch_flop_counter")

# fvcore and ptflops-pytorch need a real forward; by default only up to this many
# pixels, so counting at 720x1280 or 2160x3840 allocates no activations.
REAL_FORWARD_MAX_PIXELS = 512 * 512

# aten ops that move or view data but compute nothing: never reported as "skipped".
_NO_COMPUTE_OPS = frozenset(
    {
        "view",
        "_unsafe_view",
        "reshape",
        "permute",
        "transpose",
        "t",
        "expand",
        "unsqueeze",
        "squeeze",
        "slice",
        "select",
        "detach",
        "alias",
        "clone",
        "contiguous",
        "cat",
        "stack",
        "split",
        "split_with_sizes",
        "chunk",
        "unbind",
        "empty",
        "empty_like",
        "new_empty",
        "zeros",
        "zeros_like",
        "ones",
        "ones_like",
        "full",
        "fill",
        "copy_",
        "_to_copy",
        "to",
        "lift_fresh",
        "as_strided",
        "narrow",
        "flatten",
        "unflatten",
        "pixel_shuffle",
        "pixel_unshuffle",
        "constant_pad_nd",
        "reflection_pad2d",
        "replication_pad2d",
        "roll",
        "repeat",
        "index",
        "arange",
        "lift_fresh_copy",
        "_local_scalar_dense",
        "masked_fill",
        "view_as_real",
        "view_as_complex",
        "real",
        "imag",
        "set_",
        "resize_",
    }
)


class OfficialPath(nn.Module):
    """The bare network wrapped with its official input/output mapping, as one module."""

    def __init__(self, net: nn.Module, spec: ModelSpec) -> None:
        super().__init__()
        self.net = net
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spec.interface(self.net, x)


class _OpCensus(TorchDispatchMode):
    """Counts every aten op dispatched, by overload packet name."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: Counter[str] = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func.overloadpacket).removeprefix("aten.")] += 1
        return func(*args, **(kwargs or {}))


def _resolve(model_or_name: str | nn.Module, spec: ModelSpec | None) -> tuple[nn.Module, ModelSpec]:
    if isinstance(model_or_name, str):
        return create_model(model_or_name), spec or get_spec(model_or_name)
    name = getattr(model_or_name, "deblurbench_name", None)
    if spec is None and name is None:
        raise ValueError(f"{type(model_or_name).__name__} is not from create_model: pass spec=")
    return model_or_name, spec or get_spec(name)


def _meta_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose parameters and buffers live on the meta device."""
    return copy.deepcopy(model).to("meta")


def parameter_counts(model: nn.Module, used: set[int] | None = None) -> dict[str, int]:
    """Declared (unique tensors), trainable and, given ids of used parameters, used counts."""
    params = {id(p): p for p in model.parameters()}
    counts = {
        "declared": sum(p.numel() for p in params.values()),
        "trainable": sum(p.numel() for p in params.values() if p.requires_grad),
    }
    if used is not None:
        counts["used"] = sum(p.numel() for i, p in params.items() if i in used)
        counts["unused"] = counts["declared"] - counts["used"]
    return counts


def _called_modules(path: OfficialPath, x: torch.Tensor) -> tuple[set[str], Counter[str], int]:
    """Run once (meta): names of modules called, the aten op census, torch flop count."""
    from torch.utils.flop_counter import FlopCounterMode

    called: set[str] = set()
    handles = [
        module.register_forward_pre_hook(lambda _m, _i, name=name: called.add(name))
        for name, module in path.net.named_modules()
    ]
    census = _OpCensus()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as flop_counter, census:
            path(x)
    finally:
        for handle in handles:
            handle.remove()
    return called, census.ops, int(flop_counter.get_total_flops())


def _skipped(census: Counter[str], counted: Callable[[str], bool]) -> dict[str, int]:
    return {
        op: n
        for op, n in sorted(census.items())
        if not counted(op) and op.rstrip("_") not in _NO_COMPUTE_OPS and op not in _NO_COMPUTE_OPS
    }


def _torch_counted(op: str) -> bool:
    from torch.utils.flop_counter import flop_registry

    return any(str(k).removeprefix("aten.") == op for k in flop_registry)


def _ptflops_aten_counted(op: str) -> bool:
    from ptflops.aten_ops import ATEN_OPS_MAPPING

    return any(str(k).removeprefix("aten.") == op for k in ATEN_OPS_MAPPING)


def _ptflops(path: nn.Module, shape: tuple[int, ...], backend: str) -> int:
    from ptflops import get_model_complexity_info

    # ptflops print()s a warning per module it meets twice (MPRNet's shared PReLU) to stdout,
    # which must hold nothing but data under --format json: keep its chatter out.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        macs, _ = get_model_complexity_info(
            path,
            shape[1:],
            as_strings=False,
            print_per_layer_stat=False,
            backend=backend,  # always explicit: README and code disagree on the default
            ost=io.StringIO(),
        )
    return int(macs)


def _fvcore(path: nn.Module, x: torch.Tensor) -> tuple[int, dict[str, int], list[str]]:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fvcore's jit use raises deprecation warnings
        from fvcore.nn import FlopCountAnalysis

        analysis = FlopCountAnalysis(path, x)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        total = int(analysis.total())
        unsupported = {op.removeprefix("aten::"): n for op, n in sorted(analysis.unsupported_ops().items())}
        uncalled = sorted(m.removeprefix("net.") for m in analysis.uncalled_modules() if m != "net")
    return total, unsupported, uncalled


def complexity(
    model_or_name: str | nn.Module,
    size: tuple[int, int] = (256, 256),
    *,
    counters: tuple[str, ...] = COUNTERS,
    real_forward: bool | None = None,
    spec: ModelSpec | None = None,
) -> dict[str, Any]:
    """Parameters and MACs of one network at ``size`` = (H, W), per counter.

    Returns ``{"model", "size", "input_size", "params": {declared, trainable, used,
    unused}, "unused_modules", "macs": {counter: MACs or None}, "raw": {counter:
    value in its own unit}, "skipped": {counter: {op: count}}, "meta": {counter:
    bool}, "notes": {counter: text}}``. ``real_forward``: run the counters that
    cannot use the meta device (None: only up to ``REAL_FORWARD_MAX_PIXELS``).
    """
    unknown = [c for c in counters if c not in COUNTERS]
    if unknown:
        raise ValueError(f"unknown counter(s) {', '.join(unknown)}: use {', '.join(COUNTERS)}")
    model, spec = _resolve(model_or_name, spec)
    height, width = size
    if height < 1 or width < 1:
        raise ValueError(f"size {height}x{width}: both sides must be positive")
    input_size = padded_size(spec, height, width)
    shape = (1, 3, *input_size)

    train = spec.test_mode == "train"
    meta_path = OfficialPath(_meta_copy(model), spec).train(train)
    x_meta = torch.empty(shape, device="meta")
    called, census, torch_flops = _called_modules(meta_path, x_meta)

    used_ids = {
        id(p)
        for name, module in meta_path.net.named_modules()
        if name in called
        for p in module.parameters(recurse=False)
    }
    # Map meta parameters back to the model's own by position (same module tree).
    meta_params = list(meta_path.net.parameters())
    real_params = list(model.parameters())
    used_real = {id(real_params[i]) for i, p in enumerate(meta_params) if id(p) in used_ids}
    params = parameter_counts(model, used_real)
    leaf_uncalled = sorted(
        name
        for name, module in model.named_modules()
        if name and name not in called and not any(True for _ in module.children())
    )

    macs: dict[str, int | None] = {}
    raw: dict[str, int | None] = {}
    skipped: dict[str, dict[str, int]] = {}
    meta: dict[str, bool] = {}
    notes: dict[str, str] = {}

    if "torch_flop_counter" in counters:
        raw["torch_flop_counter"] = torch_flops
        macs["torch_flop_counter"] = torch_flops // 2
        skipped["torch_flop_counter"] = _skipped(census, _torch_counted)
        meta["torch_flop_counter"] = True
    if "ptflops_aten" in counters:
        value = _ptflops(meta_path, shape, backend="aten")
        raw["ptflops_aten"] = macs["ptflops_aten"] = value
        skipped["ptflops_aten"] = _skipped(census, _ptflops_aten_counted)
        meta["ptflops_aten"] = True

    real_counters = [c for c in ("fvcore", "ptflops_pytorch") if c in counters]
    if real_forward is None:
        real_forward = input_size[0] * input_size[1] <= REAL_FORWARD_MAX_PIXELS
    if real_counters and not real_forward:
        for counter in real_counters:
            macs[counter] = raw[counter] = None
            meta[counter] = False
            notes[counter] = (
                f"not run: it cannot use the meta device and a real forward at "
                f"{input_size[0]}x{input_size[1]} (~{torch_flops / 2e9:,.0f} GMACs) would allocate "
                "its activations; force with real_forward=True (--real-forward)"
            )
    elif real_counters:
        real_path = OfficialPath(model, spec).train(train)
        x = torch.zeros(shape, device=next(iter(model.parameters()), torch.empty(0)).device)
        if "fvcore" in counters:
            total, unsupported, _uncalled = _fvcore(real_path, x)
            raw["fvcore"] = macs["fvcore"] = total
            skipped["fvcore"] = unsupported
            meta["fvcore"] = False
        if "ptflops_pytorch" in counters:
            value = _ptflops(real_path, shape, backend="pytorch")
            raw["ptflops_pytorch"] = macs["ptflops_pytorch"] = value
            skipped["ptflops_pytorch"] = _ptflops_unhooked(model, called)
            meta["ptflops_pytorch"] = False
        model.eval()

    return {
        "model": spec.name,
        "size": [height, width],
        "input_size": list(input_size),
        "params": params,
        "unused_modules": leaf_uncalled,
        "macs": {c: macs.get(c) for c in counters},
        "raw": {c: raw.get(c) for c in counters},
        "skipped": skipped,
        "meta": meta,
        "notes": notes,
    }


def _ptflops_unhooked(model: nn.Module, called: set[str]) -> dict[str, int]:
    """Leaf module types that were called but have no ptflops hook (their cost is not counted)."""
    from ptflops.pytorch_ops import MODULES_MAPPING

    types: Counter[str] = Counter()
    for name, module in model.named_modules():
        if (
            name in called
            and not any(True for _ in module.children())
            and type(module) not in MODULES_MAPPING
        ):
            types[type(module).__name__] += 1
    return dict(sorted(types.items()))
