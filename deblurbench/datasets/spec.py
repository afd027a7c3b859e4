"""The dataset registry: :class:`DatasetSpec`, the scoring protocols, and :func:`register_dataset`.

Every dataset registers itself in its own module of this package, with one decorator on its opener::

    @register_dataset(name="gopro", title=..., paper=..., layout=LAYOUT, counts=COUNTS, splits=SPLITS,
                      options={...}, scanner=scan, protocol="standard")
    def open_gopro(root, split="test", *, blur="blur", **options) -> FilePairs: ...

:data:`DATASETS` imports every module of the package but the infrastructure (this one and
``paired``) the first time it is read, so adding a dataset is one new file and nothing else.
The registry lives here rather than in ``__init__`` so that the dataset modules import it without
an import cycle; ``deblurbench.datasets`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from ..registry import Registry, UnknownNameError, import_submodules
from .paired import DatasetError, PairedDataset, Scan

# How a dataset's results are scored; the implementations are in ``deblurbench.bench``.
# standard: PSNR/SSIM of the output against its sharp image as it is.
# realblur: RealBlur's protocol, the output aligned to its ground truth (ECC) first.
# kohler: Köhler's protocol, the best match among every recorded sharp frame of the shot.
PROTOCOLS = ("standard", "realblur", "kohler")

# Modules of this package that are not datasets; every other one registers datasets on import.
INFRASTRUCTURE = frozenset({"paired", "spec"})

DEFAULT_RANK = 50  # between the benchmarks (10-40) and the generic sources (folder 90, synthetic 95)


class UnknownDatasetError(DatasetError, UnknownNameError):
    """A dataset name the registry does not hold: a :class:`DatasetError`, and a ``KeyError`` like every registry's."""


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


Opener = Callable[..., PairedDataset]  # (root, split, **options) -> the dataset, validated
Scanner = Callable[..., Scan]  # (root, split, **options) -> the index of a copy on disk
Checker = Callable[..., CheckReport]  # (root, split, *, decode, limit, **options) -> the report
OpenerT = TypeVar("OpenerT", bound=Opener)


@dataclass(frozen=True)
class DatasetSpec:
    """What the registry knows about a dataset: layout, full-set counts, options, how to open, check and score it.

    ``protocol`` names how its results are scored (one of :data:`PROTOCOLS`); ``kernels_known``
    says whether each pair's ``meta["kernel"]`` is the true blur kernel. A dataset on disk gives a
    ``scanner`` (``check_dataset`` validates its scan); one that is not files gives a ``checker``.
    ``rank`` orders the listing (lower first, then by name).
    """

    name: str
    title: str
    paper: str
    layout: str
    counts: Mapping[str, int]
    splits: tuple[str, ...]
    options: Mapping[str, str] = field(default_factory=dict)
    needs_root: bool = True
    opener: Opener | None = None
    scanner: Scanner | None = None
    checker: Checker | None = None
    protocol: str = "standard"
    kernels_known: bool = False
    rank: int = DEFAULT_RANK

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"dataset {self.name!r}: protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}"
            )
        if not isinstance(self.kernels_known, bool):
            raise ValueError(f"dataset {self.name!r}: kernels_known must be True or False")
        if self.scanner is None and self.checker is None:
            raise ValueError(f"dataset {self.name!r}: give a scanner (files on disk) or a checker")
        if not set(self.counts) <= set(self.splits):
            raise ValueError(f"dataset {self.name!r}: counts of splits it lacks: {sorted(self.counts)}")

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
            "protocol": self.protocol,
            "kernels_known": self.kernels_known,
        }


def _load_datasets() -> None:
    import_submodules(__package__, INFRASTRUCTURE)


DATASETS: Registry[DatasetSpec] = Registry(
    "dataset", error=UnknownDatasetError, loader=_load_datasets, rank=lambda spec: spec.rank
)


def register_dataset(spec: DatasetSpec | None = None, /, **fields: Any) -> Callable[[OpenerT], OpenerT]:
    """Register the decorated opener as a dataset: give a complete :class:`DatasetSpec` or its fields.

    The opener becomes the spec's ``opener``; ``name`` defaults to the opener's name without ``open_``.
    """
    if spec is not None and fields:
        raise TypeError("register_dataset takes a DatasetSpec or its fields, not both")

    def decorator(opener: OpenerT) -> OpenerT:
        if spec is None:
            made = DatasetSpec(**{"name": opener.__name__.removeprefix("open_"), **fields, "opener": opener})
        else:
            made = replace(spec, opener=opener)
        DATASETS.add(made.name, made)
        return opener

    return decorator
