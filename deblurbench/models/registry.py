"""Model registry: one decorator per network, one spec per registered name.

Networks register a factory with :func:`register_model`; the harness knows them
only through :func:`create_model`, :func:`get_spec` and :func:`list_models`.
Third-party packages add networks through the ``deblurbench.models`` entry-point
group: each entry point names a module whose import registers them, or a
function taking no arguments that does. Every spec is checked when it registers
(:mod:`.validation`); a plugin that fails to load is remembered
(:func:`plugin_failures`) and named wherever a missing network would be. Networks
of this package are the built-in ones: what is measured when no network is named
(:func:`list_models` with ``plugins=False``).
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from torch import nn

from ..registry import Registry, UnknownNameError, import_submodules
from .interface import ImageInterface
from .published import OfficialCheckpoint, Paper, Published, Relative
from .validation import ModelSpecError, build_spec, check_fields, check_forward

ENTRY_POINT_GROUP = "deblurbench.models"

# Modules of this package that are infrastructure, not networks. Every other
# module in ``deblurbench/models/`` is a network family, imported (and so
# registered) the first time the registry is read: adding a baseline is one file.
_INFRASTRUCTURE = frozenset(
    {
        "registry",
        "interface",
        "checkpoint",
        "restorer",
        "published",
        "official",
        "identify",
        "spandrel_adapter",
        "validation",
    }
)
_PACKAGE = __name__.partition(".")[0]  # "deblurbench": factories defined in it are the built-in networks


class UnknownModelError(UnknownNameError):
    """Raised for a model name the registry does not hold; says the nearest names."""


@dataclass(frozen=True)
class ModelSpec:
    """Everything the harness needs to call a network the way its authors do.

    ``official_weights`` says which checkpoint files the authors publish and
    where (nothing is downloaded); ``checkpoint_reader`` turns an official
    checkpoint that is not a single torch file (e.g. DMPHN's directory of
    per-module files) into a state dict. ``weights_file`` is the checkpoint an entry made from
    a file (``spandrel:PATH``) is defined by: the weights it is scored with unless others are given.
    """

    name: str
    display_name: str
    paper: Paper
    repo: str
    commit: str
    interface: ImageInterface = field(default_factory=ImageInterface)
    input_convention: str = "RGB in [0, 1]"
    output_pick: str = "the single output tensor"
    multiple: int = 1
    min_size: int = 1
    sizes: str = "any H x W"
    test_mode: str = "eval"
    fidelity: str = "unproven"
    unused_modules: tuple[str, ...] = ()
    weights: Mapping[str, str] = field(default_factory=dict)
    weights_file: str = ""
    official_weights: str = ""
    checkpoint_reader: Callable[[Path], Mapping[str, Any]] | None = None
    checkpoint_kind: str = "file"  # "directory" where the official checkpoint is a folder of files
    published: tuple[Published, ...] = ()
    relative: tuple[Relative, ...] = ()  # comparisons with other networks the sources print
    checkpoints: tuple[OfficialCheckpoint, ...] = ()
    real_frame: str = (
        ""  # what running the official checkpoint on a real frame showed (tests/test_real_data.py)
    )
    notes: str = ""
    family: str = ""  # networks of one family are not compared with each other; default: the name

    def __post_init__(self) -> None:
        if isinstance(self.family, str) and not self.family.strip() and isinstance(self.name, str):
            object.__setattr__(self, "family", self.name)

    def smallest_side(self) -> int:
        """The smallest side the spec accepts: min_size rounded up to the multiple."""
        return -(-max(self.min_size, self.multiple) // self.multiple) * self.multiple

    def figures(self) -> tuple[Published, ...]:
        """Every published figure (the ``published`` records)."""
        return self.published

    def accepts(self, height: int, width: int) -> bool:
        """Whether the bare network accepts an input of this size without padding."""
        return (
            height >= self.min_size
            and width >= self.min_size
            and height % self.multiple == 0
            and width % self.multiple == 0
        )


ModelFactory = Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelEntry:
    """What the network registry holds per name: the spec, the factory that builds the module, and
    where it was registered (``origin``: a module of this package, a plugin entry point, a module)."""

    spec: ModelSpec
    factory: ModelFactory
    origin: str = ""
    builtin: bool = False  # register_model says; an entry a resolver makes (spandrel:PATH) is not


@dataclass(frozen=True)
class PluginFailure:
    """A ``deblurbench.models`` entry point that failed to load: which, its module, the error's one line."""

    entry_point: str
    module: str
    error: str

    def __str__(self) -> str:
        return f"plugin entry point {self.entry_point!r} ({self.module}) failed to load: {self.error}"


_FAILURES: list[PluginFailure] = []
_loading: list[str] = []  # the plugin entry point being loaded (its registrations are attributed to it)


def _load_networks() -> None:
    import_submodules(__package__, _INFRASTRUCTURE)
    _load_entry_points()


def _failure_note() -> str:
    return "".join(f"; {failure}" for failure in _FAILURES)


# "module:function" turning a name the registry does not hold into an entry (None: not its name),
# imported when such a name is looked up: ``spandrel:PATH`` (the optional spandrel extra).
RESOLVERS = ("deblurbench.models.spandrel_adapter:resolve",)


def _resolve_external(name: str) -> ModelEntry | None:
    """The first resolver's entry for ``name``, or None when no resolver knows it."""
    for target in RESOLVERS:
        module, _, function = target.partition(":")
        entry = getattr(importlib.import_module(module), function)(name)
        if entry is not None:
            return entry
    return None


MODELS: Registry[ModelEntry] = Registry(
    "model",
    listing="run 'deblurbench models' to list the {count} registered models",
    error=UnknownModelError,
    loader=_load_networks,
    resolver=_resolve_external,
    note=_failure_note,
)


def register_model(
    spec: ModelSpec | None = None, /, **spec_fields: Any
) -> Callable[[ModelFactory], ModelFactory]:
    """Register a network factory under its function name (timm style).

    Give either a complete :class:`ModelSpec` or its fields as keywords; the
    ``name`` defaults to the decorated function's name. The spec is checked here
    (:mod:`.validation`): a bad field is a one-line :class:`ModelSpecError`; a network
    from outside this package is also run once on the smallest input its spec accepts.
    """

    def decorator(factory: ModelFactory) -> ModelFactory:
        module = getattr(factory, "__module__", None) or "?"
        builtin = not _loading and module.partition(".")[0] == _PACKAGE
        source = _loading[-1] if _loading else module
        if spec is not None:
            if spec_fields:
                raise TypeError("register_model takes a ModelSpec or its fields, not both")
            model_spec = spec
        else:
            model_spec = build_spec(ModelSpec, {"name": factory.__name__, **spec_fields}, source)
        check_fields(model_spec, source)
        known = MODELS._entries.get(model_spec.name)
        if known is not None and known.factory is not factory:
            raise ModelSpecError(
                source,
                f"model {model_spec.name!r} is already registered (by {known.origin}); choose another name",
            )
        if not builtin:
            check_forward(model_spec, factory, source)
        MODELS.add(model_spec.name, ModelEntry(model_spec, factory, source, builtin), replace=True)
        return factory

    return decorator


@contextmanager
def _attributed_to(source: str) -> Iterator[None]:
    _loading.append(source)
    try:
        yield
    finally:
        _loading.pop()


def _load_entry_points() -> None:
    """Load each plugin; one that fails leaves none of its networks and is remembered with its error."""
    _FAILURES.clear()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        before = set(MODELS._entries)
        try:
            with _attributed_to(f"plugin entry point {entry_point.name!r} ({entry_point.value})"):
                loaded = entry_point.load()
                if callable(loaded):  # a ``register()`` hook rather than a module
                    loaded()
        except Exception as exc:  # a broken plugin must not take the registry down
            for name in set(MODELS._entries) - before:  # half a plugin: a retry must register it afresh
                MODELS.remove(name)
            error = exc.detail if isinstance(exc, ModelSpecError) else _one_line(exc)
            failure = PluginFailure(entry_point.name, entry_point.value, error)
            _FAILURES.append(failure)
            warnings.warn(f"deblurbench: {failure}", stacklevel=2)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def reload_plugins() -> None:
    """Scan the ``deblurbench.models`` entry points again (after installing a plugin)."""
    if MODELS._loaded:
        _load_entry_points()
    else:
        MODELS.names()  # the first load scans them


def plugin_failures() -> tuple[PluginFailure, ...]:
    """The plugin entry points that failed to load at the last scan, each with its error."""
    MODELS.names()
    return tuple(_FAILURES)


def list_models(plugins: bool = True) -> list[str]:
    """Registered model names, sorted; ``plugins=False``: the built-in networks only (this
    package's), which is what a command measures when no network is named."""
    return [n for n in MODELS.names() if plugins or MODELS._entries[n].builtin]


def model_origin(name: str) -> str:
    """Where ``name`` was registered: "built-in", a plugin entry point, or the registering module
    ("resolved from its name" for an entry a resolver makes, e.g. ``spandrel:PATH``)."""
    entry = MODELS.get(name)
    return "built-in" if entry.builtin else entry.origin or "resolved from its name"


def get_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` registered under ``name``."""
    return MODELS.get(name).spec


# No official deblurring checkpoint comes near this; a larger "checkpoint" is a mistake
# (a disk image, /dev/zero) that would otherwise be hashed and read in full.
MAX_CHECKPOINT_BYTES = 4 * 2**30


def resolve_weights(name: str, weights: str | Path) -> Path:
    """A weights argument (shipped tag or path) -> the checkpoint, its kind, size and readability checked.

    Checked before anything reads it: a regular file (or, for a network whose official
    checkpoint is a directory of per-module files, such a directory), at most
    :data:`MAX_CHECKPOINT_BYTES`, readable. Each failure is one line naming the path.
    """
    spec = get_spec(name)
    tags = ", ".join(sorted(spec.weights)) or "none"
    if isinstance(weights, str) and not weights.strip():
        raise FileNotFoundError(
            f"weights for {name}: empty value; give a checkpoint path or a shipped tag ({tags})"
        )
    if isinstance(weights, str) and weights in spec.weights:
        from importlib import resources

        return Path(str(resources.files("deblurbench") / "weights" / spec.weights[weights]))
    path = Path(weights)
    if not path.exists():
        raise FileNotFoundError(
            f"weights {str(weights)!r} for {name}: no such file and no shipped tag "
            f"(tags for {name}: {tags}); pass a checkpoint path"
        )
    check_checkpoint_path(path, spec)
    return path


def check_checkpoint_path(path: Path, spec: ModelSpec | None = None) -> None:
    """Kind, size and readability of a checkpoint path, before it is read or hashed (a one-line error).

    Without ``spec`` (a file that defines the network, e.g. ``spandrel:PATH``) a single file is expected.
    """
    from .checkpoint import CheckpointError

    if path.is_dir() and (spec is None or spec.checkpoint_kind != "directory"):
        whose = f"{spec.name}'s checkpoints are" if spec is not None else "a checkpoint is"
        raise CheckpointError(f"{path}: is a directory; {whose} single files")
    check_checkpoint_files(path)


def check_checkpoint_files(path: Path) -> None:
    """A checkpoint file, or a folder of them, that is regular, not too large and readable (a one-line error)."""
    from .checkpoint import CheckpointError

    if path.is_dir():
        files = [p for p in sorted(path.iterdir()) if p.is_file()]
    elif path.is_file():
        files = [path]
    else:
        raise CheckpointError(
            f"{path}: not a regular file (a device, pipe or socket); give a checkpoint file"
        )
    size = sum(p.stat().st_size for p in files)
    if size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(
            f"{path}: {size / 2**30:.1f} GiB, larger than any checkpoint ({MAX_CHECKPOINT_BYTES / 2**30:.0f} GiB "
            "at most); is it the right file?"
        )
    unreadable = [p for p in files if not os.access(p, os.R_OK)]
    if unreadable:
        raise CheckpointError(f"{unreadable[0]}: not readable (permission denied); check its permissions")


def create_model(name: str, weights: str | Path | None = None, **overrides: Any) -> nn.Module:
    """Build the bare official network ``name``; load ``weights`` strictly if given.

    ``overrides`` go to the network's constructor (e.g. a width). ``weights`` is a
    checkpoint path in any official format or the tag of weights the package ships.
    """
    model = MODELS.get(name).factory(**overrides)
    if weights is not None:
        load_network_weights(model, name, weights)
    model.eval()
    # A plain attribute: not a parameter or buffer, so the state dict is unchanged.
    model.deblurbench_name = name
    return model


def load_network_weights(model: nn.Module, name: str, weights: str | Path) -> None:
    """Load ``weights`` (a checkpoint path in any official format, or a shipped tag) into ``model``
    (built as network ``name``), strictly: a mismatch lists the missing, unexpected and mis-shaped keys."""
    from .checkpoint import load_state_dict_strict, read_checkpoint

    path = resolve_weights(name, weights)
    reader = get_spec(name).checkpoint_reader or read_checkpoint
    load_state_dict_strict(model, reader(path), source=str(path))
