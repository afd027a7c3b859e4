"""Köhler et al. (ECCV 2012, "Recording and Playback of Camera Shake"): real camera-shake benchmark.

4 printed images photographed under 12 recorded camera-shake trajectories: 48 blurred shots.
The ground truth of each shot is not one image but the sequence of sharp frames recorded while a
robot played the trajectory back (199 frames for most shots, 198 or 200 for a few); the
benchmark's protocol scores a result against every frame and keeps the best match.

Distributed as five archives (``BlurryImages.zip`` and ``GroundTruth_pngs_Image{1..4}.zip`` at
people.kyb.tuebingen.mpg.de/rolfk/BenchmarkECCV2012/). Extracted::

    <root>/Blurry<i>_<j>.png                                  i = image 1..4, j = kernel 1..12
    <root>/Image<i>/Kernel<j>/GroundTruth<i>_<j>_<k>.png      k = frame 1..~199

Some copies have every file flattened into ``<root>``; both work, because files are found by
name anywhere under the root. Frame counts that differ from 199, per deepinv's ``Kohler``
dataset: (1,10), (1,12), (2,10), (3,7), (3,12), (4,12): 198; (2,11): 200; a count that differs
from these is reported as a note, not an error. Sources: deepinv ``deepinv/datasets/kohler.py``
(archive names, paths, frame counts).

``Pair.sharp`` is one reference frame, by default the middle one (``frame="middle"``; also
``"first"``, ``"last"`` or a frame number), because the middle of the playback is closest to the
blurred shot's mean position; ``meta["sharp_frames"]`` lists every frame's path in frame order
(paths, not pixels: the 199 frames of one shot are about 1.5 GB as float32), and
:meth:`KohlerPairs.frames` decodes them one at a time for the best-frame protocol. Training
transforms are not applied to ``sharp_frames``. Pair ids are the blurred file's stem, ``"Blurry1_1"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from .paired import (
    DatasetError,
    Entry,
    FilePairs,
    Scan,
    check_root,
    check_split,
    describe_variant,
    open_scan,
    read_image,
)
from .spec import register_dataset

NAME = "kohler"
SPLITS = ("test",)
COUNTS = {"test": 48}
IMAGES, KERNELS = 4, 12
FRAME_COUNTS = {
    (2, 11): 200,
    (1, 10): 198,
    (1, 12): 198,
    (2, 10): 198,
    (3, 7): 198,
    (3, 12): 198,
    (4, 12): 198,
}
DEFAULT_FRAMES = 199
LAYOUT = "<root>/Blurry<i>_<j>.png + <root>/Image<i>/Kernel<j>/GroundTruth<i>_<j>_<k>.png (or flat)"
_BLURRY = re.compile(r"^Blurry(\d+)_(\d+)\.png$", re.IGNORECASE)
_FRAME = re.compile(r"^GroundTruth(\d+)_(\d+)_(\d+)\.png$", re.IGNORECASE)
_ROOT_HINT = "the folder holding Blurry<i>_<j>.png and the GroundTruth frames"


def expected_frames(image: int, kernel: int) -> int:
    """How many sharp frames the benchmark recorded for shot (image, kernel)."""
    return FRAME_COUNTS.get((image, kernel), DEFAULT_FRAMES)


def _pick(frames: list[tuple[int, Path]], frame: str | int) -> tuple[int, Path] | None:
    if frame == "first":
        return frames[0]
    if frame == "last":
        return frames[-1]
    if frame == "middle":
        return frames[(len(frames) - 1) // 2]
    return next((f for f in frames if f[0] == frame), None)


def scan(root: str | Path | None, split: str = "test", *, frame: str | int = "middle") -> Scan:
    """Find the blurred shots and their frames under ``root``; unpaired shots or frames are problems."""
    root = check_root(NAME, root, _ROOT_HINT)
    check_split(NAME, split, SPLITS)
    if frame not in ("first", "middle", "last") and (isinstance(frame, bool) or not isinstance(frame, int)):
        raise DatasetError(f"{NAME}: frame={frame!r}; use first, middle, last or a frame number")
    result = Scan(
        NAME, root, split, [], expected=COUNTS[split], options={"frame": frame}, group_label="image"
    )
    blurry, frames = _find_files(root, result.problems)
    if not blurry and not frames:
        result.problems.append(
            f"{root}: no Blurry<i>_<j>.png or GroundTruth<i>_<j>_<k>.png files; check --root"
        )
    for key in sorted(frames.keys() - blurry.keys()):
        result.problems.append(
            f"{frames[key][0][1]}: frames of shot {key[0]}_{key[1]} but no Blurry{key[0]}_{key[1]}.png; "
            "extract BlurryImages.zip into the root"
        )
    odd_counts = _add_shots(result, blurry, frames, frame)
    if odd_counts:
        path, count, expected = odd_counts[0]
        result.notes.append(
            f"{NAME}: {len(odd_counts)} shot(s) with another number of sharp frames than the benchmark "
            f"recorded (e.g. {path}: {count}, recorded {expected}); best-frame scores may differ"
        )
    return result


_Shot = tuple[int, int]  # (image, kernel)


def _find_files(
    root: Path, problems: list[str]
) -> tuple[dict[_Shot, Path], dict[_Shot, list[tuple[int, Path]]]]:
    """Every blurred shot and every shot's (frame number, path) list, found by name anywhere under ``root``
    (in path order); a second copy of a blurred shot is a problem."""
    blurry: dict[_Shot, Path] = {}
    frames: dict[_Shot, list[tuple[int, Path]]] = {}
    for path in sorted(root.rglob("*.[pP][nN][gG]")):
        if match := _BLURRY.match(path.name):
            key = (int(match.group(1)), int(match.group(2)))
            if key in blurry:
                problems.append(f"{path}: a second copy of {blurry[key]}; keep one")
            else:
                blurry[key] = path
        elif match := _FRAME.match(path.name):
            key = (int(match.group(1)), int(match.group(2)))
            frames.setdefault(key, []).append((int(match.group(3)), path))
    return blurry, frames


def _add_shots(
    result: Scan,
    blurry: dict[_Shot, Path],
    frames: dict[_Shot, list[tuple[int, Path]]],
    frame: str | int,
) -> list[tuple[Path, int, int]]:
    """Add each blurred shot with its reference ``frame`` to ``result``, in shot order; return the shots
    whose frame count is not the recorded one as (path, count, recorded)."""
    odd_counts: list[tuple[Path, int, int]] = []
    for key, path in sorted(blurry.items()):
        shot_frames = sorted(frames.get(key, []))
        if not shot_frames:
            result.problems.append(
                f"{path}: unpaired, no GroundTruth{key[0]}_{key[1]}_<k>.png frames under {result.root}; "
                f"extract GroundTruth_pngs_Image{key[0]}.zip"
            )
            continue
        if len(shot_frames) != expected_frames(*key):
            odd_counts.append((path, len(shot_frames), expected_frames(*key)))
        picked = _pick(shot_frames, frame)
        if picked is None:
            result.problems.append(
                f"{path}: no frame {frame} (frames {shot_frames[0][0]}..{shot_frames[-1][0]})"
            )
            continue
        result.entries.append(_shot_entry(path, key, shot_frames, picked))
        result.groups[f"image{key[0]}"] = result.groups.get(f"image{key[0]}", 0) + 1
    return odd_counts


def _shot_entry(
    path: Path, key: _Shot, shot_frames: list[tuple[int, Path]], picked: tuple[int, Path]
) -> Entry:
    """The pair of blurred shot ``path``: the ``picked`` (number, path) frame as its sharp image, every frame listed."""
    number, reference = picked
    return Entry(
        id=path.stem,
        blur=path,
        sharp=reference,
        frames=tuple(p for _, p in shot_frames),
        meta={
            "image": key[0],
            "kernel": key[1],
            "reference_frame": number,
            "frame_count": len(shot_frames),
            "sharp_frames": tuple(str(p) for _, p in shot_frames),
        },
    )


class KohlerPairs(FilePairs):
    """Köhler pairs; :meth:`frames` reads all the sharp frames of one pair."""

    def frames(self, index: int) -> Iterator[tuple[int, torch.Tensor]]:
        """(frame number, float32 (3, H, W)) for every recorded sharp frame of pair ``index``, decoded lazily."""
        entry = self.entries[self._positions[index]]
        for path in entry.frames:
            match = _FRAME.match(path.name)
            yield (int(match.group(3)) if match else -1), read_image(path)


@register_dataset(
    name=NAME,
    title="Köhler et al. camera-shake benchmark",
    paper="Köhler et al., ECCV 2012",
    layout=LAYOUT,
    counts=COUNTS,
    splits=SPLITS,
    options={"frame": "reference sharp frame: middle (default), first, last or a number"},
    scanner=scan,
    protocol="kohler",
    rank=40,
)
def open_kohler(
    root: str | Path | None, split: str = "test", *, frame: str | int = "middle", **options: Any
) -> KohlerPairs:
    """The 48 Köhler shots at ``root``, validated (blurred shot and reference frame; all frames in check)."""
    found = scan(root, split, frame=frame)
    info = {
        "root": str(found.root),
        "split": split,
        "layout": LAYOUT,
        "expected": COUNTS[split],
        "frame": frame,
        "variant": describe_variant({"frame": (frame, "middle")}),
    }
    return open_scan(found, info, cls=KohlerPairs, **options)
