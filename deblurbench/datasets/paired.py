"""Paired blur/sharp datasets: the common pair type, image decoding, validation, training transforms.

Every dataset yields :class:`Pair` objects: ``blur`` and ``sharp`` as float32 tensors (3, H, W),
RGB in [0, 1], an ``id`` that is the same on every run (``"<scene>/<stem>"`` and the like), and a
``meta`` dict (source paths, scene, and per dataset: ``kernel`` for the synthetic set,
``sharp_frames`` for Köhler). A DataLoader batches them with :func:`collate_pairs`.

Images are decoded with Pillow, not imageio: Pillow is already installed with torchvision and
scikit-image, it reads an image's size and mode from its header without decoding the pixels (so a
dataset validates every file on open in well under a second per thousand images), it reports the
real bit depth of a 16-bit PNG (which imageio's default plugin would silently reduce to 8 bits),
and it refuses truncated files instead of filling them with grey.

Validation happens in two steps. On open, every file's header is read: missing or unpaired
files, blur/sharp size mismatches, greyscale, 16-bit or CMYK images are :class:`DatasetError`
s naming the file. Decoding happens when a pair is read (and for every file in
``deblurbench datasets check``): a corrupt or truncated file is a :class:`DatasetError` then.
An alpha channel or a palette is handled (read as RGB) when the image is opaque, and said once
per dataset with a :class:`DatasetWarning`.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import Dataset

from ..threads import shared_pool

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})

# Modes that need no conversion, modes converted safely (opaque alpha, palette), greyscale modes.
_RGB_MODES = frozenset({"RGB"})
_HANDLED_MODES = frozenset({"RGBA", "P", "RGBa"})
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N"})
_SUFFIX_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}  # what a file's name promises
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error)


class DatasetError(ValueError):
    """A dataset that cannot be used as it is; the message is one line naming the file and what to do."""


class DatasetWarning(UserWarning):
    """Something in a dataset was handled rather than refused (an opaque alpha channel, a palette)."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- pairs and batches


@dataclass
class Pair:
    """One blurred image and its sharp reference: float32 (3, H, W) RGB in [0, 1]."""

    blur: torch.Tensor
    sharp: torch.Tensor
    id: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class PairBatch:
    """Pairs stacked by :func:`collate_pairs`: tensors (B, 3, H, W), ids and metas as lists."""

    blur: torch.Tensor
    sharp: torch.Tensor
    ids: list[str]
    metas: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.ids)


def collate_pairs(pairs: Sequence[Pair]) -> PairBatch:
    """DataLoader ``collate_fn`` for :class:`Pair`: stacks the images, keeps ids and metas as lists.

    Metas are not collated because they differ in shape between pairs (kernels, frame lists).
    """
    sizes = {tuple(p.blur.shape) for p in pairs}
    if len(sizes) > 1:
        first, other = pairs[0], next(p for p in pairs if tuple(p.blur.shape) != tuple(pairs[0].blur.shape))
        raise DatasetError(
            f"cannot batch {first.id} ({_hw(first.blur)}) with {other.id} ({_hw(other.blur)}): "
            "use batch_size=1 or a crop transform (PairTransform(crop=...))"
        )
    return PairBatch(
        blur=torch.stack([p.blur for p in pairs]),
        sharp=torch.stack([p.sharp for p in pairs]),
        ids=[p.id for p in pairs],
        metas=[p.meta for p in pairs],
    )


def _hw(image: torch.Tensor) -> str:
    return f"{image.shape[-2]}x{image.shape[-1]}"


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class ImageHeader:
    """What an image file's header says, read without decoding the pixels."""

    path: Path
    width: int
    height: int
    mode: str
    bits: int
    format: str = ""  # what the bytes are (Pillow's name: PNG, JPEG, ...), whatever the file's suffix
    orientation: int = 1  # its EXIF orientation: 1 upright; anything else is turned upright when read

    @property
    def size(self) -> tuple[int, int]:
        """(H, W) as read: upright (a 90-degree EXIF orientation swaps them)."""
        return (self.width, self.height) if self.orientation in _TRANSPOSED else (self.height, self.width)


_ORIENTATION = 0x0112  # the EXIF orientation tag
_TRANSPOSED = (5, 6, 7, 8)  # orientations that turn the image by 90 degrees


def _orientation(image: Image.Image, decoded: bool = False) -> int:
    """The EXIF orientation (1: as stored). From a PNG's header only until it is decoded: Pillow's
    ``getexif`` on an unloaded PNG without an eXIf chunk before its pixels decodes the whole image
    to look behind them, which doubled the cost of reading every benchmark PNG."""
    if image.format == "PNG" and "exif" not in image.info and not decoded:
        return 1
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # an unreadable EXIF block: the pixels as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _too_large(path: Path, exc: Exception) -> DatasetError:
    """A one-line error for an image over Pillow's pixel limit, and how to raise the limit."""
    return DatasetError(
        f"{path}: {_one_line(exc)} (Pillow's limit: {Image.MAX_IMAGE_PIXELS} pixels); if you trust the "
        "file, raise the limit (PIL.Image.MAX_IMAGE_PIXELS = None in Python) or save a smaller copy"
    )


def _raw_mode(image: Image.Image) -> str:
    # The decoder's raw mode tells a 16-bit RGB PNG (raw "RGB;16B") from an 8-bit one: Pillow
    # reports both as mode "RGB" and reduces the former to 8 bits when it decodes.
    for tile in getattr(image, "tile", None) or ():
        args = tile[3] if len(tile) > 3 else None
        if isinstance(args, tuple) and args:
            args = args[0]
        if isinstance(args, str):
            return args
    return ""


def probe_image(path: str | Path) -> ImageHeader:
    """Size, mode and bit depth of an image file from its header; :class:`DatasetError` if unreadable."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            raw = _raw_mode(image)
            bits = 16 if (";16" in raw or image.mode.startswith("I;16")) else 8
            orientation = _orientation(image)
            return ImageHeader(
                path, image.width, image.height, image.mode, bits, image.format or "", orientation
            )
    except Image.DecompressionBombError as exc:
        raise _too_large(path, exc) from None
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file; restore it from the dataset archive") from None
    except UnidentifiedImageError:
        raise DatasetError(
            f"{path}: not an image Pillow can identify (corrupt or empty file); replace it with a good copy"
        ) from None
    except _DECODE_ERRORS as exc:
        raise DatasetError(
            f"{path}: unreadable header ({_one_line(exc)}); replace it with a good copy"
        ) from None


def header_problem(header: ImageHeader) -> str | None:
    """Why an image cannot be read as 8-bit RGB (one line naming the file), or None."""
    path, mode = header.path, header.mode
    named = _SUFFIX_FORMATS.get(path.suffix.lower())
    if named and header.format and header.format != named:
        return (
            f"{path}: a {header.format} file named {path.suffix}; a benchmark's {named} images must be "
            f"{named} (a lossy re-encoding changes every score): use the original {named} file"
        )
    if header.bits == 16:
        return f"{path}: 16-bit image (mode {mode}); the benchmark reads 8-bit RGB: save an 8-bit RGB copy"
    if mode in _GREY_MODES:
        return f"{path}: greyscale image (mode {mode}); RGB expected: use the colour original or save an RGB copy"
    if mode not in _RGB_MODES and mode not in _HANDLED_MODES:
        return f"{path}: colour mode {mode}; 8-bit RGB expected: save an RGB copy"
    return None


def read_image(path: str | Path) -> torch.Tensor:
    """Decode an 8-bit RGB image (PNG or JPEG) to float32 (3, H, W) in [0, 1].

    An opaque alpha channel is dropped and a palette is expanded; a transparent pixel, greyscale,
    16-bit or other modes, and a corrupt or truncated file are :class:`DatasetError`.
    """
    return to_tensor(read_rgb8(path))


def read_rgb8(path: str | Path) -> np.ndarray:
    """Decode an image to uint8 (H, W, 3) RGB with the checks of :func:`read_image`."""
    path = Path(path)
    header = probe_image(path)
    problem = header_problem(header)
    if problem:
        raise DatasetError(problem)
    try:
        with Image.open(path) as image:
            image.load()
            if (
                _orientation(image, decoded=True) != 1
            ):  # turned upright, as a viewer shows it (blur and sharp alike)
                image = ImageOps.exif_transpose(image)
            if image.mode == "P":
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            elif image.mode == "RGBa":
                image = image.convert("RGBA")
            array = np.asarray(image)
    except Image.DecompressionBombError as exc:
        raise _too_large(path, exc) from None
    except _DECODE_ERRORS as exc:
        raise DatasetError(
            f"{path}: cannot decode ({_one_line(exc)}); replace it with a good copy (re-extract the archive)"
        ) from None
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise DatasetError(f"{path}: decoded to shape {array.shape}, not RGB; save an RGB copy")
    if array.shape[2] == 4:
        if int(array[..., 3].min()) < 255:
            raise DatasetError(
                f"{path}: has transparent pixels (alpha < 255); flatten it onto its background and save as RGB"
            )
        array = array[..., :3]
    return np.ascontiguousarray(array)


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float32 (3, H, W) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))).float().div_(255.0)


def list_images(folder: Path) -> list[Path]:
    """Image files (PNG/JPEG, any case) directly in ``folder``, hidden files skipped, sorted by name."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES
        and not p.name.startswith(".")
        and (p.is_file() or p.is_symlink())
    )  # a link that leads nowhere is listed, so that checking it says so instead of skipping it


def images_by_stem(folder: Path, problems: list[str]) -> dict[str, Path]:
    """:func:`list_images` keyed by file stem; two files with one stem (``a.png``, ``a.jpg``) are a problem."""
    found: dict[str, Path] = {}
    for path in list_images(folder):
        if path.stem in found:
            problems.append(f"{path}: same name as {found[path.stem].name}; keep one of the two files")
            continue
        found[path.stem] = path
    return found


def check_root(name: str, root: str | Path | None, hint: str) -> Path:
    """``root`` as a Path; :class:`DatasetError` if it is not given or not a directory."""
    if root is None:
        raise DatasetError(f"{name}: no root given; pass root=DIR (--root DIR) pointing at {hint}")
    path = Path(root).expanduser()
    if not path.exists():
        raise DatasetError(f"{name}: root {path} does not exist; pass --root pointing at {hint}")
    if not path.is_dir():
        raise DatasetError(f"{name}: root {path} is not a directory; pass --root pointing at {hint}")
    return path


def check_split(name: str, split: str, splits: Sequence[str]) -> str:
    """``split`` if it is one of ``splits``; :class:`DatasetError` naming the allowed ones otherwise."""
    if split not in splits:
        raise DatasetError(f"{name}: unknown split {split!r}; use one of {', '.join(splits)}")
    return split


def missing_folders(folders: Sequence[Path], problems: list[str], advice: str) -> list[Path]:
    """The ``folders`` that are not directories, each also added to ``problems`` as
    ``"<folder>: missing folder; <advice>"`` (the scanners' one wording for it)."""
    missing = [folder for folder in folders if not folder.is_dir()]
    problems.extend(f"{folder}: missing folder; {advice}" for folder in missing)
    return missing


def unpaired(files: dict[str, Path], partners: dict[str, Path], partner_dir: Path, partner: str) -> list[str]:
    """One problem line per file of ``files`` (keyed by stem) with no partner of the same stem, in stem
    order: ``"<file>: unpaired, no <partner_dir>/<stem>.png; restore the <partner> or remove this file"``."""
    return [
        f"{files[stem]}: unpaired, no {partner_dir}/{stem}.png; restore the {partner} or remove this file"
        for stem in sorted(files.keys() - partners.keys())
    ]


# --------------------------------------------------------------------------- index and validation


@dataclass(frozen=True)
class Entry:
    """One pair on disk: its id, the two files, extra sharp frames (Köhler) and metadata."""

    id: str
    blur: Path
    sharp: Path
    meta: dict[str, Any] = field(default_factory=dict)
    frames: tuple[Path, ...] = ()


@dataclass
class Scan:
    """A dataset's index as found on disk, with the problems and notes found while building it."""

    name: str
    root: Path | None
    split: str
    entries: list[Entry]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    groups: dict[str, int] = field(default_factory=dict)
    expected: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    group_label: str = "group"


def validate(scan: Scan, *, decode: bool = False, frames: bool = False) -> Scan:
    """Read every file's header (and decode it if ``decode``); add problems and notes to ``scan``.

    Entries with a problem are dropped from ``scan.entries``. ``frames`` also checks Köhler's
    extra sharp frames (thousands of files), which opening a dataset does not.
    """
    check = _FileCheck(decode)
    good: list[Entry] = []
    for entry in scan.entries:
        entry_problems = _entry_problems(entry, check, frames)
        if entry_problems:
            scan.problems.extend(p for p in dict.fromkeys(entry_problems) if p not in scan.problems)
        else:
            good.append(entry)
    scan.entries = good
    if check.handled:
        scan.notes.append(
            f"{scan.name}: {len(check.handled)} image(s) with an alpha channel or a palette, read as RGB "
            f"(an opaque alpha is dropped; a transparent pixel is an error when read), e.g. {check.handled[0]}"
        )
    scan.notes += [
        f"{path}: EXIF orientation {orientation}: read turned upright, as a viewer shows it"
        for path, orientation in check.rotated
    ]
    return scan


class _FileCheck:
    """``check(path)``: (problem or None, (H, W) or None) of one image file, read once per path (a
    sharp image shared by several pairs); remembers the files read as RGB from an alpha or palette mode."""

    def __init__(self, decode: bool) -> None:
        self.decode = decode
        self.handled: list[Path] = []
        self.rotated: list[tuple[Path, int]] = []  # files with an EXIF orientation, turned upright when read
        self._checked: dict[Path, tuple[str | None, tuple[int, int] | None]] = {}

    def __call__(self, path: Path) -> tuple[str | None, tuple[int, int] | None]:
        if path not in self._checked:
            self._checked[path] = self._check(path)
        return self._checked[path]

    def _check(self, path: Path) -> tuple[str | None, tuple[int, int] | None]:
        try:
            header = probe_image(path)
        except DatasetError as exc:
            return str(exc), None
        problem = header_problem(header)
        if problem is None and header.mode in _HANDLED_MODES:
            self.handled.append(path)
        if problem is None and header.orientation != 1:
            self.rotated.append((path, header.orientation))
        if problem is None and self.decode:
            try:
                read_rgb8(path)
            except DatasetError as exc:
                problem = str(exc)
        return problem, header.size


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (sizes compared first: different sizes cost one stat each)."""
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.samefile(b) or a.read_bytes() == b.read_bytes()


def _entry_problems(entry: Entry, check: _FileCheck, frames: bool) -> list[str]:
    """One pair's problems: its files' own, then each sharp image whose size is not the blurred one's."""
    problems: list[str] = []
    blur_problem, blur_size = check(entry.blur)
    if blur_problem:
        problems.append(blur_problem)
    sharp_paths = [entry.sharp, *(f for f in entry.frames if f != entry.sharp)] if frames else [entry.sharp]
    for sharp in sharp_paths:
        sharp_problem, sharp_size = check(sharp)
        if sharp_problem:
            problems.append(sharp_problem)
        elif check.decode and not blur_problem and same_bytes(entry.blur, sharp):  # both readable
            problems.append(
                f"{entry.blur}: byte-identical to its sharp image {sharp}; not a blur/sharp pair "
                "(its PSNR would be inf): replace the blurred image"
            )
        elif blur_size is not None and sharp_size != blur_size:
            problems.append(
                f"{entry.blur}: size {blur_size[1]}x{blur_size[0]} (WxH) but its sharp image {sharp} is "
                f"{sharp_size[1]}x{sharp_size[0]}; blur and sharp must be the same size (replace the wrong one)"
            )
    return problems


def raise_problems(scan: Scan) -> None:
    """:class:`DatasetError` with the first problem (one line) and how many more there are."""
    if not scan.problems:
        return
    first, more = scan.problems[0], len(scan.problems) - 1
    if more:
        root = f" --root {scan.root}" if scan.root is not None else ""
        first += (
            f" (and {more} more problem{'s' if more > 1 else ''}: run "
            f"'deblurbench datasets check {scan.name}{root}' to list them)"
        )
    raise DatasetError(first)


# --------------------------------------------------------------------------- datasets


def select_positions(
    ids: Sequence[str],
    *,
    limit: int | None = None,
    subset: int | str | Sequence[str] | None = None,
    name: str = "",
) -> list[int]:
    """Positions of the pairs to use: ``subset`` then ``limit``, both deterministic.

    ``subset=N`` takes N pairs evenly spread over the whole (sorted) dataset, so every scene is
    represented; ``subset`` as ids (a sequence, or one comma-separated string) takes exactly those.
    ``limit=N`` keeps the first N of what remains.
    """
    label = f"{name}: " if name else ""
    positions = list(range(len(ids)))
    if subset is not None:
        positions = _subset_positions(ids, subset, label)
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise DatasetError(f"{label}limit={limit!r}: must be a positive integer")
        positions = positions[:limit]
    return positions


def _subset_positions(ids: Sequence[str], subset: int | str | Sequence[str], label: str) -> list[int]:
    """The positions ``subset`` selects: N pairs spread evenly over ``ids``, or the given ids in their order."""
    if isinstance(subset, bool) or not isinstance(subset, (int, str, Sequence)):
        raise DatasetError(f"{label}subset {subset!r}: give a number of pairs or a list of ids")
    if not isinstance(subset, int):
        return _id_positions(ids, subset, label)
    if subset < 1:
        raise DatasetError(f"{label}subset={subset}: must be a positive number of pairs")
    n = len(ids)
    if subset < n:
        return [int((i + 0.5) * n / subset) for i in range(subset)]
    return list(range(n))


def _id_positions(ids: Sequence[str], subset: str | Sequence[str], label: str) -> list[int]:
    """The positions of the ids ``subset`` names (a sequence, or one comma-separated string); all must exist."""
    wanted = [s.strip() for s in subset.split(",")] if isinstance(subset, str) else list(subset)
    wanted = [w for w in wanted if w]
    index = {pair_id: i for i, pair_id in enumerate(ids)}
    unknown = [w for w in wanted if w not in index]
    if unknown:
        example = f"; ids look like {ids[0]!r}" if ids else ""
        more = " ..." if len(unknown) > 3 else ""
        raise DatasetError(f"{label}subset: unknown id(s) {', '.join(map(repr, unknown[:3]))}{more}{example}")
    return [index[w] for w in wanted]


class PairedDataset(Dataset):
    """A map-style dataset of :class:`Pair`: ``len``, indexing, ``ids``, ``name``, ``info``.

    ``limit`` and ``subset`` select pairs deterministically (:func:`select_positions`);
    ``transform`` (e.g. :class:`PairTransform`) is called as ``transform(pair, key)`` with the
    pair's position in the full dataset as ``key``, so random crops do not depend on the order
    or the worker in which pairs are read.
    """

    def __init__(
        self,
        name: str,
        ids: Sequence[str],
        info: dict[str, Any] | None = None,
        *,
        limit: int | None = None,
        subset: int | str | Sequence[str] | None = None,
        transform: Any = None,
    ) -> None:
        self.name = name
        self._all_ids = list(ids)
        self._positions = select_positions(self._all_ids, limit=limit, subset=subset, name=name)
        self.transform = transform
        self._info = dict(info or {})
        self._info.update(name=name, found=len(self._all_ids), limit=limit, subset=subset)

    @property
    def ids(self) -> list[str]:
        """The stable ids of the selected pairs, in order."""
        return [self._all_ids[p] for p in self._positions]

    @property
    def info(self) -> dict[str, Any]:
        """Name, root, split, layout, full-set count, pairs found and selected, options."""
        return {**self._info, "selected": len(self._positions)}

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: int) -> Pair:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"{self.name}: index {index} out of range for {len(self)} pairs")
        position = self._positions[index]
        pair = self._load(position)
        if self.transform is not None:
            pair = self.transform(pair, position)
        return pair

    def __iter__(self) -> Iterator[Pair]:
        for index in range(len(self)):
            yield self[index]

    def set_epoch(self, epoch: int) -> None:
        """Re-seed the training transform for a new epoch (call before creating the DataLoader iterator)."""
        if self.transform is not None and hasattr(self.transform, "epoch"):
            self.transform.epoch = int(epoch)

    def _load(self, position: int) -> Pair:
        raise NotImplementedError

    def __repr__(self) -> str:
        split = self._info.get("split", "")
        return f"<{type(self).__name__} {self.name}/{split}: {len(self)} of {len(self._all_ids)} pairs>"


class FilePairs(PairedDataset):
    """Pairs read from image files listed by a :class:`Scan`."""

    def __init__(self, scan: Scan, info: dict[str, Any], **options: Any) -> None:
        self.entries = list(scan.entries)
        super().__init__(scan.name, [e.id for e in self.entries], info, **options)

    def _load(self, position: int) -> Pair:
        entry = self.entries[position]
        # one thread decodes the sharp image while this one decodes the blurry (2/3 of the time of both in turn)
        sharp_read = shared_pool("decode", 1).submit(read_image, entry.sharp)  # Pillow releases the GIL
        try:
            blur = read_image(entry.blur)
        except BaseException:
            wait([sharp_read])  # the blurry image's error wins, as when read one after the other
            raise
        sharp = sharp_read.result()
        if blur.shape != sharp.shape:
            raise DatasetError(
                f"{entry.blur}: size {_hw(blur)} but its sharp image {entry.sharp} is {_hw(sharp)}; "
                "blur and sharp must be the same size"
            )
        meta = {**entry.meta, "blur_path": str(entry.blur), "sharp_path": str(entry.sharp)}
        return Pair(blur=blur, sharp=sharp, id=entry.id, meta=meta)


def describe_variant(chosen: Mapping[str, tuple[Any, Any]]) -> str:
    """The options that select other pairs than the defaults, as stable text: ``"blur=blur_gamma"``.

    ``chosen`` maps an option to ``(value, default)``; an option at its default is left out, so
    the default variant is ``""``. Scores are stored per variant: two variants never share rows.
    """
    return ",".join(
        f"{k}={v}" for k, (v, default) in sorted(chosen.items()) if v is not None and v != default
    )


def open_scan(
    scan: Scan, info: dict[str, Any], cls: type[FilePairs] = FilePairs, **options: Any
) -> FilePairs:
    """Validate a scan's headers, say what was handled once, raise the problems, build the dataset."""
    validate(scan)
    raise_problems(scan)
    if not scan.entries:
        root = scan.root if scan.root is not None else "the given folders"
        raise DatasetError(f"{scan.name}: no pairs found under {root} for split {scan.split!r}; check --root")
    for note in scan.notes:
        warnings.warn(note, DatasetWarning, stacklevel=3)
    return cls(scan, {**info, "notes": list(scan.notes)}, **options)


# --------------------------------------------------------------------------- training transforms


class PairTransform:
    """Seeded random crop, horizontal flip and rot90, applied identically to blur and sharp.

    Flip and rotation together draw one of the 8 symmetries of the square uniformly. A blur
    kernel in ``meta["kernel"]`` is flipped and rotated with the images so it stays the kernel of
    the pair. The random draw depends only on ``(seed, epoch, key)``: a plain picklable object,
    so DataLoader workers (fork or spawn) give the same pairs as a single process.
    """

    def __init__(
        self,
        crop: int | tuple[int, int] | None = 256,
        *,
        flip: bool = True,
        rot90: bool = True,
        seed: int = 0,
    ) -> None:
        if crop is not None:
            crop = (crop, crop) if isinstance(crop, int) else (int(crop[0]), int(crop[1]))
            if min(crop) < 1:
                raise DatasetError(f"PairTransform: crop {crop} must be positive")
        self.crop = crop
        self.flip = flip
        self.rot90 = rot90
        self.seed = int(seed)
        self.epoch = 0

    def __call__(self, pair: Pair, key: int) -> Pair:
        rng = np.random.default_rng([self.seed, self.epoch, int(key)])
        blur, sharp = pair.blur, pair.sharp
        meta = dict(pair.meta)
        record: dict[str, Any] = {}
        if self.crop is not None:
            height, width = blur.shape[-2:]
            ch, cw = self.crop
            if ch > height or cw > width:
                raise DatasetError(
                    f"{pair.id}: image {height}x{width} is smaller than the crop {ch}x{cw}; use a smaller crop"
                )
            top = int(rng.integers(0, height - ch + 1))
            left = int(rng.integers(0, width - cw + 1))
            blur = blur[..., top : top + ch, left : left + cw]
            sharp = sharp[..., top : top + ch, left : left + cw]
            record["crop"] = (top, left, ch, cw)
        hflip = bool(rng.integers(0, 2)) if self.flip else False
        turns = int(rng.integers(0, 4)) if self.rot90 else 0
        kernel = meta.get("kernel")
        if hflip:
            blur, sharp = blur.flip(-1), sharp.flip(-1)
            if kernel is not None:
                kernel = np.flip(kernel, axis=1)
        if turns:
            blur, sharp = torch.rot90(blur, turns, dims=(-2, -1)), torch.rot90(sharp, turns, dims=(-2, -1))
            if kernel is not None:
                kernel = np.rot90(kernel, turns, axes=(0, 1))
        if kernel is not None:
            meta["kernel"] = np.ascontiguousarray(kernel)
        record.update(hflip=hflip, rot90=turns)
        meta["transform"] = record
        return Pair(blur=blur.contiguous(), sharp=sharp.contiguous(), id=pair.id, meta=meta)

    def __repr__(self) -> str:
        return f"PairTransform(crop={self.crop}, flip={self.flip}, rot90={self.rot90}, seed={self.seed})"
