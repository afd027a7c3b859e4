"""What authors published about a network, and the official checkpoints they released.

A :class:`Published` record is one figure as it is printed (value, unit, the header it
stands under), with the place it is printed (repository, commit, file, table and row;
an issue; an abstract) and the conditions the source gives (dataset and GoPro variant,
SSIM tool, input size, device, synchronised timing). A figure that one paper gives for
another network (a comparison table) is its own record naming that paper as its
``reporter``. Where sources disagree each figure is kept; nothing here is converted or
reconciled: the claims check does that, and says where units do not fit.

A :class:`Relative` record is a comparison a source prints between the network and another
one ("22.5% of MPRNet's MACs", "40x faster", "fewer parameters than ..."): the claims check
holds it against the same ratio of our own counts.

An :class:`OfficialCheckpoint` is a checkpoint file (or, for networks released as one
file per module, a folder) as the authors publish it: its name, where it is published,
and its sha256 where known, so that ``--weights-dir DIR`` can find and verify it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..ssim import published_tools

# quantity -> the units (magnitude prefixes) a figure of it may be given in
UNITS: Mapping[str, tuple[str, ...]] = {
    "params": ("", "K", "M"),  # a count of parameters
    "model_size": ("MB", "MiB"),  # a size in (mega)bytes, as printed; what it measures is checked
    "macs": ("M", "G", "T"),  # multiply-accumulates
    "flops": ("M", "G", "T"),  # as printed: whether a FLOP is a multiply-add or half of one is unknown
    "runtime": ("s", "ms"),  # per image
    "psnr": ("dB",),
    "ssim": ("",),
}
# what a printed unit means in base units (parameters, MACs, seconds, bytes)
UNIT_FACTOR: Mapping[str, float] = {
    "": 1.0,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "s": 1.0,
    "ms": 1e-3,
    "MB": 1e6,
    "MiB": 2**20,
    "dB": 1.0,
}
DATASETS = ("gopro", "hide", "kohler", "realblur_j", "realblur_r", "dvd", "lai", "reds")
GOPRO_VARIANTS = ("", "blur", "blur_gamma")
SSIM_TOOLS = ("", *published_tools())  # "": the source does not say; the others: :mod:`deblurbench.ssim`


@dataclass(frozen=True)
class Paper:
    """Where a network was published (``year`` None: an implementation, not a publication)."""

    title: str
    venue: str
    year: int | None
    authors: str = ""
    url: str = ""


@dataclass(frozen=True)
class Published:
    """One published figure of a network, as printed, with its source and conditions.

    ``value`` and ``unit`` (one of :data:`UNITS` for the quantity) are the number as
    printed; ``printed`` is the header or text it stands under, verbatim. ``reporter`` is
    empty when the network's own authors publish it, else the source that reports it for
    them (e.g. ``"LFDN (Sensors 2021) Table 3"``), and ``label`` the name it is listed under.
    """

    quantity: str
    value: float
    unit: str
    source: str
    printed: str = ""
    reporter: str = ""
    label: str = ""
    dataset: str = ""
    variant: str = ""  # GoPro: "blur" (linear) or "blur_gamma"; "" when the source does not say
    ssim_tool: str = ""
    size: tuple[int, int] | None = None  # (H, W) of the input a cost or runtime is given for
    device: str = ""
    sync: bool | None = None  # runtime: synchronised (True), asynchronous (False), unstated (None)
    note: str = ""
    headline: bool = False  # the figure the network is known by where its own sources give several

    def __post_init__(self) -> None:
        if self.quantity not in UNITS:
            raise ValueError(f"published quantity {self.quantity!r}: use one of {', '.join(UNITS)}")
        if self.unit not in UNITS[self.quantity]:
            raise ValueError(
                f"published {self.quantity} unit {self.unit!r}: use one of {UNITS[self.quantity]} "
                "(the printed header goes in printed=)"
            )
        if self.dataset and self.dataset not in DATASETS:
            raise ValueError(f"published dataset {self.dataset!r}: use one of {', '.join(DATASETS)}")
        if self.variant not in GOPRO_VARIANTS or (self.variant and self.dataset != "gopro"):
            raise ValueError(f"published variant {self.variant!r}: blur or blur_gamma, for GoPro figures")
        if self.ssim_tool not in SSIM_TOOLS:
            raise ValueError(f"published ssim_tool {self.ssim_tool!r}: use one of {', '.join(SSIM_TOOLS)}")
        if not self.source.strip():
            raise ValueError("a published figure needs its source")

    @property
    def own(self) -> bool:
        """Whether the network's own authors publish it (not a comparison table of another paper)."""
        return not self.reporter


RELATIVE_QUANTITIES = ("params", "macs", "runtime")


@dataclass(frozen=True)
class Relative:
    """A comparison with another network, as printed: this network's value over the other's.

    ``ratio`` is the printed relation as a number (``"22.5% of its MACs"`` -> 0.225, ``"40x
    faster"`` -> 1/40); None where the source only says "fewer" or "less" (the ratio is then
    claimed to be below 1). ``other`` is a registered network name, or the name as printed
    where the compared network is not registered (the claim is then not comparable).
    ``printed`` is the sentence or phrase verbatim; ``reporter`` as for :class:`Published`.
    """

    quantity: str
    other: str
    ratio: float | None
    printed: str
    source: str
    reporter: str = ""
    size: tuple[int, int] | None = None  # (H, W) the comparison is made at, where stated
    note: str = ""

    def __post_init__(self) -> None:
        if self.quantity not in RELATIVE_QUANTITIES:
            raise ValueError(
                f"relative quantity {self.quantity!r}: use one of {', '.join(RELATIVE_QUANTITIES)}"
            )
        if self.ratio is not None and not self.ratio > 0:
            raise ValueError(f"relative ratio {self.ratio!r}: a positive number, or None for 'fewer'")
        if not self.source.strip() or not self.printed.strip():
            raise ValueError("a relative claim needs its printed words and its source")

    @property
    def own(self) -> bool:
        """Whether the network's own authors print it."""
        return not self.reporter


@dataclass(frozen=True)
class OfficialCheckpoint:
    """A checkpoint as its authors publish it: file name (``name/`` for a folder), where, sha256s.

    ``sha256`` is the file's hash, or for a folder a mapping of its files' names to hashes;
    empty where no hash is known. ``datasets`` are those it is evaluated on (a GoPro model
    is also the HIDE model).
    """

    name: str
    where: str
    sha256: str | Mapping[str, str] = ""
    datasets: tuple[str, ...] = ("gopro", "hide")
    note: str = ""
    files: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_folder(self) -> bool:
        """Whether the checkpoint is a folder of files (one per module) rather than one file."""
        return self.name.endswith("/")
