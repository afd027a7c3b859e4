"""Networks through spandrel: any checkpoint spandrel can load, measured as ``spandrel:PATH``.

spandrel (the optional extra ``deblurbench[spandrel]``, with spandrel-extra-arches) detects an
architecture from a state dict's keys and builds its own implementation of it. The model registry
asks :func:`resolve` for a name it does not hold; a ``spandrel:PATH`` name becomes an entry named
``spandrel:ABSPATH@SHA12`` (the file's content digest), so that the store never takes rows of
another file under the same path for this one. Labelled as spandrel's architecture, never as an
official network: no paper figures, no manifest check. This module imports spandrel only when
such a name is resolved.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint import CheckpointError, load_checkpoint_object, unwrap_state_dict
from .interface import ImageInterface
from .registry import ModelEntry, ModelSpec, Paper, UnknownModelError, check_checkpoint_path

PREFIX = "spandrel:"
INSTALL = "spandrel is not installed: pip install 'deblurbench[spandrel]'"
# What deblurbench benchmarks: same-size restoration of RGB images.
SCALE, CHANNELS = 1, 3
_NAMED = re.compile(r"(?P<path>.+)@(?P<digest>[0-9a-f]{12})")
_CACHE: dict[tuple[str, int, int], ModelEntry] = {}  # (path, mtime_ns, size) -> entry


def is_spandrel(name: object) -> bool:
    """Whether ``name`` asks for a checkpoint loaded through spandrel."""
    return isinstance(name, str) and name.startswith(PREFIX)


@dataclass(frozen=True)
class SpandrelInterface(ImageInterface):
    """spandrel's own call of the network (e.g. MPRNet: the first of its outputs); [0, 1] in and out."""

    call: Callable[[nn.Module, torch.Tensor], Any] = field(default=lambda model, x: model(x), compare=False)

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return self.pick(self.call(model, x))

    def describe(self) -> str:
        return "input x; image = output, as spandrel calls the network"


def resolve(name: str) -> ModelEntry | None:
    """The entry of ``spandrel:PATH`` (or ``spandrel:PATH@SHA12``, checked); None for other names."""
    if not is_spandrel(name):
        return None
    path, digest = _parse(name.removeprefix(PREFIX))
    entry = _entry(path)
    if digest is not None and not entry.spec.name.endswith(f"@{digest}"):
        found = entry.spec.name.rpartition("@")[2]
        raise CheckpointError(
            f"{path}: its content changed (sha256 {found}, the name says {digest}); "
            f"name it {PREFIX}{path} to measure the file as it is now"
        )
    return entry


def _parse(text: str) -> tuple[Path, str | None]:
    """``PATH`` or ``PATH@SHA12`` -> the absolute path and the digest named, if any."""
    if not text.strip():
        raise UnknownModelError(f"{PREFIX!r} needs a checkpoint path, e.g. {PREFIX}nafnet.pth")
    named = _NAMED.fullmatch(text)
    if named and not Path(text).expanduser().exists():
        return Path(named["path"]).expanduser().absolute(), named["digest"]
    return Path(text).expanduser().absolute(), None


def _spandrel() -> Any:
    """spandrel, with spandrel-extra-arches' architectures added when that is installed."""
    with warnings.catch_warnings():  # an architecture module calls torch.jit.script, deprecated by torch
        warnings.filterwarnings("ignore", r".*torch\.jit\.script.*", FutureWarning)
        try:
            import spandrel
        except ImportError:
            raise UnknownModelError(INSTALL) from None
        try:
            import spandrel_extra_arches
        except ImportError:
            return spandrel
    spandrel_extra_arches.install(ignore_duplicates=True)
    return spandrel


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A checkpoint's state dict as spandrel sees it (its key canonicalisation), read safely.

    ``.safetensors`` files through safetensors; anything else through ``torch.load(weights_only=True)``
    (spandrel's own loader unpickles more, so it is not used).
    """
    path = Path(path)
    if path.suffix.lower() == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            obj: object = load_file(path)
        except (SafetensorError, OSError) as exc:
            raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None
    else:
        obj = load_checkpoint_object(path)
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path}: holds a {type(obj).__name__}, not a state dict")
    from spandrel import canonicalize_state_dict

    return unwrap_state_dict(canonicalize_state_dict(dict(obj)), source=str(path))


def _entry(path: Path) -> ModelEntry:
    """The (cached) entry of one checkpoint file; each refusal is one line naming the file."""
    spandrel = _spandrel()
    if not path.exists():
        raise FileNotFoundError(f"{PREFIX}{path}: no such file")
    check_checkpoint_path(path)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        from ..bench.labels import content_digest

        digest = content_digest(path)
        descriptor = _load(spandrel, path)
        spec = _spec(spandrel, descriptor, path, digest)

        def build() -> nn.Module:
            """spandrel's network with the file's weights (a new module each call)."""
            return _load(spandrel, path).model

        _CACHE[key] = ModelEntry(spec, build)
    return _CACHE[key]


def _load(spandrel: Any, path: Path) -> Any:
    """spandrel's model descriptor of the file, checked to be same-size RGB restoration."""
    state = read_state_dict(path)
    try:
        descriptor = spandrel.ModelLoader().load_from_state_dict(state)
    except spandrel.UnsupportedModelError:
        keys = ", ".join(list(state)[:3])
        raise CheckpointError(
            f"{path}: spandrel {spandrel.__version__} recognises no architecture from its keys ({keys}, ...)"
        ) from None
    except Exception as exc:  # a detected architecture whose tensors do not fit it
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise CheckpointError(f"{path}: spandrel cannot load it: {reason}") from None
    _check(spandrel, descriptor, path)
    return descriptor


def _check(spandrel: Any, descriptor: Any, path: Path) -> None:
    """Refuse, in one line, what is not 3-channel same-size image restoration."""
    arch = descriptor.architecture.name
    if not isinstance(descriptor, spandrel.ImageModelDescriptor):
        raise CheckpointError(
            f"{path}: spandrel loads it as {arch} ({descriptor.purpose}), which takes more than an "
            "image; deblurbench benchmarks 3-channel same-size restoration"
        )
    shape = (descriptor.scale, descriptor.input_channels, descriptor.output_channels)
    if shape != (SCALE, CHANNELS, CHANNELS):
        raise CheckpointError(
            f"{path}: spandrel loads it as {arch} with scale {descriptor.scale} and "
            f"{descriptor.input_channels} -> {descriptor.output_channels} channels; deblurbench benchmarks "
            f"{CHANNELS}-channel same-size restoration (scale {SCALE})"
        )
    if descriptor.size_requirements.square:
        raise CheckpointError(
            f"{path}: spandrel's {arch} needs square inputs, which deblurbench's padding does not make"
        )


def _spec(spandrel: Any, descriptor: Any, path: Path, digest: str) -> ModelSpec:
    """A descriptor as a :class:`ModelSpec`: spandrel's implementation, named by the file's content."""
    arch = descriptor.architecture.name
    extra = type(descriptor.model).__module__.startswith("spandrel_extra_arches")
    package = "spandrel-extra-arches" if extra else "spandrel"
    version = _version(package)
    repo = f"https://github.com/chaiNNer-org/spandrel ({package})"
    sizes = descriptor.size_requirements
    multiple, minimum = sizes.multiple_of, max(1, sizes.minimum)
    rule = [f"H, W multiples of {multiple}"] if multiple > 1 else []
    rule += [f"at least {minimum}"] if minimum > 1 else []
    tags = f"; tags {', '.join(descriptor.tags)}" if descriptor.tags else ""
    return ModelSpec(
        name=f"{PREFIX}{path}@{digest}",
        display_name=f"{arch} (spandrel: {path.name}@{digest})",
        paper=Paper(title=f"{arch}, as {package} implements it", venue=f"{package} {version}", year=None),
        repo=repo,
        commit=f"{package} {version} (installed package)",
        interface=SpandrelInterface(call=_call(descriptor)),
        input_convention="RGB in [0, 1] (spandrel's convention)",
        output_pick="the image spandrel's descriptor returns",
        multiple=multiple,
        min_size=minimum,
        sizes=(", ".join(rule) or "any H x W") + " (spandrel's size requirements)",
        fidelity=(
            f"spandrel's implementation of {arch} (detected from the checkpoint's keys{tags}), "
            "not the authors' code; not checked against a reference manifest"
        ),
        weights_file=str(path),
        checkpoint_reader=read_state_dict,
        notes=f"{package} {version}; purpose {descriptor.purpose}; tiling {descriptor.tiling.name.lower()}",
    )


def _call(descriptor: Any) -> Callable[[nn.Module, torch.Tensor], Any]:
    """How spandrel calls the bare network (its descriptor keeps it private: ``_call_fn``)."""
    call = getattr(descriptor, "_call_fn", None)
    if call is None:
        return lambda model, x: model(x)  # the output must then be one tensor (ImageInterface.pick)
    return call


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)
