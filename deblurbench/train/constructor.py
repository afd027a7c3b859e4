"""``--model-opt``: a network's constructor overrides, checked before training by building it on the meta device.

A name the constructor lacks, a value of the wrong type or one it cannot build with (``nf=-4``) is
one line naming the option, the network and what its constructor accepts (names and types).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import torch


def accepted(cls: type) -> str:
    """``'in_nc: int = 3, nf: int = 50'``: a constructor's parameters, as its signature says them."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return ", ".join(str(p).replace("'", "") for p in params if p.kind is not p.VAR_KEYWORD) or "none"


def _annotation(cls: type, name: str) -> Any:
    try:
        return inspect.signature(cls.__init__, eval_str=True).parameters[name].annotation
    except (NameError, TypeError, KeyError):
        return inspect.Parameter.empty


def _fits(value: Any, annotation: Any) -> bool:
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation in (bool, str):
        return isinstance(value, annotation)
    return True  # an annotation this check does not read: the trial build decides


def check_model_opts(model: str, opts: Mapping[str, Any]) -> None:
    """Raise a one-line ``ValueError`` if ``model``'s constructor cannot take ``opts``."""
    from ..models import create_model

    if not opts:
        return
    with torch.device("meta"):
        cls = type(create_model(model))
    accepts = f"{model}'s constructor ({cls.__name__}) accepts {accepted(cls)}"
    names = set(list(inspect.signature(cls.__init__).parameters)[1:])
    for key, value in opts.items():
        annotation = _annotation(cls, key)
        if key not in names:
            raise ValueError(f"--model-opt {key}={value}: {model} has no option {key!r}; {accepts}")
        if not _fits(value, annotation):
            kind = getattr(annotation, "__name__", annotation)
            raise ValueError(f"--model-opt {key}={value}: {key} must be {kind}, got {value!r}; {accepts}")
    try:
        with torch.device("meta"):
            create_model(model, **opts)
    except (TypeError, ValueError, RuntimeError, ZeroDivisionError, AssertionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        given = " ".join(f"{k}={v}" for k, v in opts.items())
        raise ValueError(
            f"--model-opt {given}: {model} cannot be built with it ({reason}); {accepts}"
        ) from None
