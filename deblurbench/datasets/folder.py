"""Any paired folder: blurred images in one folder, sharp ones in another, matched by file name.

``open_dataset("folder", blur=DIR, sharp=DIR)`` (``--blur DIR --sharp DIR``). With only a root,
the pair of sub-folders is found by the usual names: ``blur``/``sharp`` or ``input``/``target``
(the layout Restormer, MPRNet and NAFNet scripts use for their test sets). Files are matched on
the name without its extension (``0001.png`` with ``0001.jpg``); every file without a partner is
a problem. Pair ids are the file stems. There is no full-set count to compare with.
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
    describe_variant,
    images_by_stem,
    open_scan,
)
from .spec import register_dataset

NAME = "folder"
SPLITS = ("test", "train")
LAYOUT = "--blur DIR --sharp DIR (or a root holding blur/ + sharp/ or input/ + target/), matched by name"
FOLDER_NAMES = (("blur", "sharp"), ("input", "target"))


def _folders(root: str | Path | None, blur: str | Path | None, sharp: str | Path | None) -> tuple[Path, Path]:
    base = Path(root).expanduser() if root is not None else None
    if blur is None and sharp is None:
        base = check_root(
            NAME, root, "a folder holding blur/ and sharp/ (or input/ and target/), or give blur= and sharp="
        )
        for blur_name, sharp_name in FOLDER_NAMES:
            if (base / blur_name).is_dir() and (base / sharp_name).is_dir():
                return base / blur_name, base / sharp_name
        raise DatasetError(
            f"{NAME}: {base} holds neither blur/ + sharp/ nor input/ + target/; pass --blur DIR --sharp DIR"
        )
    if blur is None or sharp is None:
        raise DatasetError(f"{NAME}: give both blur= and sharp= (--blur DIR --sharp DIR)")
    paths = []
    for label, given in (("blur", blur), ("sharp", sharp)):
        path = Path(given).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        paths.append(check_root(NAME, path, f"the folder of {label} images (--{label} DIR)"))
    if paths[0].resolve() == paths[1].resolve():
        raise DatasetError(
            f"{NAME}: --blur and --sharp are the same folder ({paths[0]}): every image would be scored "
            "against itself; give the blurred images' folder and the sharp images' folder"
        )
    return paths[0], paths[1]


def scan(
    root: str | Path | None = None,
    split: str = "test",
    *,
    blur: str | Path | None = None,
    sharp: str | Path | None = None,
) -> Scan:
    """Match ``blur/`` and ``sharp/`` by file stem; a file without a partner is a problem."""
    blur_dir, sharp_dir = _folders(root, blur, sharp)
    result = Scan(
        NAME,
        Path(root) if root is not None else None,
        split,
        [],
        options={"blur": str(blur_dir), "sharp": str(sharp_dir)},
        group_label="folder",
    )
    blurs = images_by_stem(blur_dir, result.problems)
    sharps = images_by_stem(sharp_dir, result.problems)
    for stem in sorted(blurs.keys() - sharps.keys()):
        result.problems.append(
            f"{blurs[stem]}: unpaired, no {stem}.* in {sharp_dir}; add it or remove this file"
        )
    for stem in sorted(sharps.keys() - blurs.keys()):
        result.problems.append(
            f"{sharps[stem]}: unpaired, no {stem}.* in {blur_dir}; add it or remove this file"
        )
    for stem in sorted(blurs.keys() & sharps.keys()):
        result.entries.append(Entry(id=stem, blur=blurs[stem], sharp=sharps[stem]))
    result.groups[blur_dir.name] = len(result.entries)
    return result


@register_dataset(
    name=NAME,
    title="paired folder",
    paper="",
    layout=LAYOUT,
    counts={},
    splits=SPLITS,
    options={"blur": "folder of blurred images", "sharp": "folder of sharp images"},
    scanner=scan,
    protocol="standard",
    rank=90,
)
def open_folder(
    root: str | Path | None = None,
    split: str = "test",
    *,
    blur: str | Path | None = None,
    sharp: str | Path | None = None,
    **options: Any,
) -> FilePairs:
    """Pairs from a blur folder and a sharp folder matched by name, validated."""
    found = scan(root, split, blur=blur, sharp=sharp)
    info = {
        "root": str(found.root) if found.root else None,
        "split": split,
        "layout": LAYOUT,
        "expected": None,
        # two folder pairs are two datasets whose ids may meet: the folders are the variant
        "variant": describe_variant({k: (str(Path(v).resolve()), None) for k, v in found.options.items()}),
    }
    return open_scan(found, {**found.options, **info}, **options)
