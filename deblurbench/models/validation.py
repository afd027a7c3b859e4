"""A spec checked when it registers: each field, then (for networks from outside this package) one forward.

Every problem is one :class:`ModelSpecError` line naming where the spec was registered (a plugin
entry point or a module), the model, the field and what to write, e.g.
``plugin entry point 'demo' (mynet_plugin): model 'mynet': field 'commit' must be the 40-hex
commit of the official code, got '<40-hex commit>'``.

The field checks (:data:`FIELD_RULES`, one rule per field) are cheap and run for every entry. The
forward (:func:`check_forward`: the spec's interface and output pick on the smallest input the spec
accepts) costs 0.1-2 s a network on the meta device (8.6 s for the 20 built-in networks on 2 cores,
23 s as real CPU forwards), far more than registering them (0.35 s, on every command's start), so
it runs for plugins and other outside registrations only; the built-in networks are held to it, and
more, by ``tests/models/test_contract.py``. A small plugin network runs for real on CPU instead
(:data:`REAL_FORWARD_MAX_PARAMS`): milliseconds, without the meta device's one-off import.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

import torch
from torch import nn

from .interface import ImageInterface, OutputPickError
from .published import Paper

ModelSpec = Any  # registry.ModelSpec, which imports this module

TEST_MODES = ("eval", "train")
FIDELITIES = ("manifest", "params-only", "unproven")
CHECKPOINT_KINDS = ("file", "directory")
NAME = re.compile(r"[A-Za-z0-9_.-]+")
REPO = re.compile(r"[\w.-]+/[\w.-]+")
COMMIT = re.compile(r"[0-9a-f]{40}")
FIRST_YEAR = 1950
# A network of at most this many parameters, whose parameters x input pixels (a bound on a
# convolutional network's MACs: each weight used at most once per pixel) is at most the second, is
# built and run for real on CPU at registration: milliseconds, where the meta device's first use in
# a process imports ~500 torch modules (1.8 s on 2 cores). Anything larger runs on the meta device,
# which allocates, initialises and computes nothing.
REAL_FORWARD_MAX_PARAMS = 2_000_000
REAL_FORWARD_MAX_MACS = 10**8


class ModelSpecError(ValueError):
    """A spec that cannot work: one line naming where it was registered, the model, the field and what to write."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


@dataclass(frozen=True)
class Rule:
    """One field's check: ``ok(value)`` and, when it fails, what to write instead."""

    field: str
    ok: Callable[[Any], bool]
    write: str


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _year(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and FIRST_YEAR <= value <= datetime.date.today().year + 1
    )


def _paper(value: Any) -> bool:
    return isinstance(value, Paper)


def _interface(value: Any) -> bool:
    return (
        isinstance(value, ImageInterface)
        and _finite(value.scale)
        and value.scale != 0
        and _finite(value.shift)
        and (value.output is None or (isinstance(value.output, int) and not isinstance(value.output, bool)))
    )


# One rule per field: the single place that says what each field must hold.
FIELD_RULES: tuple[Rule, ...] = (
    Rule("name", lambda v: isinstance(v, str) and NAME.fullmatch(v) is not None,
         "must be a name of letters, digits, '_', '.' or '-' (it is typed in --models)"),
    Rule("display_name", _text, "must be the network's name as its paper writes it, e.g. 'MyNet'"),
    Rule("paper", _paper, "must be Paper(title=..., venue=..., year=...) (from deblurbench import Paper)"),
    Rule("paper.title", _text, "must be the paper's title"),
    Rule("paper.venue", _text, "must be where it was published, e.g. 'CVPR' or 'arXiv'"),
    Rule("paper.year", _year, f"must be the year of publication as an integer from {FIRST_YEAR}, e.g. 2021"),
    Rule("paper.url", lambda v: v == "" or (isinstance(v, str) and v.startswith("https://")),
         "must be an https:// address or left out"),
    Rule("repo", lambda v: isinstance(v, str) and REPO.fullmatch(v) is not None,
         "must be the official code's GitHub repository as 'owner/name'"),
    Rule("commit", lambda v: isinstance(v, str) and COMMIT.fullmatch(v) is not None,
         "must be the 40-hex commit of the official code"),
    Rule("interface", _interface,
         "must be ImageInterface(scale=..., shift=..., output=...) with a finite non-zero scale, a finite "
         "shift and output None or an index (from deblurbench import ImageInterface)"),
    Rule("multiple", _positive_int, "must be an integer >= 1: the multiple H and W must be (1: any size)"),
    Rule("min_size", _positive_int, "must be an integer >= 1: the smallest H and W the network takes"),
    Rule("test_mode", lambda v: v in TEST_MODES, f"must be one of {', '.join(TEST_MODES)}"),
    Rule("fidelity", lambda v: v in FIDELITIES, f"must be one of {', '.join(FIDELITIES)}"),
    Rule("checkpoint_kind", lambda v: v in CHECKPOINT_KINDS, f"must be one of {', '.join(CHECKPOINT_KINDS)}"),
    Rule("checkpoint_reader", lambda v: v is None or callable(v), "must be a function (path -> state dict) or None"),
    Rule("weights", lambda v: isinstance(v, Mapping) and all(_text(k) and _text(f) for k, f in v.items()),
         "must map each shipped tag to its file name under deblurbench/weights/"),
)  # fmt: skip


def _value(spec: Any, dotted: str) -> Any:
    value = spec
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _model(name: Any) -> str:
    return f"model {name!r}"


def check_fields(spec: ModelSpec, source: str) -> None:
    """Every field rule of :data:`FIELD_RULES`, then the size rule; the first problem as a :class:`ModelSpecError`."""
    for rule in FIELD_RULES:
        if rule.field.startswith("paper.") and not _paper(spec.paper):
            continue  # the paper rule has said it
        value = _value(spec, rule.field)
        if not rule.ok(value):
            raise ModelSpecError(
                source, f"{_model(spec.name)}: field {rule.field!r} {rule.write}, got {value!r}"
            )
    multiple, min_size = spec.multiple, spec.min_size
    if min_size > multiple and min_size % multiple:
        smallest = spec.smallest_side()
        raise ModelSpecError(
            source,
            f"{_model(spec.name)}: field 'min_size' is {min_size} with multiple={multiple}, so the smallest "
            f"side accepted is {smallest}; write min_size={smallest} (a multiple of multiple) or {multiple}",
        )


def build_spec(spec_type: type, values: Mapping[str, Any], source: str) -> ModelSpec:
    """``ModelSpec(**values)``, an unknown or missing field being one :class:`ModelSpecError` line."""
    known = {f.name: f for f in fields(spec_type)}
    name = values.get("name")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ModelSpecError(
            source,
            f"{_model(name)}: no field {unknown[0]!r}; ModelSpec's fields are {', '.join(known)}",
        )
    required = [n for n, f in known.items() if f.default is MISSING and f.default_factory is MISSING]
    missing = [n for n in required if n not in values]
    if missing:
        rule = next((r for r in FIELD_RULES if r.field == missing[0]), None)
        write = f": it {rule.write}" if rule else ""
        raise ModelSpecError(source, f"{_model(name)}: field {missing[0]!r} is required{write}")
    return spec_type(**values)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _build(factory: Callable[..., nn.Module], device: str) -> nn.Module:
    with torch.device(device):
        model = factory()
    if not isinstance(model, nn.Module):
        raise ModelSpecError("", f"its factory returned {type(model).__name__}, not a torch.nn.Module")
    return model


def _run(spec: ModelSpec, model: nn.Module, device: str) -> Any:
    side = spec.smallest_side()
    model.train(spec.test_mode == "train")
    x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        return spec.interface(model, x)


def _one_forward(spec: ModelSpec, factory: Callable[..., nn.Module]) -> Any:
    """Built on the meta device (no memory, no initialisation); run there when it is large, for real
    on the tiny input when it is small (:data:`REAL_FORWARD_MAX_PARAMS`) or the meta device cannot run
    it (data-dependent code)."""
    try:
        probe = _build(factory, "meta")
    except ModelSpecError:
        raise
    except Exception:  # a factory that needs real tensors (e.g. it fills a buffer from numpy)
        probe = None
    params = sum(p.numel() for p in probe.parameters()) if probe is not None else 0
    small = params <= REAL_FORWARD_MAX_PARAMS and params * spec.smallest_side() ** 2 <= REAL_FORWARD_MAX_MACS
    if probe is not None and not small:
        try:
            return _run(spec, probe, "meta")
        except OutputPickError:
            raise
        except Exception:
            pass
    return _run(spec, _build(factory, "cpu"), "cpu")


def check_forward(spec: ModelSpec, factory: Callable[..., nn.Module], source: str) -> None:
    """One forward through the spec's interface and output pick on the smallest input it accepts.

    The result must be a float image of the input's shape; a pick that does not fit what the
    network returns says what to write.
    """
    side = spec.smallest_side()
    where = f"{_model(spec.name)}: "
    size = f"{side}x{side} (the smallest size multiple={spec.multiple} and min_size={spec.min_size} accept)"
    try:
        result = _one_forward(spec, factory)
    except OutputPickError as exc:
        raise ModelSpecError(source, f"{where}field 'interface': {exc}") from None
    except ModelSpecError as exc:
        raise ModelSpecError(source, f"{where}{exc.detail}") from None
    except Exception as exc:
        raise ModelSpecError(
            source,
            f"{where}fields 'multiple' and 'min_size': one forward at {size} failed ({_first_line(exc)}); "
            "set them to the sizes the network takes, and check that its factory builds it with no arguments",
        ) from None
    expected = (1, 3, side, side)
    if (
        not isinstance(result, torch.Tensor)
        or tuple(result.shape) != expected
        or not result.is_floating_point()
    ):
        got = tuple(result.shape) if isinstance(result, torch.Tensor) else type(result).__name__
        raise ModelSpecError(
            source,
            f"{where}field 'interface': the picked output is {got} for a {'x'.join(map(str, expected))} "
            "input; the image must have the input's shape: pick the full-resolution output "
            "(ImageInterface(output=...)) or correct multiple and min_size",
        )
