"""``--model-opt``: a network's constructor overrides, checked by the one build of the network trained.

A name the constructor lacks, a value of the wrong type or one it cannot build with (``nf=-4``) is
one line naming the option, the network and what its constructor accepts (names and types). No
trial build: on the meta device some initialisers (``torch.eye``, ``nn.init.normal_``) run through
torch's Python reference ops, which import ``torch._dynamo`` (over a CPU-second in every process).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from torch import nn

# What a constructor raises for a value it cannot build with (nf=-4: a negative tensor size).
BUILD_ERRORS = (TypeError, ValueError, RuntimeError, ZeroDivisionError, AssertionError)


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
    return True  # an annotation this check does not read: the build decides


def _accepts(model: str, cls: type) -> str:
    return f"{model}'s constructor ({cls.__name__}) accepts {accepted(cls)}"


def _check_names_and_types(model: str, cls: type, opts: Mapping[str, Any]) -> None:
    """Raise a one-line ``ValueError`` for an option ``cls``'s constructor lacks or a value of the wrong type."""
    names = set(list(inspect.signature(cls.__init__).parameters)[1:])
    for key, value in opts.items():
        if key not in names:
            raise ValueError(
                f"--model-opt {key}={value}: {model} has no option {key!r}; {_accepts(model, cls)}"
            )
        annotation = _annotation(cls, key)
        if not _fits(value, annotation):
            kind = getattr(annotation, "__name__", annotation)
            raise ValueError(
                f"--model-opt {key}={value}: {key} must be {kind}, got {value!r}; {_accepts(model, cls)}"
            )


def construct(model: str, opts: Mapping[str, Any]) -> nn.Module:
    """``create_model(model, **opts)``, the network built once; a one-line ``ValueError`` if ``opts`` do not fit.

    The options' names and types are checked against the class built or, when the build fails, against
    the class the defaults build (the message names what it accepts), before the build's own reason.
    """
    from ..models import create_model

    if not opts:
        return create_model(model)
    try:
        network = create_model(model, **opts)
    except BUILD_ERRORS as exc:
        cls = type(create_model(model))
        _check_names_and_types(model, cls, opts)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        given = " ".join(f"{k}={v}" for k, v in opts.items())
        raise ValueError(
            f"--model-opt {given}: {model} cannot be built with it ({reason}); {_accepts(model, cls)}"
        ) from None
    _check_names_and_types(model, type(network), opts)
    return network
