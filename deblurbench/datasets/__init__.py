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
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import folder, gopro, hide, kohler, realblur, synthetic
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
from .synthetic import SyntheticPairs, motion_kernel, write_gopro

GENERIC_OPTIONS = ("limit", "subset", "transform")


@dataclass(frozen=True)
class DatasetSpec:
    """What the registry knows about a dataset: layout, full-set counts, options, how to open it."""

    name: str
    title: str
    paper: str
    layout: str
    counts: Mapping[str, int]
    splits: tuple[str, ...]
    options: Mapping[str, str] = field(default_factory=dict)
    needs_root: bool = True
    opener: Callable[..., PairedDataset] | None = None
    scanner: Callable[..., Scan] | None = None

    def describe(self) -> dict[str, Any]:
        """Plain values for listings."""
        return {
            "name": self.name,
            "title": self.title,
            "paper": self.paper,
            "splits": list(self.splits),
            "counts": dict(self.counts),
            "layout": self.layout,
            "needs_root": self.needs_root,
            "options": dict(self.options),
        }


_SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="gopro",
            title="GoPro (GOPRO_Large)",
            paper="Nah et al., CVPR 2017",
            layout=gopro.LAYOUT,
            counts=gopro.COUNTS,
            splits=gopro.SPLITS,
            options={"blur": "blur (default) or blur_gamma"},
            opener=gopro.open_gopro,
            scanner=gopro.scan,
        ),
        DatasetSpec(
            name="hide",
            title="HIDE",
            paper="Shen et al., ICCV 2019",
            layout=hide.LAYOUT,
            counts=hide.COUNTS,
            splits=hide.SPLITS,
            options={"part": "all (default), close-ups or long-shot (test split)"},
            opener=hide.open_hide,
            scanner=hide.scan,
        ),
        *(
            DatasetSpec(
                name=name,
                title=f"RealBlur-{letter}",
                paper="Rim et al., ECCV 2020",
                layout=realblur.layout(name),
                counts=realblur.COUNTS,
                splits=realblur.SPLITS,
                options={"list_path": f"the list file if not <root>/{realblur.list_file(name, 'test')}"},
                opener=functools.partial(realblur.open_realblur, name),
                scanner=functools.partial(realblur.scan, name),
            )
            for name, letter in (("realblur_j", "J"), ("realblur_r", "R"))
        ),
        DatasetSpec(
            name="kohler",
            title="Köhler et al. camera-shake benchmark",
            paper="Köhler et al., ECCV 2012",
            layout=kohler.LAYOUT,
            counts=kohler.COUNTS,
            splits=kohler.SPLITS,
            options={"frame": "reference sharp frame: middle (default), first, last or a number"},
            opener=kohler.open_kohler,
            scanner=kohler.scan,
        ),
        DatasetSpec(
            name="folder",
            title="paired folder",
            paper="",
            layout=folder.LAYOUT,
            counts={},
            splits=folder.SPLITS,
            options={"blur": "folder of blurred images", "sharp": "folder of sharp images"},
            opener=folder.open_folder,
            scanner=folder.scan,
        ),
        DatasetSpec(
            name="synthetic",
            title="synthetic camera shake (embedded default)",
            paper="Boracchi & Foi 2012 trajectories, as DeblurGAN",
            layout=synthetic.LAYOUT,
            counts=synthetic.COUNTS,
            splits=synthetic.SPLITS,
            options={
                "seed": "integer (default 0)",
                "noise": "Gaussian sigma in sRGB units (default 0.01)",
                "lengths": "kernel lengths in px (test/tiny) or (min, max) (train)",
                "size": "train crop size (default 256)",
                "num_samples": "train split length (default 20000)",
                "extra_sources": "train only: add bundled colour photos, e.g. grace_hopper (default none)",
            },
            needs_root=False,
            opener=synthetic.open_synthetic,
        ),
    )
}


def list_datasets() -> list[str]:
    """Registered dataset names, in listing order."""
    return list(_SPECS)


def get_dataset_spec(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name``; :class:`DatasetError` with the nearest names otherwise."""
    if name not in _SPECS:
        near = difflib.get_close_matches(str(name), _SPECS, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        raise DatasetError(f"unknown dataset {name!r}: {hint}known: {', '.join(_SPECS)}")
    return _SPECS[name]


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
    assert spec.opener is not None
    return spec.opener(root, split, **opts)


@dataclass
class CheckReport:
    """What :func:`check_dataset` found: counts per group, problems (one line each) and notes."""

    name: str
    root: str | None
    split: str
    expected: int | None
    found: int
    usable: int
    decoded: bool
    groups: dict[str, int]
    problems: list[str]
    notes: list[str]
    options: dict[str, Any]
    group_label: str = "group"

    @property
    def ok(self) -> bool:
        """No problems."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        return {**asdict(self), "ok": self.ok}


def _check_synthetic(split: str, limit: int | None, opts: dict[str, Any]) -> CheckReport:
    dataset = SyntheticPairs(split, limit=limit, **opts)
    problems: list[str] = []
    groups: dict[str, int] = {}
    for pair in dataset:
        kernel = pair.meta["kernel"]
        size = kernel.shape[0]
        rows, cols = np.indices(kernel.shape)
        centre = ((rows * kernel).sum(), (cols * kernel).sum())
        if kernel.min() < 0 or abs(kernel.sum() - 1) > 1e-9 or max(abs(c - size // 2) for c in centre) > 1e-6:
            problems.append(f"{pair.id}: kernel is not non-negative, normalised and centred; report this bug")
        if pair.blur.shape != pair.sharp.shape:
            problems.append(f"{pair.id}: blur and sharp sizes differ; report this bug")
        groups[pair.meta["source"]] = groups.get(pair.meta["source"], 0) + 1
    return CheckReport(
        name="synthetic",
        root=None,
        split=split,
        expected=synthetic.COUNTS[split] if "num_samples" not in opts else opts["num_samples"],
        found=len(dataset),
        usable=len(dataset) - len(problems),
        decoded=True,
        groups=groups,
        problems=problems,
        notes=[],
        options={k: v for k, v in dataset.info.items() if k in ("seed", "noise", "tile", "lengths")},
        group_label="source",
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
    included. A missing root is still a :class:`DatasetError`.
    """
    spec = get_dataset_spec(name)
    _check_options(spec, opts, ())
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise DatasetError(f"{name}: limit={limit!r} must be a positive integer")
    if spec.scanner is None:
        return _check_synthetic(split, limit, opts)
    scan = spec.scanner(root, split, **opts)
    found = len(scan.entries)
    if limit is not None:
        scan.entries = scan.entries[:limit]
    validate(scan, decode=decode, frames=True)
    return CheckReport(
        name=name,
        root=str(scan.root) if scan.root is not None else None,
        split=split,
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


__all__ = [
    "CheckReport",
    "DatasetError",
    "DatasetSpec",
    "DatasetWarning",
    "Pair",
    "PairBatch",
    "PairTransform",
    "PairedDataset",
    "SyntheticPairs",
    "check_dataset",
    "collate_pairs",
    "get_dataset_spec",
    "list_datasets",
    "motion_kernel",
    "open_dataset",
    "read_image",
    "write_gopro",
]
