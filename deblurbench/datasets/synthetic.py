"""Synthetic camera-shake blur: the embedded default dataset, needing no download and no root.

Sharp images are colour photographs bundled with scikit-image, cut into fixed tiles. Each tile is
blurred by its own kernel, rasterised from a random camera-shake trajectory of Boracchi & Foi
(2012, "Modeling the performance of image restoration from motion blur"), the model DeblurGAN
(Kupyn et al., CVPR 2018, ``motion_blur/generate_trajectory.py``) used to make its synthetic
training set: a particle with inertia whose velocity gets a Gaussian perturbation, a pull back
towards the start (centripetal term) and, rarely, an abrupt near-reversal (the shake of pressing
the button), its speed renormalised every step so the path has exactly the requested length.
The anxiety ``expl`` is drawn from DeblurGAN's values, the other parameters as in its code. The
path (2,000 samples, full exposure) is splatted bilinearly onto the pixel grid, centred so the
kernel's centre of mass is exactly its centre pixel (the blur shifts nothing), and normalised.

A pair is made in linear light: the sharp 8-bit sRGB tile is linearised (IEC 61966-2-1), the
source region around the tile (reflected at the image border) is convolved with the kernel
(true convolution, ``blur = sharp * k``, computed by FFT; only the fully-covered "valid" part is
kept, so the blur has no artificial border), re-encoded to sRGB, given Gaussian noise of
``noise`` (default 0.01, about 2.5 grey levels, in sRGB units) and quantised to 8 bits. The sharp
image is the source tile itself. ``meta["kernel"]`` is the float64 kernel (K, K), non-negative,
summing to 1, odd-sized and centred, in that convolution convention; a training transform flips
and rotates it with the images.

Splits (``split=``):

- ``tiny``: 4 pairs of 64x64 (kernel lengths 5-17 px), for tests.
- ``test``: 24 pairs of 256x256 from astronaut (4 tiles), chelsea (1), coffee (2), rocket (2),
  hubble_deep_field (9), immunohistochemistry (4) and the left view of stereo_motorcycle (2):
  each image cut into its largest grid of 256 px tiles, spread evenly; kernel lengths cycle
  through 8, 16, 24 and 32 px. What ``deblurbench run`` evaluates when no dataset is given.
- ``train``: ``num_samples`` (default 20,000) random 256x256 crops (``size=``), each with a kernel of
  random length 4-32 px, generated on the fly from other bundled images: retina and colorwheel
  (colour) and, for variety of texture, the greyscale brick, camera, cell, clock, coins, grass,
  gravel, moon, page and text (as grey RGB; sources smaller than the crop are skipped). None of
  them, nor the right view of stereo_motorcycle, is in the test split. ``extra_sources=
  "grace_hopper"`` adds matplotlib's bundled colour portrait (sample_data/grace_hopper.jpg) to
  them, for more natural colour than the default sources have; it is off by default.

Every random draw comes from ``numpy.random.default_rng`` seeded with ``(seed, split, index)``:
the same seed gives the same bytes in any order of reading and in any DataLoader worker, and a
different seed gives different kernels (and noise, and training crops). The bytes are identical
across machines only with the same scikit-image images, JPEG decoder and numpy version.
``deblurbench synth --out DIR`` writes a split in GoPro layout (``DIR/<split>/<source>/{blur,sharp}/
<index>.png``) plus ``kernel/<index>.npy`` and a ``synthetic_<split>.json`` manifest; pair ids
(``"astronaut/000000"``) are the same as GoPro's loader gives for the written copy.
"""

from __future__ import annotations

import cmath
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from .paired import DatasetError, Pair, PairedDataset, check_split, describe_variant, to_tensor
from .spec import CheckReport, register_dataset

NAME = "synthetic"
SPLITS = ("test", "tiny", "train")
COUNTS = {"test": 24, "tiny": 4, "train": 20000}
TILE = {"test": 256, "tiny": 64, "train": 256}
LENGTHS = {"test": (8.0, 16.0, 24.0, 32.0), "tiny": (5.0, 9.0, 13.0, 17.0)}
TRAIN_LENGTHS = (4.0, 32.0)
NOISE = 0.01
ITERS = 2000
# DeblurGAN's anxiety values (motion_blur/blur_image.py): the probability scale of abrupt shakes.
EXPLS = (0.01, 0.009, 0.008, 0.007, 0.005, 0.003, 0.002, 0.001)
TEST_SOURCES = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "motorcycle_left",
)
TINY_SOURCES = ("astronaut", "chelsea", "coffee", "rocket")
TRAIN_SOURCES = (
    "retina",
    "colorwheel",
    "brick",
    "camera",
    "cell",
    "clock",
    "coins",
    "grass",
    "gravel",
    "moon",
    "page",
    "text",
)
# Opt-in extra training sources (``extra_sources=``): colour photographs shipped with other
# dependencies, so training can see more natural colour than scikit-image's train sources offer.
# Default off, so the default train split (and everything trained on it) stays as it was.
EXTRA_SOURCES = {"grace_hopper": ("matplotlib", "grace_hopper.jpg")}  # name: (package, sample file)
LAYOUT = (
    "built in memory from scikit-image's bundled images; 'deblurbench synth --out DIR' writes GoPro layout"
)
_SPLIT_CODE = {"test": 1, "tiny": 2, "train": 3}
_FLAT_STD = 4.0  # training crops flatter than this (grey levels) are redrawn (retina's black surround)


# --------------------------------------------------------------------------- sources


@functools.cache
def load_source(name: str) -> np.ndarray:
    """A bundled picture (scikit-image's, or an ``EXTRA_SOURCES`` one) as read-only uint8 (H, W, 3).

    Greyscale ones are repeated to RGB.
    """
    try:
        from skimage import data
    except ImportError as exc:  # pragma: no cover - scikit-image is a dependency
        raise DatasetError(
            f"{NAME}: scikit-image is needed for the synthetic dataset ({exc}); install it"
        ) from None
    try:
        if name in EXTRA_SOURCES:
            image = _matplotlib_sample(EXTRA_SOURCES[name][1])
        elif name == "motorcycle_left":
            image = data.stereo_motorcycle()[0]
        else:
            image = getattr(data, name)()
    except Exception as exc:
        package = EXTRA_SOURCES.get(name, ("scikit-image",))[0]
        raise DatasetError(
            f"{NAME}: {package}'s bundled image {name!r} cannot be read ({exc}); reinstall {package}"
        ) from None
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise DatasetError(f"{NAME}: bundled image {name!r} is {image.dtype}, not uint8")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3])
    image.setflags(write=False)
    return image


def _matplotlib_sample(filename: str) -> np.ndarray:
    """A picture from matplotlib's bundled sample data (installed with matplotlib, no download)."""
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data(filename) as handle:
        return np.asarray(Image.open(handle).convert("RGB"))


# --------------------------------------------------------------------------- kernels


def trajectory(
    length: float, rng: np.random.Generator, *, expl: float | None = None, iters: int = ITERS
) -> np.ndarray:
    """A Boracchi & Foi camera-shake path: ``iters`` complex positions (x + iy), total length ``length`` px."""
    if not length >= 0 or not math.isfinite(length):
        raise DatasetError(f"{NAME}: blur length {length!r} must be a finite number >= 0")
    draws = _draw_shake(rng, expl, iters)
    return _walk(draws, length / (iters - 1))


class _ShakeDraws(NamedTuple):
    """Every random number one path uses (drawn by :func:`_draw_shake`, in this order)."""

    centripetal: float  # pull back towards the start
    prob_big_shake: float  # times ``expl``: the chance of an abrupt near-reversal per step
    gaussian_shake: float  # scale of the Gaussian perturbation
    angle: float  # initial direction
    expl: float  # anxiety
    big: list[float]  # per step: uniform draw compared with the big-shake chance
    turn: list[float]  # per step: the big shake's extra turn
    shake: list[complex]  # per step: the Gaussian perturbation


def _draw_shake(rng: np.random.Generator, expl: float | None, iters: int) -> _ShakeDraws:
    """Draw a path's parameters, then its per-step randomness, from ``rng`` (``expl`` only if not given)."""
    centripetal = 0.7 * rng.uniform()
    prob_big_shake = 0.2 * rng.uniform()
    gaussian_shake = 10.0 * rng.uniform()
    angle = 2.0 * math.pi * rng.uniform()
    if expl is None:
        expl = float(rng.choice(EXPLS))
    big = rng.uniform(size=iters - 1).tolist()
    turn = rng.uniform(size=iters - 1).tolist()
    noise = rng.standard_normal((iters - 1, 2))
    shake = (noise[:, 0] + 1j * noise[:, 1]).tolist()
    return _ShakeDraws(centripetal, prob_big_shake, gaussian_shake, angle, expl, big, turn, shake)


def _walk(draws: _ShakeDraws, step: float) -> np.ndarray:
    """Move the particle ``len(draws.big)`` steps of length ``step``: inertia, the Gaussian shake, the
    centripetal pull and the rare big shakes, its speed renormalised every step."""
    centripetal, prob_big_shake, gaussian_shake, angle, expl, big, turn, shake = draws
    direction = cmath.exp(1j * angle)
    velocity = direction * (expl if expl > 0 else 1.0)
    points = [0j] * (len(big) + 1)
    position = 0j
    for t in range(len(big)):
        kick = (
            2.0 * velocity * cmath.exp(1j * (math.pi + turn[t] - 0.5))
            if big[t] < prob_big_shake * expl
            else 0.0
        )
        velocity = velocity + kick + expl * (gaussian_shake * shake[t] - centripetal * position) * step
        speed = abs(velocity)
        velocity = velocity / speed if speed > 0 else direction
        direction = velocity
        velocity = velocity * step
        position = position + velocity
        points[t + 1] = position
    return np.asarray(points, dtype=np.complex128)


def rasterise(points: np.ndarray) -> np.ndarray:
    """Splat a path bilinearly onto the smallest odd square centred on its mean; normalised to sum 1.

    Bilinear weights keep each sample's centre of mass, so the kernel's centre of mass is exactly
    its centre pixel. Row = y (imaginary part), column = x (real part).
    """
    offsets = points - points.mean()
    radius = math.ceil(max(np.abs(offsets.real).max(), np.abs(offsets.imag).max(), 0.0) - 1e-9)
    centre = radius + 1
    size = 2 * centre + 1
    x, y = offsets.real + centre, offsets.imag + centre
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    kernel = np.zeros((size, size), dtype=np.float64)
    np.add.at(kernel, (y0, x0), (1 - fy) * (1 - fx))
    np.add.at(kernel, (y0, x0 + 1), (1 - fy) * fx)
    np.add.at(kernel, (y0 + 1, x0), fy * (1 - fx))
    np.add.at(kernel, (y0 + 1, x0 + 1), fy * fx)
    return kernel / kernel.sum()


def motion_kernel(
    length: float, rng: np.random.Generator, *, expl: float | None = None, iters: int = ITERS
) -> np.ndarray:
    """A normalised, centred camera-shake kernel whose path is ``length`` pixels long."""
    return rasterise(trajectory(length, rng, expl=expl, iters=iters))


# --------------------------------------------------------------------------- blurring


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB decoding of values in [0, 1]."""
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


# sRGB decoding of every 8-bit value: indexing it gives the very numbers srgb_to_linear(v / 255) would
_LINEAR_OF_U8 = srgb_to_linear(np.arange(256, dtype=np.float64) / 255.0)
_LINEAR_OF_U8.setflags(write=False)


def linear_to_srgb(y: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB encoding; ``y`` is clipped to [0, 1] first."""
    y = np.clip(y, 0.0, 1.0)
    return np.where(y <= 0.0031308, 12.92 * y, 1.055 * y ** (1 / 2.4) - 0.055)


def _fast_len(n: int) -> int:
    """The smallest size >= n with no prime factor above 5 (fast for numpy's FFT)."""
    size = n
    while True:
        rest = size
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return size
        size += 1


def convolve_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """True 2-D convolution of (H, W, C) by (k, k), the fully covered part: (H - k + 1, W - k + 1, C)."""
    height, width = image.shape[:2]
    k0, k1 = kernel.shape
    shape = (_fast_len(height + k0 - 1), _fast_len(width + k1 - 1))
    spectrum = np.fft.rfft2(image, s=shape, axes=(0, 1)) * np.fft.rfft2(kernel, s=shape)[..., None]
    full = np.fft.irfft2(spectrum, s=shape, axes=(0, 1))
    return full[k0 - 1 : height, k1 - 1 : width]


def _reflect(index: np.ndarray, n: int) -> np.ndarray:
    period = 2 * (n - 1) if n > 1 else 1
    index = np.abs(index) % period
    return np.where(index >= n, period - index, index)


def blur_tile(
    source: np.ndarray,
    top: int,
    left: int,
    size: int,
    kernel: np.ndarray,
    noise: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(blurred, sharp) uint8 (size, size, 3) for the tile at (top, left) of ``source``, as described above."""
    r = kernel.shape[0] // 2
    rows = _reflect(np.arange(top - r, top + size + r), source.shape[0])
    cols = _reflect(np.arange(left - r, left + size + r), source.shape[1])
    region = source[np.ix_(rows, cols)]
    linear = _LINEAR_OF_U8[region]  # srgb_to_linear(region / 255), by table
    blurred = linear_to_srgb(convolve_valid(linear, kernel))
    if noise > 0:
        blurred = blurred + rng.normal(0.0, noise, size=blurred.shape)
    blurred_u8 = np.round(np.clip(blurred, 0.0, 1.0) * 255.0).astype(np.uint8)
    sharp_u8 = np.ascontiguousarray(source[top : top + size, left : left + size])
    return blurred_u8, sharp_u8


# --------------------------------------------------------------------------- the dataset


@dataclass(frozen=True)
class Tile:
    """Where a sharp tile comes from."""

    source: str
    top: int
    left: int
    size: int


def _spread(extent: int, size: int) -> list[int]:
    count = extent // size
    if count <= 1:
        return [(extent - size) // 2]
    return [round(i * (extent - size) / (count - 1)) for i in range(count)]


def plan_tiles(split: str) -> list[Tile]:
    """The fixed tiles of the ``test`` or ``tiny`` split."""
    size = TILE[split]
    tiles: list[Tile] = []
    if split == "tiny":
        for name in TINY_SOURCES:
            height, width = load_source(name).shape[:2]
            tiles.append(Tile(name, (height - size) // 2, (width - size) // 2, size))
        return tiles
    for name in TEST_SOURCES:
        height, width = load_source(name).shape[:2]
        tiles += [
            Tile(name, top, left, size) for top in _spread(height, size) for left in _spread(width, size)
        ]
    return tiles


def _check_options(
    split: str,
    seed: int,
    noise: float,
    size: int | None,
    num_samples: int | None,
    extra_sources: str | Sequence[str],
) -> Sequence[str]:
    """Refuse bad :class:`SyntheticPairs` options before anything is built; ``extra_sources`` as names."""
    check_split(NAME, split, SPLITS)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"{NAME}: seed={seed!r} must be an integer >= 0")
    if not (isinstance(noise, (int, float)) and 0 <= noise < 1):
        raise DatasetError(f"{NAME}: noise={noise!r} must be a standard deviation in [0, 1)")
    if isinstance(extra_sources, str):
        extra_sources = tuple(n.strip() for n in extra_sources.split(",") if n.strip())
    if split != "train" and (size is not None or num_samples is not None or extra_sources):
        raise DatasetError(f"{NAME}: size=, num_samples= and extra_sources= apply to the train split only")
    for name, value in (("size", size), ("num_samples", num_samples)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
        ):
            raise DatasetError(f"{NAME}: {name}={value!r} must be an integer >= 1 (e.g. --opt {name}=128)")
    unknown = sorted(set(extra_sources) - set(EXTRA_SOURCES))
    if unknown:
        raise DatasetError(
            f"{NAME}: extra_sources={','.join(unknown)} unknown; choose from {', '.join(EXTRA_SOURCES)}"
        )
    return extra_sources


class SyntheticPairs(PairedDataset):
    """Camera-shake pairs generated on demand from scikit-image's images; see the module docstring."""

    def __init__(
        self,
        split: str = "test",
        *,
        seed: int = 0,
        noise: float = NOISE,
        lengths: Sequence[float] | None = None,
        size: int | None = None,
        num_samples: int | None = None,
        extra_sources: str | Sequence[str] = (),
        **options: Any,
    ) -> None:
        extra_sources = _check_options(split, seed, noise, size, num_samples, extra_sources)
        self.split = split
        self.seed = int(seed)
        self.noise = float(noise)
        self.size = int(size) if size is not None else TILE[split]
        if split == "train":
            ids = self._plan_train(lengths, num_samples, extra_sources)
        else:
            ids = self._plan_tiles(lengths)
        info = {
            "split": split,
            "root": None,
            "layout": LAYOUT,
            "expected": len(ids),
            "seed": self.seed,
            "noise": self.noise,
            "tile": self.size,
            "lengths": self.lengths,
            "sources": self.sources,
            "variant": describe_variant(
                {
                    "seed": (self.seed, 0),
                    "noise": (self.noise, NOISE),
                    "lengths": (None if lengths is None else tuple(lengths), None),
                    "size": (size, None),
                    "num_samples": (num_samples, None),
                    "extra_sources": (tuple(extra_sources), ()),
                }
            ),
        }
        self._made: dict[int, Pair] = {}  # test and tiny pairs, kept once generated (about 1.6 MB each)
        super().__init__(NAME, ids, info, **options)

    def _plan_train(
        self, lengths: Sequence[float] | None, num_samples: int | None, extra_sources: Sequence[str]
    ) -> list[str]:
        """Set the train split's length range, sample count and usable sources; return its ids."""
        self.lengths = tuple(float(v) for v in (lengths or TRAIN_LENGTHS))
        if len(self.lengths) != 2 or not 0 <= self.lengths[0] <= self.lengths[1]:
            raise DatasetError(f"{NAME}: train lengths={lengths!r}: give (shortest, longest) in pixels")
        self.num_samples = int(num_samples) if num_samples is not None else COUNTS["train"]
        if self.num_samples < 1 or self.size < 8:
            raise DatasetError(f"{NAME}: num_samples and size must be positive (size >= 8)")
        candidates = TRAIN_SOURCES + tuple(dict.fromkeys(extra_sources))
        self.sources = tuple(n for n in candidates if min(load_source(n).shape[:2]) >= self.size)
        if not self.sources:
            raise DatasetError(
                f"{NAME}: no training source image is as large as size={self.size}; use a smaller size"
            )
        self.tiles: list[Tile] = []
        return [f"random/{i:06d}" for i in range(self.num_samples)]

    def _plan_tiles(self, lengths: Sequence[float] | None) -> list[str]:
        """Set the fixed split's kernel lengths, tiles and sources; return its ids."""
        self.lengths = tuple(float(v) for v in (lengths or LENGTHS[self.split]))
        if not self.lengths or min(self.lengths) < 0:
            raise DatasetError(f"{NAME}: lengths={lengths!r}: give one or more blur lengths >= 0 in pixels")
        self.tiles = plan_tiles(self.split)
        self.sources = tuple(dict.fromkeys(t.source for t in self.tiles))
        return [f"{t.source}/{i:06d}" for i, t in enumerate(self.tiles)]

    def _rngs(self, position: int) -> list[np.random.Generator]:
        sequence = np.random.SeedSequence([self.seed, _SPLIT_CODE[self.split], position])
        return [np.random.default_rng(s) for s in sequence.spawn(3)]

    def generate(self, position: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """(blurred uint8, sharp uint8, meta) of the pair at ``position`` in the full split."""
        kernel_rng, noise_rng, crop_rng = self._rngs(position)
        if self.split == "train":
            source_name = self.sources[int(crop_rng.integers(len(self.sources)))]
            source = load_source(source_name)
            for _ in range(10):  # redraw crops of flat background (bounded, so still deterministic)
                top = int(crop_rng.integers(0, source.shape[0] - self.size + 1))
                left = int(crop_rng.integers(0, source.shape[1] - self.size + 1))
                if source[top : top + self.size, left : left + self.size].std() >= _FLAT_STD:
                    break
            tile = Tile(source_name, top, left, self.size)
            length = float(kernel_rng.uniform(*self.lengths))
        else:
            tile = self.tiles[position]
            source = load_source(tile.source)
            length = self.lengths[position % len(self.lengths)]
        expl = float(kernel_rng.choice(EXPLS))
        kernel = motion_kernel(length, kernel_rng, expl=expl)
        blurred, sharp = blur_tile(source, tile.top, tile.left, tile.size, kernel, self.noise, noise_rng)
        meta = {
            "kernel": kernel,
            "kernel_length": length,
            "expl": expl,
            "source": tile.source,
            "crop": (tile.top, tile.left, tile.size, tile.size),
            "noise": self.noise,
            "seed": self.seed,
            "split": self.split,
            "index": position,
        }
        return blurred, sharp, meta

    def _load(self, position: int) -> Pair:
        if self.split != "train":  # a fixed split is read once per method: generate each pair once
            if position not in self._made:
                self._made[position] = self._generate_pair(position)
            made = self._made[position]  # copies: a caller changing its pair must not change the next one's
            return Pair(made.blur.clone(), made.sharp.clone(), made.id, dict(made.meta))
        return self._generate_pair(position)

    def _generate_pair(self, position: int) -> Pair:
        blurred, sharp, meta = self.generate(position)
        return Pair(blur=to_tensor(blurred), sharp=to_tensor(sharp), id=self._all_ids[position], meta=meta)


def _kernel_is_bad(kernel: np.ndarray) -> bool:
    """Whether ``kernel`` breaks its promise: non-negative, summing to 1, centre of mass on the centre pixel."""
    rows, cols = np.indices(kernel.shape)
    centre = ((rows * kernel).sum(), (cols * kernel).sum())
    off_centre = max(abs(c - kernel.shape[0] // 2) for c in centre)
    return bool(kernel.min() < 0 or abs(kernel.sum() - 1) > 1e-9 or off_centre > 1e-6)


def _pair_problems(pair: Pair) -> list[str]:
    """What is wrong with one generated pair (nothing should be: each problem is a bug)."""
    problems = []
    if _kernel_is_bad(pair.meta["kernel"]):
        problems.append(f"{pair.id}: kernel is not non-negative, normalised and centred; report this bug")
    if pair.blur.shape != pair.sharp.shape:
        problems.append(f"{pair.id}: blur and sharp sizes differ; report this bug")
    return problems


def check_synthetic(
    root: str | Path | None = None,
    split: str = "test",
    *,
    decode: bool = True,
    limit: int | None = None,
    **options: Any,
) -> CheckReport:
    """The spec's checker (there are no files): generate every pair of ``split``, check kernel and sizes.

    ``root`` and ``decode`` are ignored: nothing is read, everything is generated.
    """
    dataset = SyntheticPairs(split, limit=limit, **options)
    problems: list[str] = []
    groups: dict[str, int] = {}
    for pair in dataset:
        problems += _pair_problems(pair)
        groups[pair.meta["source"]] = groups.get(pair.meta["source"], 0) + 1
    return CheckReport(
        name=NAME,
        root=None,
        split=split,
        expected=options.get("num_samples", COUNTS[split]),
        found=len(dataset),
        usable=len(dataset) - len(problems),
        decoded=True,
        groups=groups,
        problems=problems,
        notes=[],
        options={k: v for k, v in dataset.info.items() if k in ("seed", "noise", "tile", "lengths")},
        group_label="source",
    )


@register_dataset(
    name=NAME,
    title="synthetic camera shake (embedded default)",
    paper="Boracchi & Foi 2012 trajectories, as DeblurGAN",
    layout=LAYOUT,
    counts=COUNTS,
    splits=SPLITS,
    options={
        "seed": "integer (default 0)",
        "noise": "Gaussian sigma in sRGB units (default 0.01)",
        "lengths": "kernel lengths in px (test/tiny) or (min, max) (train)",
        "size": "train crop size (default 256)",
        "num_samples": "train split length (default 20000)",
        "extra_sources": "train only: add bundled colour photos, e.g. grace_hopper (default none)",
    },
    needs_root=False,
    checker=check_synthetic,
    protocol="standard",
    kernels_known=True,
    rank=95,
)
def open_synthetic(root: str | Path | None = None, split: str = "test", **options: Any) -> SyntheticPairs:
    """The synthetic split (no root: it is generated, as ``open_dataset`` checks); ``options``: seed, noise, ..."""
    return SyntheticPairs(split, **options)


def write_gopro(dataset: SyntheticPairs, out: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Write ``dataset``'s selected pairs under ``out/<split>`` in GoPro layout, kernels and a manifest.

    Returns the manifest. Refuses a non-empty ``out/<split>`` unless ``overwrite`` (files are then
    replaced, nothing is deleted).
    """
    out = Path(out).expanduser()
    target = out / dataset.split
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise DatasetError(f"{target}: already holds files; choose another --out or pass --overwrite")
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out}: exists and is not a directory; choose another --out")
    records = [_write_pair(dataset, position, target) for position in dataset._positions]
    manifest = _manifest(dataset, records)
    (out / f"synthetic_{dataset.split}.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _write_pair(dataset: SyntheticPairs, position: int, target: Path) -> dict[str, Any]:
    """Generate one pair and write its blurred and sharp PNGs and its kernel; return its manifest record."""
    pair_id = dataset._all_ids[position]
    scene, stem = pair_id.split("/")
    blurred, sharp, meta = dataset.generate(position)
    folders = {kind: target / scene / kind for kind in ("blur", "sharp", "kernel")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(blurred).save(folders["blur"] / f"{stem}.png", format="PNG")
    Image.fromarray(sharp).save(folders["sharp"] / f"{stem}.png", format="PNG")
    np.save(folders["kernel"] / f"{stem}.npy", meta["kernel"])
    return {
        "id": pair_id,
        "source": meta["source"],
        "crop": list(meta["crop"]),
        "kernel_length": meta["kernel_length"],
        "kernel_size": int(meta["kernel"].shape[0]),
        "expl": meta["expl"],
    }


def _manifest(dataset: SyntheticPairs, records: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``synthetic_<split>.json`` says: the generator, the settings, the convention and every pair."""
    from ..version import __version__

    return {
        "generator": f"deblurbench {__version__} (deblurbench.datasets.synthetic)",
        "split": dataset.split,
        "seed": dataset.seed,
        "noise": dataset.noise,
        "tile": dataset.size,
        "layout": f"{dataset.split}/<source>/{{blur,sharp}}/<index>.png, kernel/<index>.npy (float64, sums to 1)",
        "convention": "blur = srgb(conv(linear(sharp), kernel)) + N(0, noise), quantised to 8 bits",
        "pairs": records,
    }
