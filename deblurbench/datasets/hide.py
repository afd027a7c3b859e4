"""HIDE (Shen et al., ICCV 2019, "Human-Aware Motion Deblurring"): HIDE_dataset.

Released layout (HIDE_dataset.zip, linked from https://github.com/joanshen0508/HA_deblur)::

    HIDE_dataset/
      GT/<name>.png                      sharp images of both splits, matched by file name
      train/<name>.png                   6,397 blurred training images
      test/test-close-ups/<name>.png     } 2,025 blurred test images in all
      test/test-long-shot/<name>.png     }

8,422 pairs in all (6,397 train / 2,025 test), 1280x720 8-bit RGB PNG, made like GoPro by
averaging 240 fps frames (11 per image) of scenes with people. The repository's table gives the
long-shot / close-up split of all 8,422 pairs (1,304 "HIDE I" long-shot, 7,118 "HIDE II"
close-ups) but not of the 2,025 test images, so this module knows only the test total; the
parts are selectable with ``part="long-shot"`` or ``part="close-ups"`` (default ``"all"``).
Sources: the HA_deblur README; the folder names as read by Restormer/MPRNet-style HIDE scripts;
MPRNet issue #27 (the author confirms 2,025 test pairs).

Pair ids are ``"<part>/<stem>"`` (``"long-shot/..."``, ``"close-ups/..."``) for the test split and
``"train/<stem>"`` for the training split.
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

NAME = "hide"
SPLITS = ("test", "train")
COUNTS = {"test": 2025, "train": 6397}
PARTS = {"close-ups": "test-close-ups", "long-shot": "test-long-shot"}
LAYOUT = "HIDE_dataset/{GT,train,test/test-close-ups,test/test-long-shot}/<name>.png, GT matched by name"
_ROOT_HINT = "HIDE_dataset (the folder holding GT/, train/ and test/)"


def scan(root: str | Path | None, split: str = "test", *, part: str = "all") -> Scan:
    """Index the blurred images of ``split`` (and ``part``) and match each to ``GT/<same name>``."""
    root = check_root(NAME, root, _ROOT_HINT)
    check_split(NAME, split, SPLITS)
    if part not in ("all", *PARTS):
        raise DatasetError(f"{NAME}: part={part!r}; use all, {', '.join(PARTS)}")
    if split == "train" and part != "all":
        raise DatasetError(f"{NAME}: part={part!r} applies to the test split only")
    expected = COUNTS[split] if part == "all" else None
    result = Scan(NAME, root, split, [], expected=expected, options={"part": part}, group_label="part")
    gt_dir = root / "GT"
    if split == "train":
        folders = {"train": root / "train"}
    else:
        folders = {p: root / "test" / folder for p, folder in PARTS.items() if part in ("all", p)}
    missing = missing_folders([gt_dir, *folders.values()], result.problems, f"--root must be {_ROOT_HINT}")
    if gt_dir in missing:
        return result
    sharps = images_by_stem(gt_dir, result.problems)
    for group, folder in folders.items():
        if folder not in missing:
            _add_group(result, group, folder, sharps, gt_dir)
    return result


def _add_group(result: Scan, group: str, folder: Path, sharps: dict[str, Path], gt_dir: Path) -> None:
    """Match the blurred images in ``folder`` to the ``GT/`` images of the same name into ``result``."""
    blurs = images_by_stem(folder, result.problems)
    result.problems.extend(unpaired(blurs, sharps, gt_dir, "sharp image"))
    paired = sorted(blurs.keys() & sharps.keys())
    for stem in paired:
        meta = {"part": group} if result.split == "test" else {}
        result.entries.append(Entry(id=f"{group}/{stem}", blur=blurs[stem], sharp=sharps[stem], meta=meta))
    result.groups[group] = len(paired)


@register_dataset(
    name=NAME,
    title="HIDE",
    paper="Shen et al., ICCV 2019",
    layout=LAYOUT,
    counts=COUNTS,
    splits=SPLITS,
    options={"part": "all (default), close-ups or long-shot (test split)"},
    scanner=scan,
    protocol="standard",
    rank=20,
)
def open_hide(
    root: str | Path | None, split: str = "test", *, part: str = "all", **options: Any
) -> FilePairs:
    """HIDE ``split`` at ``root`` (HIDE_dataset), validated; ``options``: limit, subset, transform."""
    found = scan(root, split, part=part)
    info = {
        "root": str(found.root),
        "split": split,
        "layout": LAYOUT,
        "expected": found.expected,
        "part": part,
        "variant": describe_variant({"part": (part, "all")}),
    }
    return open_scan(found, info, **options)
