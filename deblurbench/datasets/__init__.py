"""Paired blur/sharp datasets: the standard benchmarks in their released layouts, and a synthetic default.

Nothing is downloaded: point a loader at the copy you have. Every dataset knows its layout and
full-set counts (:func:`get_dataset_spec`) and validates on open, raising a one-line
:class:`DatasetError` that names the file and what to do::

    import deblurbench as db
    db.list_datasets()
    ds = db.open_dataset("gopro", root="~/data/GOPRO_Large", split="test", subset=100)
    pair = ds[0]                       # Pair(blur, sharp, id, meta), float32 (3, H, W) in [0, 1]
    db.open_dataset("synthetic")       # the embedded default: 24 pairs of 256x256, no root
    check_dataset("hide", root="~/data/HIDE_dataset")   # every file decoded, every problem listed

Options every dataset takes: ``limit=N`` (the first N), ``subset=N`` (N spread evenly) or a list
of ids, ``transform=`` (e.g. :class:`PairTransform` for training). Options of one dataset are
listed by ``deblurbench datasets`` and in :data:`DatasetSpec.options`.

Each dataset registers itself in its own module with :func:`register_dataset` (see ``spec.py``);
:data:`DATASETS` imports every module of this package on first read, so adding a dataset is one
new file here. Its spec also names the scoring protocol (``protocol``, one of :data:`PROTOCOLS`)
and whether its pairs carry their true blur kernel (``kernels_known``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .paired import (
    DatasetError,
    DatasetWarning,
    Pair,
    PairBatch,
    PairedDataset,
    PairTransform,
    Scan,
    collate_pairs,
    read_image,
    validate,
)
from .spec import (
    DATASETS,
    PROTOCOLS,
    CheckReport,
    DatasetSpec,
    UnknownDatasetError,
    register_dataset,
)
from .synthetic import SyntheticPairs, motion_kernel, write_gopro

GENERIC_OPTIONS = ("limit", "subset", "transform")


def list_datasets() -> list[str]:
    """Registered dataset names, in listing order (by each spec's ``rank``)."""
    return DATASETS.names()


def get_dataset_spec(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name``; else an :class:`UnknownDatasetError` (a DatasetError) naming the nearest."""
    return DATASETS.get(name)


def _check_options(spec: DatasetSpec, options: Mapping[str, Any], allowed_extra: tuple[str, ...]) -> None:
    unknown = [k for k in options if k not in spec.options and k not in allowed_extra]
    if unknown:
        known = ", ".join([*spec.options, *allowed_extra]) or "none"
        raise DatasetError(f"{spec.name}: unknown option {unknown[0]!r}; options: {known}")


def open_dataset(
    name: str, root: str | Path | None = None, split: str = "test", **opts: Any
) -> PairedDataset:
    """Open dataset ``name`` (``root`` = your copy; none for ``synthetic``), validated on open.

    ``opts``: ``limit``, ``subset``, ``transform`` and the dataset's own options (e.g.
    ``blur="blur_gamma"`` for GoPro, ``part="long-shot"`` for HIDE, ``blur=DIR, sharp=DIR`` for
    ``folder``, ``seed=`` for ``synthetic``).
    """
    spec = get_dataset_spec(name)
    _check_options(spec, opts, GENERIC_OPTIONS)
    _check_root(spec, root)
    assert spec.opener is not None
    return spec.opener(root, split, **opts)


def _check_root(spec: DatasetSpec, root: Any) -> None:
    """A root that is a path, and none for a dataset that is generated (one line each)."""
    if root is None:
        return
    if not spec.needs_root:
        raise DatasetError(
            f"{spec.name}: needs no root (it is generated, not read from disk); drop --root (a copy written "
            f"by 'deblurbench synth' is read as gopro with root={root})"
        )
    if not isinstance(root, (str, os.PathLike)):
        raise DatasetError(f"{spec.name}: root={root!r} is not a path; give the folder of your copy")


def _check_limit(name: str, limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise DatasetError(f"{name}: limit={limit!r} must be a positive integer")


def _check_scan(name: str, scan: Scan, *, decode: bool, limit: int | None) -> CheckReport:
    """Validate the (first ``limit``) entries of a scan of files on disk; every problem listed."""
    found = len(scan.entries)
    if limit is not None:
        scan.entries = scan.entries[:limit]
    validate(scan, decode=decode, frames=True)
    return CheckReport(
        name=name,
        root=str(scan.root) if scan.root is not None else None,
        split=scan.split,
        expected=scan.expected,
        found=found,
        usable=len(scan.entries),
        decoded=decode,
        groups=dict(scan.groups),
        problems=list(scan.problems),
        notes=list(scan.notes),
        options=dict(scan.options),
        group_label=scan.group_label,
    )


def check_dataset(
    name: str,
    root: str | Path | None = None,
    split: str = "test",
    *,
    decode: bool = True,
    limit: int | None = None,
    **opts: Any,
) -> CheckReport:
    """Validate a local copy and list every problem instead of stopping at the first.

    Reads every header and (``decode=True``) decodes every image, Köhler's sharp frames
    included; a dataset that is not files (``synthetic``) is checked by its spec's ``checker``.
    A missing root is still a :class:`DatasetError`.
    """
    spec = get_dataset_spec(name)
    _check_options(spec, opts, ())
    _check_root(spec, root)
    _check_limit(name, limit)
    if spec.checker is not None:
        return spec.checker(root, split, decode=decode, limit=limit, **opts)
    assert spec.scanner is not None  # a spec has a scanner or a checker
    return _check_scan(name, spec.scanner(root, split, **opts), decode=decode, limit=limit)


__all__ = [
    "DATASETS",
    "PROTOCOLS",
    "CheckReport",
    "DatasetError",
    "DatasetSpec",
    "DatasetWarning",
    "Pair",
    "PairBatch",
    "PairTransform",
    "PairedDataset",
    "SyntheticPairs",
    "UnknownDatasetError",
    "check_dataset",
    "collate_pairs",
    "get_dataset_spec",
    "list_datasets",
    "motion_kernel",
    "open_dataset",
    "read_image",
    "register_dataset",
    "write_gopro",
]
