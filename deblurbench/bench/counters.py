"""The MAC counters, as a table: one entry per counter, each with its handler.

An entry says how the counter counts, how its unit converts to MACs
(multiply-accumulates), whether it can run on the meta device, and what it skips;
its ``count`` handler takes a :class:`CountContext` (the official path on the meta
device, a real-forward path made on demand, the aten-op census of one meta pass) and
returns the raw count and the ops or modules it skipped. ``bench/complexity.py`` loops
over :data:`COUNTERS`; adding a counter is one :func:`register_counter` call here, and
the store, the runner and the report's tables pick it up from the table.

One forward on the meta device serves every meta counter: ``torch_flop_counter`` and
``ptflops_aten`` count during the census (they read the totals it records), and
``ptflops_pytorch``, whose entry has a ``drive``, runs that same forward through ptflops
when it is requested (its count is recorded in :attr:`CountContext.driven`). Only
``fvcore`` needs a forward of its own, a real one.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from ..registry import Registry
from .census import MATMUL_OPS, Census, alias_objects

# aten ops that move or view data but compute nothing: never reported as "skipped".
NO_COMPUTE_OPS = frozenset(
    [
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
    ]
)


@dataclass
class CountContext:
    """What the counters share for one network at one size: paths, inputs, the op census."""

    model: nn.Module
    meta_path: nn.Module
    shape: tuple[int, ...]
    census: Census
    torch_flops: int
    called: set[str]
    real_path_factory: Callable[[], nn.Module]
    driven: dict[str, int] = field(default_factory=dict)  # counter name -> raw count of the pass it drove

    @cached_property
    def real_path(self) -> nn.Module:
        """The official path on the model's own device, built the first time a counter needs it."""
        return self.real_path_factory()

    @cached_property
    def real_input(self) -> torch.Tensor:
        """A zero input on the model's own device."""
        device = next(iter(self.model.parameters()), torch.empty(0)).device
        return torch.zeros(self.shape, device=device)

    def skipped_ops(self, counted: Callable[[str], bool]) -> dict[str, int]:
        """Ops of the census that compute something and that ``counted`` says are not charged."""
        return {
            op: n
            for op, n in sorted(self.census.ops.items())
            if not counted(op) and op.rstrip("_") not in NO_COMPUTE_OPS and op not in NO_COMPUTE_OPS
        }


@dataclass(frozen=True)
class CounterResult:
    """One counter's raw count (in its own unit), what it skipped and what it miscounted.

    ``skipped``: op or module -> calls not charged; ``miscounted``: what -> MACs the count
    is off by because of it (positive: charged too much, e.g. an aliased module counted at
    each of its names; negative: computation it never saw, e.g. matmuls by the ``@`` operator).
    """

    raw: int
    skipped: dict[str, int]
    miscounted: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MacCounter:
    """One MAC counter: how it counts, its unit, meta-device support, what it skips, its handler."""

    name: str
    label: str
    unit: str
    macs_per_unit: float  # raw x this = MACs
    meta: bool
    counts: str
    skips: str
    count: Callable[[CountContext], CounterResult]
    preference: int = 9  # which counter a headline MACs figure comes from: the lowest that counted
    # runs the census pass's forward itself when the counter is requested: drive(path, shape, make_input)
    # -> raw count, kept in CountContext.driven for ``count`` to read (one forward, not one more per counter)
    drive: Callable[[nn.Module, tuple[int, ...], Callable[[], torch.Tensor]], int] | None = None

    def to_macs(self, raw: int | None) -> int | None:
        """The raw count converted to multiply-accumulates."""
        return None if raw is None else int(raw * self.macs_per_unit)


COUNTERS: Registry[MacCounter] = Registry("counter", ordered=True)


def register_counter(**fields: Any) -> Callable[[Callable[[CountContext], CounterResult]], Any]:
    """Add the decorated handler to :data:`COUNTERS` with its declaration."""

    def decorator(handler: Callable[[CountContext], CounterResult]) -> Callable[..., CounterResult]:
        counter = MacCounter(count=handler, **fields)
        drivers = [n for n in COUNTERS.names() if COUNTERS.get(n).drive is not None]
        if counter.drive is not None and drivers:  # one forward runs through one counter only
            raise ValueError(f"counter {counter.name}: {drivers[0]} already drives the census pass")
        COUNTERS.add(counter.name, counter)
        return handler

    return decorator


def _quietly(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with warnings, stdout and stderr silenced (ptflops print()s to stdout and the
    traceback of an exception it swallows to stderr; fvcore warns)."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        return fn()


class _PtflopsRoot(nn.Module):
    """``path`` as the module ptflops runs: in the train/eval modes it had (ptflops sets eval
    before the forward), keeping the exception its forward raised (ptflops prints it and returns None)."""

    def __init__(self, path: nn.Module) -> None:
        super().__init__()
        self.path = path
        self.modes = [(module, module.training) for module in path.modules()]
        self.error: Exception | None = None

    def restore_modes(self) -> None:
        """Put every module of the path back in the mode it had."""
        for module, training in self.modes:
            module.training = training

    def forward(self, x: torch.Tensor) -> Any:
        self.restore_modes()
        try:
            return self.path(x)
        except Exception as exc:
            self.error = exc
            raise


def ptflops_macs(path: nn.Module, shape: tuple[int, ...], backend: str, **options: Any) -> int:
    """ptflops' MACs of ``path`` on input ``shape``; ``backend`` always explicit (README and code differ).

    ``options``: more arguments of ptflops' ``get_model_complexity_info`` (``input_constructor``,
    ``custom_modules_hooks``). The path runs in its own train/eval mode; an exception of its forward
    is raised here, not turned into ptflops' None. Run without autograd: the count is the same and
    the forward 3-6x faster (ptflops does not turn the graph off: FFTformer's real forward took 72 s, not 12 s).
    """
    from ptflops import get_model_complexity_info

    root = _PtflopsRoot(path)

    def count() -> tuple[Any, Any]:
        with torch.no_grad():
            return get_model_complexity_info(
                root,
                tuple(shape[1:]),
                as_strings=False,
                print_per_layer_stat=False,
                backend=backend,
                ost=io.StringIO(),
                **options,
            )

    try:
        macs, _ = _quietly(count)
    finally:
        root.restore_modes()
    if root.error is not None:
        raise root.error
    if macs is None:  # failed outside the forward: nothing of the network's to raise
        raise RuntimeError(f"ptflops ({backend} backend) did not finish counting {type(path).__name__}")
    return int(macs)


def _registered(op: str, registry: Any) -> bool:
    return any(str(k).removeprefix("aten.") == op for k in registry)


@register_counter(
    name="fvcore",
    label="fvcore",
    unit="1 flop per multiply-add",
    macs_per_unit=1.0,
    meta=False,
    preference=0,  # the convention most deblurring papers' MAC figures follow
    counts="traces with torch.jit and charges each traced op by its handler table",
    skips="element-wise ops, scaled_dot_product_attention",
)
def count_fvcore(ctx: CountContext) -> CounterResult:
    """fvcore's FlopCountAnalysis on a real forward (traced with torch.jit); its unsupported ops as skipped.

    ptflops' hooks cannot share this forward: under the tracer, sizes are tensors and its
    hooks' arithmetic fails (interpolate: "Float can't be cast to ... Long").
    """

    def analyse() -> CounterResult:
        from fvcore.nn import FlopCountAnalysis  # imported silenced: it warns about torch.jit

        with torch.no_grad():
            analysis = FlopCountAnalysis(ctx.real_path, ctx.real_input)
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            total = int(analysis.total())
            unsupported = analysis.unsupported_ops()
        return CounterResult(total, {op.removeprefix("aten::"): n for op, n in sorted(unsupported.items())})

    return _quietly(analyse)


class _PtflopsKernelShield(TorchDispatchMode):
    """Hides ptflops' patched torch functions from the kernels that run inside an op's dispatch.

    ptflops' ``pytorch`` backend replaces ``torch.add``, ``F.interpolate`` and the like with
    counting wrappers. On the meta device many kernels are Python decompositions that call those
    same functions, and they would be charged too (Stripformer at 256x256: +49%). While an op
    is dispatched, this mode puts the originals back, so only the network's own calls count and
    a meta forward gives the real forward's figure exactly (tests/test_counters.py checks it).
    The functions are the keys of ptflops' own mapping tables, not a list of ours.
    """

    def __enter__(self) -> _PtflopsKernelShield:
        from ptflops.pytorch_ops import FUNCTIONAL_MAPPING, TENSOR_OPS_MAPPING

        counted = (*FUNCTIONAL_MAPPING, *TENSOR_OPS_MAPPING)
        owners = (torch, torch.Tensor, torch.nn.functional)
        # looked up by each function's own name (getattr over dir(torch) would import its lazy modules)
        self.slots = sorted(
            {
                (owner, fn.__name__)
                for fn in counted
                for owner in owners
                if isinstance(getattr(fn, "__name__", None), str) and getattr(owner, fn.__name__, None) is fn
            },
            key=lambda slot: (owners.index(slot[0]), slot[1]),
        )
        return super().__enter__()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        patched = [(owner, name, getattr(owner, name)) for owner, name in self.slots]
        patched = [(owner, name, fn) for owner, name, fn in patched if hasattr(fn, "op")]
        for owner, name, fn in patched:
            setattr(owner, name, fn.op)
        try:
            return func(*args, **(kwargs or {}))
        finally:
            for owner, name, fn in patched:
                setattr(owner, name, fn)


def _ptflops_pytorch_pass(
    path: nn.Module, shape: tuple[int, ...], make_input: Callable[[], torch.Tensor]
) -> int:
    """The census pass's forward run through ptflops' ``pytorch`` backend, its patched functions
    hidden from the meta kernels, adding no op to the census: the input is the pass's own (not
    ptflops' factory ops) and its module hooks run outside the dispatch modes (its ``nn.Upsample``
    hook indexes the output).

    Entered after the census and torch's counter, the shield is the first mode each op reaches,
    so every kernel and decomposition those run below it sees the original functions.
    """
    from ptflops.pytorch_ops import MODULES_MAPPING

    with _PtflopsKernelShield():
        return ptflops_macs(
            path,
            shape,
            backend="pytorch",
            input_constructor=lambda _res: make_input(),
            custom_modules_hooks={kind: _outside_modes(hook) for kind, hook in MODULES_MAPPING.items()},
        )


def _outside_modes(hook: Callable[..., None]) -> Callable[..., None]:
    """``hook`` run with the dispatch modes (census, torch's counter, shield) set aside."""
    from torch.utils._python_dispatch import _disable_current_modes

    def run(*args: Any) -> None:
        with _disable_current_modes():
            hook(*args)

    return run


@register_counter(
    name="ptflops_pytorch",
    label="ptflops-pytorch",
    unit="MACs",
    macs_per_unit=1.0,
    meta=True,
    counts="module hooks, plus patched torch functional calls",
    skips="modules it has no hook for (e.g. LMFN's MeanShift, a Conv2d subclass)",
    drive=_ptflops_pytorch_pass,
)
def count_ptflops_pytorch(ctx: CountContext) -> CounterResult:
    """ptflops with ``backend="pytorch"``: its count of the census pass it ran; called leaf modules without a hook as skipped."""
    from ptflops.pytorch_ops import MODULES_MAPPING

    raw = ctx.driven["ptflops_pytorch"]
    unhooked: Tally[str] = Tally()
    for name, module in ctx.model.named_modules():
        leaf = not any(True for _ in module.children())
        if name in ctx.called and leaf and type(module) not in MODULES_MAPPING:
            unhooked[type(module).__name__] += 1
    unseen = {op: n for op, n in ctx.census.outside_hooked_ops.items() if "fft" in op}
    return CounterResult(raw, dict(sorted({**unhooked, **unseen}.items())), _ptflops_tree_miscounts(ctx, raw))


def _ptflops_tree_miscounts(ctx: CountContext, raw: int) -> dict[str, int]:
    """What ptflops' module-tree sum got wrong: aliased modules charged at each name, matmuls unseen.

    It sums each module's count over the tree's children, so a module registered under
    names with different parents is charged once per parent. It sees functional calls only
    through the torch functions it patches, not through operators (``q @ k``): the matmul
    MACs dispatched outside its hooked modules are listed as unseen when the count's deficit
    against the census, after the double counts, equals them (within 2% of the census).
    """
    net = ctx.meta_path.net
    found: dict[str, int] = {}
    for names, module in alias_objects(net).items():
        parents = {name.rpartition(".")[0] for name in names}
        extra = (len(parents) - 1) * ctx.census.module_macs.get(id(module), 0)
        if extra:
            found[f"aliased module counted {len(parents)}x: {' = '.join(names)}"] = extra
    correct = ctx.census.macs
    deficit = correct + sum(found.values()) - raw
    outside = {op: m for op, m in ctx.census.outside_hooked_macs.items() if op in MATMUL_OPS and m}
    if outside and abs(deficit - sum(outside.values())) <= 0.02 * correct:
        found.update(
            {f"unseen: {op} outside hooked modules (operator calls)": -m for op, m in outside.items()}
        )
    elif deficit > 0.02 * correct:
        found["not seen, not attributed (against the census)"] = -deficit
    elif deficit < -0.02 * correct:
        found["charged beyond the census (element-wise ops, norms, activations)"] = -deficit
    return found


@register_counter(
    name="ptflops_aten",
    label="ptflops-aten",
    unit="MACs",
    macs_per_unit=1.0,
    meta=True,
    counts="aten-level dispatch of convolutions and matrix products",
    skips="everything but convolution and matrix products",
)
def count_ptflops_aten(ctx: CountContext) -> CounterResult:
    """ptflops' ``aten`` backend: its handler table, applied during the census's meta pass (no forward of its own)."""
    from ptflops.aten_ops import ATEN_OPS_MAPPING

    return CounterResult(
        ctx.census.ptflops_aten, ctx.skipped_ops(lambda op: _registered(op, ATEN_OPS_MAPPING))
    )


@register_counter(
    name="torch_flop_counter",
    label="torch counter",
    unit="2 flops per multiply-add",
    macs_per_unit=0.5,
    meta=True,
    preference=1,  # runs on the meta device at any size: the fallback where fvcore did not run
    counts="torch.utils.flop_counter.FlopCounterMode's formula table, during the census pass",
    skips="element-wise ops; no formula for CPU attention kernels",
)
def count_torch(ctx: CountContext) -> CounterResult:
    """torch.utils.flop_counter's total from the meta census pass (no extra forward)."""
    from torch.utils.flop_counter import flop_registry

    return CounterResult(ctx.torch_flops, ctx.skipped_ops(lambda op: _registered(op, flop_registry)))


def by_preference(meta_only: bool = False) -> list[MacCounter]:
    """The counters in the order a headline MACs figure takes them (``meta_only``: those that run at any size)."""
    counters = [COUNTERS.get(name) for name in COUNTERS.names()]
    return sorted((c for c in counters if c.meta or not meta_only), key=lambda c: c.preference)
