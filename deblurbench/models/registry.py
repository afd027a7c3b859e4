"""Model registry: one decorator per network, one spec per registered name.

Networks register a factory with :func:`register_model`; the harness knows them
only through :func:`create_model`, :func:`get_spec` and :func:`list_models`.
Third-party packages add networks through the ``deblurbench.models`` entry-point
group: each entry point names a module whose import registers them, or a
function taking no arguments that does.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from torch import nn

from ..registry import Registry, UnknownNameError, import_submodules
from .interface import ImageInterface
from .published import OfficialCheckpoint, Published, Relative

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
    }
)


class UnknownModelError(UnknownNameError):
    """Raised for a model name the registry does not hold; says the nearest names."""


@dataclass(frozen=True)
class Paper:
    """Where a network was published (``year`` None: an implementation, not a publication)."""

    title: str
    venue: str
    year: int | None
    authors: str = ""
    url: str = ""


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
    family: str = ""

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
    """What the network registry holds per name: the spec and the factory that builds the module."""

    spec: ModelSpec
    factory: ModelFactory


def _load_networks() -> None:
    import_submodules(__package__, _INFRASTRUCTURE)
    _load_entry_points()


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
)


def register_model(
    spec: ModelSpec | None = None, /, **spec_fields: Any
) -> Callable[[ModelFactory], ModelFactory]:
    """Register a network factory under its function name (timm style).

    Give either a complete :class:`ModelSpec` or its fields as keywords; the
    ``name`` defaults to the decorated function's name.
    """

    def decorator(factory: ModelFactory) -> ModelFactory:
        if spec is not None:
            if spec_fields:
                raise TypeError("register_model takes a ModelSpec or its fields, not both")
            model_spec = spec
        else:
            model_spec = ModelSpec(**{"name": factory.__name__, **spec_fields})
        known = MODELS._entries.get(model_spec.name)
        if known is not None and known.factory is not factory:
            raise ValueError(f"model {model_spec.name!r} is already registered")
        MODELS.add(model_spec.name, ModelEntry(model_spec, factory), replace=True)
        return factory

    return decorator


def _load_entry_points() -> None:
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
            if callable(loaded):  # a ``register()`` hook rather than a module
                loaded()
        except Exception as exc:  # a broken plugin must not take the registry down
            warnings.warn(
                f"deblurbench: plugin entry point {entry_point.name!r} "
                f"({entry_point.value}) failed to load: {exc}",
                stacklevel=2,
            )


def reload_plugins() -> None:
    """Scan the ``deblurbench.models`` entry points again (after installing a plugin)."""
    MODELS.names()
    _load_entry_points()


def list_models() -> list[str]:
    """Registered model names, sorted."""
    return MODELS.names()


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
    entry = MODELS.get(name)
    model = entry.factory(**overrides)
    if weights is not None:
        from .checkpoint import load_state_dict_strict, read_checkpoint

        path = resolve_weights(name, weights)
        reader = entry.spec.checkpoint_reader or read_checkpoint
        load_state_dict_strict(model, reader(path), source=str(path))
    model.eval()
    # A plain attribute: not a parameter or buffer, so the state dict is unchanged.
    model.deblurbench_name = name
    return model
