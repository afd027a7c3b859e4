"""A GoPro-sized evaluation under load: resident memory per image, and time against forward + metrics.

Writes a copy of the GoPro test set's layout (``test/<scene>/{blur,sharp}/<frame>.png``: its
11 scenes with their frame counts, 1,111 pairs of 1280x720 by default), opens it with the
real ``gopro`` dataset opener and runs ``db.evaluate`` over it for each model, with a real
results store (``results.sqlite``, one row written per image, as ``deblurbench evaluate``
does). After each image's row is stored this script reads the process's resident memory
(VmRSS) and then times the reference on the same pair: the method's forward and the
metrics alone, on the pair already decoded (:class:`harness.ForwardAndMetrics`). So the
two alternate image by image and load on the host hits both alike; the decoding for the
reference and the reading of RSS are not counted in either time.

Disk: 1,111 distinct pairs would take several GB. ``--pool`` pairs (default 24) are
generated (scikit-image's bundled pictures, a random 16:9 crop resized to 1280x720,
blurred in linear light by a camera-shake kernel of the synthetic dataset's generator,
sRGB coded, noise 0.01) and every other pair is a hard link to one of them: regular
files in the copy, as the dataset scan sees them, so the full path (scan, PNG decoding,
protocol) runs for every pair; the page cache holds the pool, so the decoding reads no
disk after the first pass. The copy is deleted at the end unless ``--keep``.

Printed per model: RSS at image 50 and at the end, the largest growth after image 50 (MB
and %), the least-squares slope over images 50..N (MB per 100 images); the time per image
of ``db.evaluate`` (from one stored row to the next: decoding, checks, forward, metrics,
store) and of the forward + metrics, over every image but the first (which includes
building the network), and their ratio (goal <= 1.05).

    python benchmarks/gopro_load.py [--pairs 1111] [--models identity,lmfn] [--pool 24] [--keep] [--threads N] [--dir DIR] [--csv FILE]
    python benchmarks/gopro_load.py --summarise FILE    # the figures of a --csv file, also of a run stopped early
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

import deblurbench as db
from deblurbench.bench.records import QualityRecord
from deblurbench.bench.references import is_reference
from deblurbench.bench.store import Store
from deblurbench.datasets import gopro
from deblurbench.datasets.synthetic import (
    EXPLS,
    NOISE,
    TEST_SOURCES,
    convolve_valid,
    linear_to_srgb,
    load_source,
    motion_kernel,
    srgb_to_linear,
)

from harness import ForwardAndMetrics, memory_trend, rss_mb

# The GoPro test set's scenes and their frame counts (GOPRO_Large/test; 1,111 pairs in all)
SCENES = {
    "GOPR0384_11_00": 100,
    "GOPR0384_11_05": 100,
    "GOPR0385_11_01": 100,
    "GOPR0396_11_00": 100,
    "GOPR0410_11_00": 134,
    "GOPR0854_11_00": 100,
    "GOPR0862_11_00": 77,
    "GOPR0868_11_00": 100,
    "GOPR0869_11_00": 100,
    "GOPR0871_11_00": 100,
    "GOPR0881_11_01": 100,
}
HEIGHT, WIDTH = 720, 1280
BLUR_LENGTHS = (8.0, 40.0)  # camera-shake path lengths in pixels, drawn uniformly
TREND_FROM = 50  # memory must stay flat after this many images


def scene_counts(pairs: int) -> dict[str, int]:
    """``pairs`` frames spread over the test scenes in proportion to their real counts (largest remainder)."""
    total = sum(SCENES.values())
    if not len(SCENES) <= pairs <= total:
        raise SystemExit(
            f"gopro_load.py: --pairs {pairs}: give {len(SCENES)} to {total} (one per scene at least)"
        )
    shares = {name: pairs * count / total for name, count in SCENES.items()}
    counts = {name: int(share) for name, share in shares.items()}
    by_remainder = sorted(SCENES, key=lambda name: counts[name] - shares[name])
    for name in by_remainder[: pairs - sum(counts.values())]:
        counts[name] += 1
    return counts


def make_pair(index: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(blurred, sharp) uint8 (720, 1280, 3): a random 16:9 crop of a bundled picture, blurred in linear light."""
    rng = np.random.default_rng([seed, index])
    source = load_source(TEST_SOURCES[index % len(TEST_SOURCES)])
    height, width = source.shape[:2]
    crop_w = int(min(width, height * WIDTH / HEIGHT) * rng.uniform(0.6, 1.0))
    crop_h = round(crop_w * HEIGHT / WIDTH)
    top, left = int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1))
    crop = Image.fromarray(source[top : top + crop_h, left : left + crop_w])
    sharp = np.asarray(crop.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC))
    kernel = motion_kernel(float(rng.uniform(*BLUR_LENGTHS)), rng, expl=float(rng.choice(EXPLS)))
    r = kernel.shape[0] // 2
    padded = np.pad(sharp, ((r, r), (r, r), (0, 0)), mode="reflect")
    blurred = linear_to_srgb(convolve_valid(srgb_to_linear(padded / 255.0), kernel))
    blurred = blurred + rng.normal(0.0, NOISE, size=blurred.shape)
    return np.round(np.clip(blurred, 0.0, 1.0) * 255.0).astype(np.uint8), sharp


def write_copy(root: Path, pairs: int, pool: int) -> None:
    """``root/test/<scene>/{blur,sharp}/<frame>.png``: ``pool`` generated pairs, the others hard links to them."""
    written: list[tuple[Path, Path]] = []
    k = 0
    for scene, count in scene_counts(pairs).items():
        for kind in ("blur", "sharp"):
            (root / "test" / scene / kind).mkdir(parents=True, exist_ok=True)
        for frame in range(1, count + 1):
            blur_png, sharp_png = (
                root / "test" / scene / kind / f"{frame:06d}.png" for kind in ("blur", "sharp")
            )
            if k < pool:
                blurred, sharp = make_pair(k)
                Image.fromarray(blurred).save(blur_png, format="PNG")
                Image.fromarray(sharp).save(sharp_png, format="PNG")
                written.append((blur_png, sharp_png))
            else:
                os.link(written[k % pool][0], blur_png)
                os.link(written[k % pool][1], sharp_png)
            k += 1


CSV_COLUMNS = ("model", "image", "evaluate_s", "forward_s", "metrics_s", "rss_mb")
PROGRESS_EVERY = 100  # images between progress lines


@dataclass
class Readings:
    """One model's readings, one per image in the order scored."""

    evaluate_s: list[float] = field(default_factory=list)
    forward_s: list[float] = field(default_factory=list)
    metrics_s: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def add(self, evaluate_s: float, forward_s: float, metrics_s: float, rss: float) -> None:
        """Append one image's readings."""
        for column, value in zip(
            (self.evaluate_s, self.forward_s, self.metrics_s, self.rss_mb),
            (evaluate_s, forward_s, metrics_s, rss),
            strict=True,
        ):
            column.append(value)


class ProbeStore(Store):
    """A real results store that, after each quality row is written, reads RSS and times the reference.

    The time from one stored row to the next (less the probe's own work) is ``db.evaluate``'s time
    for that image: its decoding, checks, forward, metrics and store write. With ``csv_path`` each
    image's readings are appended there as they are taken, so a run stopped early still has them.
    """

    def __init__(
        self,
        path: Path,
        dataset: db.PairedDataset,
        reference: ForwardAndMetrics,
        model: str,
        csv_path: Path | None,
    ) -> None:
        super().__init__(path)
        self.dataset, self.reference, self.model, self.csv_path = dataset, reference, model, csv_path
        self.index = {image_id: i for i, image_id in enumerate(dataset.ids)}
        self.readings = Readings()
        self.resumed = time.perf_counter()

    def start(self) -> None:
        """Start the clock of the first image (call just before ``db.evaluate``)."""
        self.resumed = time.perf_counter()

    def put(self, records: Any, run_id: int | None = None) -> None:
        super().put(records, run_id)
        if not isinstance(records, QualityRecord):
            return
        evaluate_s = time.perf_counter() - self.resumed
        rss = rss_mb()
        index = self.index[records.image_id]
        pair = self.dataset[index]  # decoded again for the reference, outside both clocks
        forward_s, metrics_s = self.reference.timed(pair, index)
        del pair
        self.readings.add(evaluate_s, forward_s, metrics_s, rss)
        self._record(evaluate_s, forward_s, metrics_s, rss)
        self.resumed = time.perf_counter()

    def _record(self, *values: float) -> None:
        """Append this image's readings to the CSV file; a progress line every ``PROGRESS_EVERY`` images."""
        n = len(self.readings.evaluate_s)
        if self.csv_path is not None:
            with open(self.csv_path, "a", newline="") as handle:
                writer = csv.writer(handle)
                if handle.tell() == 0:
                    writer.writerow(CSV_COLUMNS)
                writer.writerow([self.model, n, *(f"{v:.6f}" for v in values)])
        if n % PROGRESS_EVERY == 0:
            r = self.readings
            ratio = sum(r.evaluate_s[1:]) / (sum(r.forward_s[1:]) + sum(r.metrics_s[1:]))
            print(
                f"  {self.model}: {n} images, RSS {values[-1]:.0f} MB, ratio so far {ratio:.3f}", flush=True
            )


def summarise(model: str, readings: Readings) -> None:
    """Print the memory trend after image ``TREND_FROM`` and the time per image against the reference."""
    n = len(readings.evaluate_s)
    if n < TREND_FROM + 2:
        print(f"  fewer than {TREND_FROM + 2} images: no memory trend")
    else:
        trend = memory_trend(readings.rss_mb, TREND_FROM - 1)  # the reading after image 50 (0-based 49)
        print(
            f"  RSS: {readings.rss_mb[0]:.0f} MB after image 1, {trend.at_start_mb:.0f} MB at image {TREND_FROM}, "
            f"{trend.at_end_mb:.0f} MB at image {n}; max growth after image {TREND_FROM}: "
            f"{trend.max_growth_mb:+.1f} MB ({trend.max_growth_pct:+.2f}%), "
            f"slope {trend.slope_mb_per_100:+.2f} ± {trend.slope_2se_mb_per_100:.2f} (2 s.e.) MB per 100 images (least squares, images {TREND_FROM}..{n})"
        )
    if n < 2:
        print("  fewer than 2 images: no time per image (the first one includes building the network)")
        return
    steady = slice(1, None)  # the first image's time includes building the network
    evaluate_ms = 1e3 * statistics.fmean(readings.evaluate_s[steady])
    forward_ms = 1e3 * statistics.fmean(readings.forward_s[steady])
    metrics_ms = 1e3 * statistics.fmean(readings.metrics_s[steady])
    reference_ms = forward_ms + metrics_ms
    per_image = [
        e / (f + m)
        for e, f, m in zip(readings.evaluate_s, readings.forward_s, readings.metrics_s, strict=True)
    ]
    print(
        f"  time per image (images 2..{n}): db.evaluate {evaluate_ms:.1f} ms; forward {forward_ms:.1f} + "
        f"metrics {metrics_ms:.1f} = {reference_ms:.1f} ms"
    )
    print(
        f"  ratio evaluate / (forward + metrics): {evaluate_ms / reference_ms:.3f} (goal <= 1.05); "
        f"image by image: median {statistics.median(per_image[steady]):.3f}"
    )


def run_model(model: str, dataset: db.PairedDataset, out: Path, args: argparse.Namespace) -> None:
    """Evaluate ``model`` over ``dataset`` with the probe and print its figures."""
    weights = None if is_reference(model) else args.weights
    reference = ForwardAndMetrics.build(model, dataset, weights=weights)
    probe = ProbeStore(out / f"{model}.sqlite", dataset, reference, model, args.csv)
    print(f"\n{model} (weights: {weights or '-'}): RSS {rss_mb():.0f} MB before", flush=True)
    probe.start()
    started = time.perf_counter()
    frame = db.evaluate(model, dataset, weights=weights, store=probe, progress=args.progress)
    wall = time.perf_counter() - started
    probe.close()
    failures = frame.attrs["failures"]
    print(f"  {len(probe.readings.evaluate_s)} images scored, {len(failures)} failed, wall {wall:.0f} s")
    if failures:
        print(f"  first failure: {failures[0]}")
    summarise(model, probe.readings)


def summarise_csv(path: Path) -> None:
    """Print the figures of every model in a ``--csv`` file (also of a run stopped early)."""
    by_model: dict[str, Readings] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            readings = by_model.setdefault(row["model"], Readings())
            readings.add(*(float(row[c]) for c in CSV_COLUMNS[2:]))
    if not by_model:
        raise SystemExit(f"gopro_load.py: --summarise {path}: no readings in it")
    for model, readings in by_model.items():
        print(f"\n{model}: {len(readings.evaluate_s)} images in {path}")
        summarise(model, readings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=sum(SCENES.values()))
    parser.add_argument(
        "--models", default="identity,lmfn", help="comma-separated networks or reference methods"
    )
    parser.add_argument(
        "--weights", default="synthetic", help="the networks' weights (reference methods take none)"
    )
    parser.add_argument(
        "--pool", type=int, default=24, help="distinct generated pairs; the rest are hard links"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated copy and the stores")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write the copy (default: the temp dir)"
    )
    parser.add_argument(
        "--csv", type=Path, default=None, help="append every image's times and RSS to this file"
    )
    parser.add_argument("--progress", action="store_true", help="show db.evaluate's progress bar")
    parser.add_argument(
        "--summarise", type=Path, default=None, help="print the figures of a --csv file and exit"
    )
    args = parser.parse_args()
    if args.summarise is not None:
        summarise_csv(args.summarise)
        return
    if args.pool < 1:
        parser.error(f"--pool {args.pool}: give at least 1")
    torch.set_num_threads(args.threads)
    models = [m.strip() for m in args.models.split(",") if m.strip()]

    work = Path(tempfile.mkdtemp(prefix="gopro_load_", dir=args.dir))
    try:
        started = time.perf_counter()
        write_copy(work / "GOPRO_Large", args.pairs, min(args.pool, args.pairs))
        dataset = db.open_dataset(gopro.NAME, root=work / "GOPRO_Large", split="test")
        print(
            f"{len(dataset)} pairs of {WIDTH}x{HEIGHT} in {len(scene_counts(args.pairs))} scenes at {work} "
            f"({min(args.pool, args.pairs)} generated, the rest hard links; written in {time.perf_counter() - started:.0f} s); "
            f"{args.threads} threads, torch {torch.__version__}, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        for model in models:
            run_model(model, dataset, work, args)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
