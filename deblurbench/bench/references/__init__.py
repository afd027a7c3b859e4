"""Non-learned reference methods: the blurry input itself, and non-blind deconvolution.

Each method is one file of this package registered with :func:`register_reference`;
the registry (:data:`REFERENCES`, the generic :class:`~deblurbench.registry.Registry`)
imports them the first time it is read.

They need no weights, so every report has a floor (``identity``: what doing nothing
scores) and, on data whose blur kernel is known (the synthetic dataset keeps it in
``meta["kernel"]``), an upper reference that is told the true kernel: Wiener and
Richardson-Lucy deconvolution from scikit-image's ``restoration`` module. They are
listed beside the networks as reference methods, not networks: they have no
parameters, no MACs and no paper figures.

The synthetic blur is applied in linear light, so the deconvolutions undo the sRGB
gamma first and redo it after, each channel separately.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ...registry import Registry, import_submodules

Method = Callable[[torch.Tensor, Sequence[dict[str, Any]]], torch.Tensor]


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference method: its name, what it is, what it needs, and the function."""

    name: str
    display_name: str
    description: str
    needs_kernel: bool
    method: Method


class UnknownReferenceError(ValueError):
    """A name that is not a reference method; one line with the nearest names."""


REFERENCES: Registry[ReferenceSpec] = Registry(
    "reference method",
    error=UnknownReferenceError,
    loader=lambda: import_submodules(__name__),
)


def register_reference(
    name: str, display_name: str, description: str, needs_kernel: bool = False
) -> Callable[[Method], Method]:
    """Register a reference method ``method(blur (N, 3, H, W) in [0, 1], metas) -> restored``."""

    def decorator(method: Method) -> Method:
        REFERENCES.add(name, ReferenceSpec(name, display_name, description, needs_kernel, method))
        return method

    return decorator


def list_references() -> list[str]:
    """Names of the reference methods, sorted."""
    return REFERENCES.names()


def is_reference(name: object) -> bool:
    """Whether ``name`` names a reference method (not a network)."""
    return name in REFERENCES


def get_reference(name: str) -> ReferenceSpec:
    """The :class:`ReferenceSpec` of ``name``; a one-line error with suggestions otherwise."""
    return REFERENCES.get(name)
