"""GoPro (Nah, Kim & Lee, CVPR 2017, "Deep Multi-scale CNN for Dynamic Scene Deblurring"): GOPRO_Large.

Released layout (GOPRO_Large.zip, https://seungjunnah.github.io/Datasets/gopro)::

    GOPRO_Large/
      train/<scene>/{blur,blur_gamma,sharp}/<frame>.png    22 scenes, 2,103 pairs
      test/<scene>/{blur,blur_gamma,sharp}/<frame>.png     11 scenes, 1,111 pairs

Scenes are named after the source clip, ``GOPRxxxx_yy_zz`` (e.g. ``GOPR0384_11_00``), where
``yy`` is the number of 240 fps frames averaged into one blurred image; frames are six-digit
numbers (``000001.png``); images are 1280x720 8-bit RGB PNG. ``sharp/`` holds the middle frame of
each averaged window. ``blur/`` averages the frames as they are (a linear camera response assumed)
and ``blur_gamma/`` averages them after undoing a gamma of 2.2 (the paper's CRF model); published
GoPro results use ``blur/``, the default here (``blur="blur_gamma"`` selects the other).
Sources: the dataset page; DeepDeblur_release issues #3, #13, #22 and #59 (the author on how
blur and blur_gamma were made and on the scene naming).

Pair ids are ``"<scene>/<frame stem>"``, e.g. ``"GOPR0384_11_00/000001"``. The output of
``deblurbench synth`` uses this layout too (with an extra ``kernel/`` folder this loader ignores).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .paired import (
    DatasetError,
    Entry,
    FilePairs,
    Scan,
    check_root,
    check_split,
    describe_variant,
    images_by_stem,
    missing_folders,
    open_scan,
    unpaired,
)
from .spec import register_dataset

NAME = "gopro"
SPLITS = ("test", "train")
COUNTS = {"test": 1111, "train": 2103}
SCENES = {"test": 11, "train": 22}
LAYOUT = "GOPRO_Large/{train,test}/<scene>/{blur,blur_gamma,sharp}/<frame>.png"
BLUR_FOLDERS = ("blur", "blur_gamma")
_ROOT_HINT = "GOPRO_Large (the folder holding train/ and test/)"


def scan(root: str | Path | None, split: str = "test", *, blur: str = "blur") -> Scan:
    """Index ``root/split/<scene>/{blur,sharp}``; missing folders and unpaired files become problems."""
    root = check_root(NAME, root, _ROOT_HINT)
    check_split(NAME, split, SPLITS)
    if blur not in BLUR_FOLDERS:
        raise DatasetError(f"{NAME}: blur={blur!r}; use one of {', '.join(BLUR_FOLDERS)}")
    result = Scan(NAME, root, split, [], expected=COUNTS[split], options={"blur": blur}, group_label="scene")
    split_dir = root / split
    if missing_folders(
        [split_dir], result.problems, "--root must be GOPRO_Large, which holds train/ and test/"
    ):
        return result
    scenes = sorted(p for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not scenes:
        result.problems.append(
            f"{split_dir}: no scene folders (<scene>/{blur}, <scene>/sharp); re-extract it"
        )
    for scene in scenes:
        _add_scene(result, scene, blur)
    return result


def _add_scene(result: Scan, scene: Path, blur: str) -> None:
    """Pair one scene's ``<blur>/`` and ``sharp/`` frames by file stem into ``result``."""
    blur_dir, sharp_dir = scene / blur, scene / "sharp"
    advice = f"every GoPro scene holds {blur}/ and sharp/ (re-extract the scene)"
    if missing_folders([blur_dir, sharp_dir], result.problems, advice):
        return
    blurs = images_by_stem(blur_dir, result.problems)
    sharps = images_by_stem(sharp_dir, result.problems)
    result.problems.extend(unpaired(blurs, sharps, sharp_dir, "sharp frame"))
    result.problems.extend(unpaired(sharps, blurs, blur_dir, "blurred frame"))
    paired = sorted(blurs.keys() & sharps.keys())
    for stem in paired:
        result.entries.append(
            Entry(
                id=f"{scene.name}/{stem}",
                blur=blurs[stem],
                sharp=sharps[stem],
                meta={"scene": scene.name, "blur_folder": blur},
            )
        )
    if paired:
        result.groups[scene.name] = len(paired)


@register_dataset(
    name=NAME,
    title="GoPro (GOPRO_Large)",
    paper="Nah et al., CVPR 2017",
    layout=LAYOUT,
    counts=COUNTS,
    splits=SPLITS,
    options={"blur": "blur (default) or blur_gamma"},
    scanner=scan,
    protocol="standard",
    rank=10,
)
def open_gopro(
    root: str | Path | None, split: str = "test", *, blur: str = "blur", **options: Any
) -> FilePairs:
    """The GoPro ``split`` at ``root`` (GOPRO_Large), validated; ``options``: limit, subset, transform."""
    found = scan(root, split, blur=blur)
    info = {
        "root": str(found.root),
        "split": split,
        "layout": LAYOUT,
        "expected": COUNTS[split],
        "blur": blur,
        "variant": describe_variant({"blur": (blur, "blur")}),
    }
    return open_scan(found, info, **options)
