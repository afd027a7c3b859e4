"""Released outputs: a folder of result images an author published, scored as a method of its own.

Many authors release their restored images rather than their weights. Such a folder is
scored like a network's output (the dataset's protocol, 8-bit, every metric), each image
matched to its pair by the pair's image id: ``<id>.<ext>`` (nested, ``GOPR0384_11_00/000001.png``)
or the id with ``/`` written ``-`` (flat, ``GOPR0384_11_00-000001.png``, as GoPro result
folders name them), ``<ext>`` one of png, jpg, jpeg. An image that is missing, or whose size
is not its sharp image's, fails on its own; the rest are scored.

The rows are keyed ``released:NAME`` (shown as "NAME (released outputs)"), a name no network
or reference method has, and their weights field labels the folder as a per-module checkpoint
folder is labelled (``<folder name>/@sha256[:12]`` of its files' relative names and bytes):
two folders never share rows, and a folder whose images change is scored afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..datasets.paired import IMAGE_SUFFIXES, Pair, read_image
from .labels import weights_label

PREFIX = "released:"  # the method key of released outputs: released:NAME
LABEL = "released outputs"  # what the tables add to NAME
EXAMPLE = "fftformer=results/GoPro"


class OutputsError(ValueError):
    """A released-outputs folder or image that cannot be used; one line naming it and what to do."""


def method_key(name: str) -> str:
    """The model field of released outputs' rows: ``released:NAME``."""
    return f"{PREFIX}{name}"


def is_released(model: object) -> bool:
    """Whether a stored model field names released outputs rather than a network or reference method."""
    return isinstance(model, str) and model.startswith(PREFIX)


def display_name(model: str) -> str:
    """``released:NAME`` -> ``NAME (released outputs)``, the name tables and reports show."""
    return f"{model.removeprefix(PREFIX)} ({LABEL})"


def parse_outputs(text: str) -> tuple[str, str]:
    """``'NAME=DIR'`` -> ``(NAME, DIR)``; an :class:`OutputsError` without ``=`` or with an empty NAME or DIR."""
    name, sep, folder = text.partition("=")
    if not sep:
        raise OutputsError(f"expected NAME=DIR, e.g. {EXAMPLE}")
    if not name.strip():
        raise OutputsError(f"NAME is empty: expected NAME=DIR, e.g. {EXAMPLE}")
    if not folder.strip():
        raise OutputsError(f"DIR is empty: expected NAME=DIR, e.g. {EXAMPLE}")
    return name.strip(), folder.strip()


def index_images(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Every image file under ``folder`` (any depth; hidden ones skipped) by relative path without extension."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts)
        if path.suffix.lower() in IMAGE_SUFFIXES and not hidden and path.is_file():
            found.setdefault(relative.with_suffix("").as_posix(), []).append(path)
    return {stem: tuple(paths) for stem, paths in found.items()}


def check_folder(name: str, folder: str | Path) -> tuple[Path, dict[str, tuple[Path, ...]]]:
    """The folder of ``name``'s result images and its :func:`index_images`; one line if it cannot be used."""
    path = Path(folder).expanduser().resolve()
    if not path.exists():
        raise OutputsError(f"{path} does not exist; give the folder of {name}'s result images")
    if not path.is_dir():
        raise OutputsError(f"{path} is not a directory; give the folder of {name}'s result images")
    images = index_images(path)
    if not images:
        raise OutputsError(
            f"{path} holds no images (png, jpg, jpeg); give the folder of {name}'s result images"
        )
    return path, images


def candidate_names(image_id: str) -> tuple[str, ...]:
    """The names (relative path, no extension) an image id's output may have: nested, then flat."""
    return tuple(dict.fromkeys((image_id, image_id.replace("/", "-"))))


@dataclass(frozen=True)
class ReleasedOutputs:
    """One folder of released result images: NAME, the folder, its label and its images by name."""

    name: str
    folder: Path
    label: str
    images: Mapping[str, tuple[Path, ...]] = field(compare=False, repr=False)

    @property
    def method(self) -> str:
        """The model field of its rows (:func:`method_key`)."""
        return method_key(self.name)

    def matches(self, ids: Sequence[str]) -> bool:
        """Whether any of ``ids`` has an image here (released outputs of that dataset at all)."""
        return any(name in self.images for image_id in ids for name in candidate_names(image_id))

    def find(self, image_id: str) -> Path:
        """The one image of ``image_id``; an :class:`OutputsError` naming the files looked for, or found twice."""
        names = candidate_names(image_id)
        found = [path for name in names for path in self.images.get(name, ())]
        if not found:
            looked = " or ".join(f"{self.folder / name}.png" for name in names)
            raise OutputsError(f"no released output for {image_id}: {looked} (or .jpg, .jpeg) is missing")
        if len(found) > 1:
            raise OutputsError(
                f"{len(found)} released outputs for {image_id} ({', '.join(map(str, found))}); keep one"
            )
        return found[0]

    def read(self, pair: Pair) -> torch.Tensor:
        """The released output of ``pair`` as float32 (3, H, W) in [0, 1], checked to be the sharp image's size."""
        path = self.find(pair.id)
        image = read_image(path)
        if image.shape != pair.sharp.shape:
            sharp = pair.meta.get("sharp_path", f"of {pair.id}")
            raise OutputsError(
                f"{path}: size {_wxh(image)} but the sharp image {sharp} is {_wxh(pair.sharp)}; "
                "a released output must be the size of its sharp image"
            )
        return image


def _wxh(image: torch.Tensor) -> str:
    return f"{image.shape[-1]}x{image.shape[-2]} (WxH)"


def open_outputs(name: str, folder: str | Path) -> ReleasedOutputs:
    """``name``'s released outputs in ``folder``: checked, indexed and labelled (one read of every file)."""
    path, images = check_folder(name, folder)
    return ReleasedOutputs(name, path, weights_label(path), images)
