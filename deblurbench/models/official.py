"""Official checkpoints in one folder: find each network's by the name its authors publish, verify its hash.

``--weights-dir DIR`` holds the checkpoints as downloaded from the authors (``HINet-GoPro.pth``,
DMPHN's folders ``DMPHN_1_2_4/``, ...): each spec lists its :class:`~deblurbench.models.published.OfficialCheckpoint`
names and, where known, their sha256. :func:`scan_weights_dir` says per network what is found,
missing or mismatched; :func:`official_weights` gives the verified path a network is evaluated with.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .checkpoint import CheckpointError
from .published import OfficialCheckpoint
from .registry import check_checkpoint_path, get_spec, list_models

FOUND, UNVERIFIED, MISSING, MISMATCHED = "found", "found, no hash known", "missing", "mismatched"
BROKEN = "broken link"  # a symlink named like the checkpoint that leads nowhere (a loop, a missing target)
UNLOADABLE = "found, not loadable as released"  # e.g. a TensorFlow folder, to be converted first


@functools.cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a file, computed once per file version (path, size and modification time)."""
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True)
class WeightsEntry:
    """What ``DIR`` holds for one official checkpoint of one network."""

    model: str
    checkpoint: OfficialCheckpoint
    path: Path
    status: str
    detail: str = ""

    def row(self) -> dict[str, str]:
        """Plain values for tables."""
        return {
            "model": self.model,
            "checkpoint": self.checkpoint.name,
            "datasets": ", ".join(self.checkpoint.datasets),
            "status": self.status,
            "path": str(self.path) if self.status != MISSING else "",
            "detail": self.detail,
        }


def _mismatch(path: Path, expected: str) -> str | None:
    found = file_sha256(path)
    if found == expected:
        return None
    return f"{path}: sha256 {found}, expected {expected}: not the official file; replace it, or pass it with --weights"


def _verify(path: Path, checkpoint: OfficialCheckpoint) -> tuple[str, str]:
    """(status, detail) of a present checkpoint: every hash known is compared."""
    if isinstance(checkpoint.sha256, Mapping):
        for name, expected in sorted(checkpoint.sha256.items()):
            if not (path / name).is_file():
                return MISMATCHED, f"{path / name}: missing from the folder (it holds one file per module)"
            problem = _mismatch(path / name, expected)
            if problem:
                return MISMATCHED, problem
        return (FOUND, "") if checkpoint.sha256 else (UNVERIFIED, "")
    if checkpoint.sha256:
        problem = _mismatch(path, checkpoint.sha256)
        return (MISMATCHED, problem) if problem else (FOUND, "")
    return UNVERIFIED, ""


def _broken(path: Path) -> str:
    """What is wrong with a symlink that leads nowhere: a loop, or a target that is not there."""
    try:
        path.resolve(strict=True)
    except (RuntimeError, OSError) as error:  # RuntimeError: a loop before Python 3.13
        if "loop" in str(error).lower() or getattr(error, "errno", None) == 40:
            return f"{path}: a symlink loop; remove it or point it at the checkpoint"
    return f"{path}: a symlink to {os.readlink(path)}, which does not exist; fix or remove the link"


def _entry(model: str, checkpoint: OfficialCheckpoint, weights_dir: Path) -> WeightsEntry:
    path = weights_dir / checkpoint.name.rstrip("/")
    single_file = get_spec(model).checkpoint_kind == "file"
    if checkpoint.is_folder and checkpoint.files and single_file:  # a zip that unpacks to a folder
        path = path / checkpoint.files[0]  # the file inside it that the network loads
    folder = checkpoint.is_folder and not (checkpoint.files and single_file)
    if path.is_symlink() and not path.exists():
        return WeightsEntry(model, checkpoint, path, BROKEN, _broken(path))
    if not (path.is_dir() if folder else path.is_file()):
        return WeightsEntry(model, checkpoint, path, MISSING, f"expected {path}{'/' if folder else ''}")
    if folder and single_file:  # e.g. a TensorFlow folder: there, but nothing this network can load
        why = checkpoint.note or "the file to load inside it is not known"
        return WeightsEntry(model, checkpoint, path, UNLOADABLE, f"{path}/: {why}")
    try:  # a 60 GB sparse file under an official name is refused by its size, never hashed
        check_checkpoint_path(path, get_spec(model))
    except CheckpointError as exc:
        return WeightsEntry(model, checkpoint, path, MISMATCHED, str(exc))
    status, detail = _verify(path, checkpoint)
    return WeightsEntry(model, checkpoint, path, status, detail)


def scan_weights_dir(weights_dir: str | Path, models: Iterable[str] | None = None) -> list[WeightsEntry]:
    """Every official checkpoint of ``models`` (default: the built-in networks): found, found unverified, missing or mismatched."""
    weights_dir = Path(weights_dir).expanduser()
    if not weights_dir.is_dir():
        raise FileNotFoundError(f"--weights-dir {weights_dir}: no such directory")
    if not os.access(weights_dir, os.R_OK | os.X_OK):
        raise CheckpointError(f"--weights-dir {weights_dir}: cannot be read (permission denied)")
    return [
        _entry(model, checkpoint, weights_dir)
        for model in (list_models(plugins=False) if models is None else models)
        for checkpoint in get_spec(model).checkpoints
    ]


def official_weights(model: str, weights_dir: str | Path, dataset: str | None = None) -> Path | None:
    """The verified official checkpoint of ``model`` in ``weights_dir`` for ``dataset``, or None if absent.

    The checkpoint meant for ``dataset`` is preferred, else the network's first (its GoPro model); a
    hash that does not match is a one-line :class:`CheckpointError` naming the file, expected and found.
    """
    entries = [e for e in scan_weights_dir(weights_dir, [model]) if e.status not in (MISSING, UNLOADABLE)]
    entries.sort(key=lambda e: dataset not in e.checkpoint.datasets)
    if not entries:
        return None
    if entries[0].status == MISMATCHED:
        raise CheckpointError(entries[0].detail)
    return entries[0].path
