"""What one forward on the meta device dispatches: every aten op, its MACs, and where it ran.

The census is the ground the counters are checked against. During the pass it records

- each aten op by name, and the MACs of those ``torch.utils.flop_counter`` has a formula
  for (the count that equals a hand count of convolutions, matmuls and attention);
- the MACs of each module object, inclusive of its children, so that a module registered
  under several names (an *alias*) can be charged once and its double count stated;
- the MACs and ops dispatched outside every module ptflops' ``pytorch`` backend hooks,
  which that backend sees only through the torch functions it patches;
- the *output-grid* count of convolutions: each output element charged
  ``in_channels / groups x k x k`` plus one for a bias, transposed convolutions included
  (as thop and torchinfo count them; the correct count charges a transposed convolution on
  its input grid, stride^2 times less), with linear layers' matrix products as they are.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from ..registry import Registry

MATMUL_OPS = frozenset({"mm", "bmm", "addmm", "baddbmm"})


@dataclass
class Census:
    """The record of one meta forward (see the module docstring); MACs are multiply-accumulates."""

    ops: Counter[str] = field(default_factory=Counter)
    op_macs: Counter[str] = field(default_factory=Counter)
    module_macs: Counter[int] = field(default_factory=Counter)  # id(module) -> inclusive MACs
    outside_hooked_ops: Counter[str] = field(default_factory=Counter)
    outside_hooked_macs: Counter[str] = field(default_factory=Counter)
    output_grid_macs: int = 0
    ptflops_aten: int = 0

    @property
    def macs(self) -> int:
        """The MACs of every op with a formula: the correct count."""
        return sum(self.op_macs.values())


class CensusMode(TorchDispatchMode):
    """Records the census while a forward runs; :meth:`watch` adds the module hooks it needs."""

    def __init__(self, hooked_types: frozenset[type] = frozenset()) -> None:
        super().__init__()
        from ptflops.aten_ops import ATEN_OPS_MAPPING
        from torch.utils.flop_counter import flop_registry

        self.census = Census()
        self.formulas = flop_registry
        self.ptflops_table = ATEN_OPS_MAPPING
        self.hooked_types = hooked_types
        self.stack: list[nn.Module] = []
        self.hooked_depth = 0

    def watch(self, root: nn.Module) -> list[torch.utils.hooks.RemovableHandle]:
        """Hooks on every module of ``root`` that keep the stack of modules being run."""
        handles = []
        for module in root.modules():
            handles.append(module.register_forward_pre_hook(self._enter))
            handles.append(module.register_forward_hook(self._leave, always_call=True))
        return handles

    def _enter(self, module: nn.Module, _inputs: object) -> None:
        self.stack.append(module)
        self.hooked_depth += type(module) in self.hooked_types

    def _leave(self, module: nn.Module, _inputs: object, _output: object) -> None:
        if self.stack and self.stack[-1] is module:
            self.stack.pop()
            self.hooked_depth -= type(module) in self.hooked_types

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = str(func.overloadpacket).removeprefix("aten.")
        census = self.census
        census.ops[name] += 1
        macs = 0
        formula = self.formulas.get(func.overloadpacket)
        if formula is not None:
            macs = int(formula(*args, **kwargs, out_val=out)) // 2
            census.op_macs[name] += macs
            for module in {id(m) for m in self.stack}:
                census.module_macs[module] += macs
        if self.hooked_depth == 0:
            census.outside_hooked_ops[name] += 1
            census.outside_hooked_macs[name] += macs
        census.output_grid_macs += self._output_grid(name, args, out, macs)
        handler = self.ptflops_table.get(func.overloadpacket)
        if handler is not None:
            census.ptflops_aten += int(handler(args, out if isinstance(out, tuple) else (out,)))
        return out

    def _output_grid(self, name: str, args: tuple, out: object, macs: int) -> int:
        """This op's MACs under the output-grid convention: convolutions per output element, linear as is."""
        if name == "convolution":
            weight, bias, transposed, groups = args[1], args[2], bool(args[6]), int(args[8])
            per_output = (weight.shape[0] // groups if transposed else weight.shape[1]) * math.prod(
                weight.shape[2:]
            )
            return out.numel() * (per_output + (bias is not None))
        if name in MATMUL_OPS and self.stack and isinstance(self.stack[-1], nn.Linear):
            return macs
        return 0


def aliases(model: nn.Module) -> dict[str, tuple[str, ...]]:
    """Modules registered under several names: first name -> the other names (outermost aliases only).

    A module object that appears at several places of the module tree is one module: its
    parameters count once, but a counter that sums the tree (ptflops' ``pytorch`` backend)
    charges it at each place. Aliases inside an aliased module are not listed again.
    """
    places: dict[int, list[str]] = {}
    for name, module in _all_places(model):
        places.setdefault(id(module), []).append(name)
    shared = {i: names for i, names in places.items() if len(names) > 1}
    owner = {name: i for i, names in shared.items() for name in names}

    def inside_another(i: int, names: list[str]) -> bool:  # a dotted prefix names another alias
        for name in names:
            parts = name.split(".")
            if any(owner.get(".".join(parts[:k]), i) != i for k in range(1, len(parts))):
                return True
        return False

    return {names[0]: tuple(names[1:]) for i, names in shared.items() if not inside_another(i, names)}


def alias_objects(model: nn.Module) -> dict[tuple[str, ...], nn.Module]:
    """Each outermost alias: all its names (first name first) -> the one module object (see :func:`aliases`)."""
    found = dict(_all_places(model))
    return {(first, *others): found[first] for first, others in aliases(model).items()}


def _all_places(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    return model.named_modules(remove_duplicate=False)


@dataclass(frozen=True)
class Convention:
    """A way of counting MACs that papers' figures follow and that differs from the correct count."""

    name: str
    label: str
    charges: str
    count: Callable[[Census], int]


CONVENTIONS: Registry[Convention] = Registry("convention", ordered=True)
CONVENTIONS.add(
    "output_grid",
    Convention(
        "output_grid",
        "output-grid convention (thop, torchinfo)",
        "charges every convolution per output element x (in_channels/groups x k x k + 1 for a bias), "
        "transposed ones on their output grid (stride^2 x the correct count), and sees no functional matmul",
        lambda census: census.output_grid_macs,
    ),
)


def convention_counts(census: Census) -> dict[str, int]:
    """The count under every registered convention."""
    return {name: CONVENTIONS.get(name).count(census) for name in CONVENTIONS.names()}
