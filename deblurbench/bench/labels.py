"""How a method's weights are named in the store: a file's or folder's name (or a shipped tag)
and the sha256 of its content, so that rows scored with other weights are never taken for them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..models.registry import get_spec, list_models, resolve_weights

RANDOM_INIT = "random init"  # the label of a network scored without weights: never taken for trained ones


def weights_label(weights: str | Path | None, model: str | None = None) -> str:
    """How weights are named in the store: '' for none (:data:`RANDOM_INIT` for a registered network
    ``model``), ``file@sha256[:12]``, or ``tag@sha256[:12]``.

    For a registered ``model`` the weights are resolved as ``create_model`` resolves them
    (a shipped tag first, then a path, checked before it is hashed), and a shipped tag is
    qualified by its file's hash too, so that rows scored with one release's weights are
    never taken for another's. Without ``model``, an existing path is hashed, anything else
    stays as given.
    """
    if weights is None:
        return RANDOM_INIT if model in list_models() else ""
    if model in list_models():  # networks only: reference methods ship no weights
        path = resolve_weights(model, weights)
        tag = str(weights) if str(weights) in get_spec(model).weights else None
    else:
        path, tag = Path(weights), None
        if not path.is_file() and not path.is_dir():
            return str(weights)
    name = tag or (f"{path.name}/" if path.is_dir() else path.name)
    return f"{name}@{content_digest(path)}"


def content_digest(path: Path) -> str:
    """sha256[:12] of a checkpoint file, or of a directory's files' relative names and bytes.

    A directory: a per-module checkpoint (DMPHN: one file per module), or released outputs,
    whose images may lie in one sub-folder per scene.
    """
    if not path.is_dir():
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:12]
    digest = hashlib.sha256()
    files = {c.relative_to(path).as_posix(): c for c in path.rglob("*") if c.is_file()}
    for name, child in sorted(files.items()):
        digest.update(name.encode())
        with open(child, "rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]
