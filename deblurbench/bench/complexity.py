"""Parameters (declared / trainable / used) and MACs by several counters, side by side.

MACs (multiply-accumulates) are the unit; each counter's own convention is
converted: fvcore counts one "flop" per multiply-add (= MACs), ptflops counts
MACs, ``torch.utils.flop_counter`` counts two flops per multiply-add (/ 2).
Every counter also reports what it skipped, because that is where they disagree.

What is counted is the network's official test-time path (``spec.interface``)
at the size the bare network accepts (the requested size padded up to the
spec's multiple), so a network run per colour channel or on a pyramid is
charged for all of it.

Meta device: ``torch.utils.flop_counter`` and both ptflops backends run on meta
tensors, so counting at 2160x3840 allocates no activations (ptflops-pytorch with its
patched functions hidden from the meta kernels: see ``counters._PtflopsKernelShield``).
They share one forward, the census pass (:func:`_meta_pass`): torch's counter and
ptflops' aten table count during it, and when ptflops-pytorch is requested the pass is
run through ptflops (the counter's ``drive``), so its figure costs no forward of its own.
fvcore cannot: it traces with ``torch.jit`` and meta shape functions fail under the
tracer. It needs a real CPU forward: by default only up to ``REAL_FORWARD_MAX_PIXELS``
(512 x 512), otherwise it is skipped with a note; ``real_forward=True`` forces it at
any size.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from .. import sizes
from ..models import ModelSpec, create_model, get_spec
from ..models.restorer import padded_size
from .census import Census, CensusMode, aliases, convention_counts
from .counters import COUNTERS, CountContext, ptflops_macs
from .memory import check_fits
from .official_path import OfficialPath
from .records import ComplexityRecord

# fvcore needs a real forward; by default only up to this many
# pixels, so counting at 720x1280 or 2160x3840 allocates no activations.
REAL_FORWARD_MAX_PIXELS = 512 * 512


def real_forward_by_default(input_size: tuple[int, int]) -> bool:
    """Whether fvcore's real forward runs at this (padded) input size unless told otherwise."""
    return input_size[0] * input_size[1] <= REAL_FORWARD_MAX_PIXELS


def check_real_forward_fits(
    model: nn.Module, spec: ModelSpec, input_size: tuple[int, int], instead: str
) -> None:
    """Refuse (one-line ``MemoryError`` with the estimate) a real forward at ``input_size`` that cannot fit
    in the CPU's free memory; ``instead`` says how to count without one (the flag or the argument)."""
    try:
        check_fits(model, spec, (1, 3, *input_size), torch.float32, torch.device("cpu"))
    except MemoryError as exc:
        raise MemoryError(f"{exc}; or {instead}: the meta-device counters count any size") from None


def _resolve(model_or_name: str | nn.Module, spec: ModelSpec | None) -> tuple[nn.Module, ModelSpec]:
    if isinstance(model_or_name, str):
        return create_model(model_or_name), spec or get_spec(model_or_name)
    name = getattr(model_or_name, "deblurbench_name", None)
    if spec is None and name is None:
        raise ValueError(f"{type(model_or_name).__name__} is not from create_model: pass spec=")
    return model_or_name, spec or get_spec(name)


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


@dataclass
class _MetaPass:
    """What one forward on the meta device tells: modules called, the census, torch's flops,
    and the raw count of the counter that drove the pass, if one did."""

    path: OfficialPath
    called: set[str]
    census: Census
    torch_flops: int
    driven: dict[str, int] = field(default_factory=dict)


def _meta_pass(
    model: nn.Module, spec: ModelSpec, shape: tuple[int, ...], counters: tuple[str, ...] = ()
) -> _MetaPass:
    """Run the official path once on a meta copy of ``model`` under the census and flop counter;
    through the requested counter that drives the pass (its ``drive``), if any, else by itself."""
    from ptflops.pytorch_ops import MODULES_MAPPING
    from torch.utils.flop_counter import FlopCounterMode

    path = OfficialPath(copy.deepcopy(model).to("meta"), spec).train(spec.test_mode == "train")
    called: set[str] = set()
    handles = [
        module.register_forward_pre_hook(lambda _m, _i, name=name: called.add(name))
        for name, module in path.net.named_modules()
    ]
    census = CensusMode(frozenset(MODULES_MAPPING))
    handles += census.watch(path.net)
    driver = next((c for c in map(COUNTERS.get, counters) if c.drive is not None), None)
    driven: dict[str, int] = {}

    def make_input() -> torch.Tensor:
        return torch.empty(shape, device="meta")

    try:
        with torch.no_grad(), FlopCounterMode(display=False) as flop_counter, census:
            if driver is None:
                path(make_input())
            else:
                driven[driver.name] = driver.drive(path, shape, make_input)
    finally:
        for handle in handles:
            handle.remove()
    return _MetaPass(path, called, census.census, int(flop_counter.get_total_flops()), driven)


def _used_parameters(model: nn.Module, meta: _MetaPass) -> dict[str, int]:
    """Parameter counts, "used" being those of modules the meta pass called (mapped back by position)."""
    used_ids = {
        id(p)
        for name, module in meta.path.net.named_modules()
        if name in meta.called
        for p in module.parameters(recurse=False)
    }
    real = list(model.parameters())
    used = {id(real[i]) for i, p in enumerate(meta.path.net.parameters()) if id(p) in used_ids}
    return parameter_counts(model, used)


def _uncalled_leaves(model: nn.Module, called: set[str]) -> list[str]:
    return sorted(
        name
        for name, module in model.named_modules()
        if name and name not in called and not any(True for _ in module.children())
    )


def _not_run_note(input_size: tuple[int, int], torch_flops: int) -> str:
    return (
        f"not run: it cannot use the meta device and a real forward at "
        f"{input_size[0]}x{input_size[1]} (~{torch_flops / 2e9:,.0f} GMACs) would allocate "
        "its activations; force with real_forward=True (--real-forward)"
    )


def _check_counters(counters: tuple[str, ...] | None) -> tuple[str, ...]:
    known = COUNTERS.names()
    counters = tuple(known if counters is None else counters)
    unknown = [c for c in counters if c not in known]
    if unknown:
        raise ValueError(f"unknown counter(s) {', '.join(unknown)}: use {', '.join(known)}")
    return counters


def _count(
    ctx: CountContext, counters: tuple[str, ...], real_forward: bool, input_size: tuple[int, int]
) -> tuple[dict, dict, dict, dict, dict]:
    """Run every counter the size allows: (raw counts, skipped, meta flags, notes, miscounts) per counter."""
    raw, skipped, on_meta, notes, miscounted = {}, {}, {}, {}, {}
    for name in counters:
        counter = COUNTERS.get(name)
        on_meta[name] = counter.meta
        if not (counter.meta or real_forward):
            raw[name], notes[name] = None, _not_run_note(input_size, ctx.torch_flops)
            continue
        result = counter.count(ctx)
        raw[name], skipped[name] = result.raw, result.skipped
        if result.miscounted:
            miscounted[name] = result.miscounted
    return raw, skipped, on_meta, notes, miscounted


def complexity(
    model_or_name: str | nn.Module,
    size: tuple[int, int] = sizes.HEADLINE,
    *,
    counters: tuple[str, ...] | None = None,
    real_forward: bool | None = None,
    spec: ModelSpec | None = None,
) -> ComplexityRecord:
    """Parameters and MACs of one network at ``size`` = (H, W), per counter of :data:`COUNTERS`.

    Returns a :class:`~deblurbench.bench.records.ComplexityRecord` (``.to_dict()`` gives
    ``{"model", "size", "input_size", "params": {...}, "macs": {counter: MACs or None},
    "raw", "skipped", "meta", "notes", "unused_modules"}``). ``real_forward``: run the
    counters that cannot use the meta device (None: only up to ``REAL_FORWARD_MAX_PIXELS``).
    """
    counters = _check_counters(counters)
    model, spec = _resolve(model_or_name, spec)
    if size[0] < 1 or size[1] < 1:
        raise ValueError(f"size {size[0]}x{size[1]}: both sides must be positive")
    input_size = padded_size(spec, *size)
    meta = _meta_pass(model, spec, (1, 3, *input_size), counters)
    ctx = CountContext(
        model,
        meta.path,
        (1, 3, *input_size),
        meta.census,
        meta.torch_flops,
        meta.called,
        real_path_factory=lambda: OfficialPath(model, spec).train(spec.test_mode == "train"),
        driven=meta.driven,
    )
    if real_forward is None:
        real_forward = real_forward_by_default(input_size)
    if real_forward:
        check_real_forward_fits(model, spec, input_size, "pass real_forward=False")
    raw, skipped, on_meta, notes, miscounted = _count(ctx, counters, real_forward, input_size)
    model.eval()
    params = _used_parameters(model, meta)
    return ComplexityRecord(
        model=spec.name,
        height=size[0],
        width=size[1],
        input_height=input_size[0],
        input_width=input_size[1],
        params_declared=params["declared"],
        params_trainable=params["trainable"],
        params_used=params["used"],
        macs={c: COUNTERS.get(c).to_macs(raw[c]) for c in counters},
        torch_version=torch.__version__,
        raw=raw,
        skipped=skipped,
        miscounted=miscounted,
        conventions=convention_counts(meta.census),
        aliases=aliases(model),
        meta=on_meta,
        notes=notes,
        unused_modules=_uncalled_leaves(model, meta.called),
    )


# the name tests and earlier callers use for the ptflops helper
_ptflops = ptflops_macs


def meta_complexity(name: str, size: tuple[int, int]) -> ComplexityRecord:
    """Parameters and the meta-device counters' MACs, without allocating a weight or an activation.

    The network is built on the meta device (no initialisation), so a check of published
    figures counts every registered network in seconds; fvcore, which needs a real
    forward, is not run.
    """
    with torch.device("meta"):
        model = create_model(name)
    meta_only = tuple(n for n in COUNTERS.names() if COUNTERS.get(n).meta)
    return complexity(model, size, counters=meta_only, real_forward=False)
