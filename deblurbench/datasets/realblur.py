"""RealBlur-J and RealBlur-R (Rim, Lee, Won & Cho, ECCV 2020): pairs listed by the official list files.

Released layout (RealBlur.tar.gz, https://github.com/rimchang/RealBlur)::

    <root>/
      RealBlur_J_test_list.txt   RealBlur_J_train_list.txt
      RealBlur_R_test_list.txt   RealBlur_R_train_list.txt
      RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene<NNN>/{gt/gt_<k>.png, blur/blur_<k>.png}
      RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref/scene<NNN>/{gt,blur}/...

Each line of a list file is ``"<gt path> <blur path>"`` relative to the root (with a trailing
space in the official files), e.g. ``RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene230/gt/gt_7.png
RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene230/blur/blur_7.png``; the list, not a folder walk,
defines a split, in the list's own (unsorted) order (``itensity`` is the official spelling).
980 test pairs (49 scenes x 20 images; a scene's numbers need not start at 1) and 3,758 training
pairs in each of J (camera JPEGs, saved as PNG) and R (developed from raw). Evaluation aligns each
output to its ground truth first (``bench/align.py``). The list files also live in the authors'
repositories (``datalist/`` of rimchang/RSBlur and of the SRN-Deblur submodule of
rimchang/RealBlur); if yours is not in the root, pass ``list_path=FILE`` (paths in it stay relative
to the root). Sources: the RealBlur README (test commands read
``datalist/RealBlur_J_test_list.txt``); ``rimchang/RSBlur/datalist/RealBlur_J_test_list.txt``.

A list path that is absolute or climbs out with ``..`` is refused (checked on the path text, so
symbolic links inside the root are followed; files they lead to outside the root are said in a note). Pair ids are ``"<scene>/<blur stem>"``, e.g.
``"scene230/blur_1"``.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .paired import Entry, FilePairs, Scan, check_root, check_split, describe_variant, open_scan
from .spec import register_dataset

SPLITS = ("test", "train")
COUNTS = {"test": 980, "train": 3758}
VARIANTS = {
    "realblur_j": ("J", "RealBlur-J_ECC_IMCORR_centroid_itensity_ref"),
    "realblur_r": ("R", "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref"),
}


def list_file(name: str, split: str) -> str:
    """The official list file name, e.g. ``RealBlur_J_test_list.txt``."""
    return f"RealBlur_{VARIANTS[name][0]}_{split}_list.txt"


def layout(name: str) -> str:
    """One-line layout text of a variant."""
    return f"<root>/{list_file(name, 'test')} + {VARIANTS[name][1]}/scene<NNN>/{{gt,blur}}/*.png"


def _inside(text: str) -> bool:
    posix, windows = PurePosixPath(text), PureWindowsPath(text)
    return not (posix.is_absolute() or windows.is_absolute() or windows.drive or ".." in posix.parts)


def scan(
    name: str, root: str | Path | None, split: str = "test", *, list_path: str | Path | None = None
) -> Scan:
    """Read the list file of ``split``; bad lines, paths outside the root and missing files are problems."""
    hint = f"the RealBlur folder holding {VARIANTS[name][1]}"
    root = check_root(name, root, hint)
    check_split(name, split, SPLITS)
    listing = Path(list_path).expanduser() if list_path is not None else root / list_file(name, split)
    result = Scan(
        name,
        root,
        split,
        [],
        expected=COUNTS[split],
        options={"list_path": str(listing)},
        group_label="scene",
    )
    seen: set[str] = set()
    inside, outside = root.resolve(), []
    for number, line in enumerate(_read_list(listing, list_file(name, split), result.problems), start=1):
        if not line.split():
            continue
        found = _line_entry(root, listing, number, line, seen)
        if isinstance(found, str):
            result.problems.append(found)
            continue
        seen.add(found.id)
        result.entries.append(found)
        outside.extend(p for p in (found.blur, found.sharp) if not p.resolve().is_relative_to(inside))
        scene = found.meta["scene"]
        result.groups[scene] = result.groups.get(scene, 0) + 1
    if outside:  # a scene linked in from another disk is allowed, but said
        result.notes.append(
            f"{len(outside)} file(s) reached through symbolic links that leave the root {root}, "
            f"e.g. {outside[0]} -> {outside[0].resolve()}; check that they are the files you meant"
        )
    return result


def _read_list(listing: Path, official: str, problems: list[str]) -> list[str]:
    """The lines of the list file, or none and a problem when it is missing or unreadable."""
    if not listing.is_file():
        problems.append(
            f"{listing}: missing list file; put the official {official} in the root "
            "or pass list_path=FILE (--opt list_path=FILE)"
        )
        return []
    try:
        return listing.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{listing}: unreadable ({exc}); restore the official list file")
        return []


def _line_entry(root: Path, listing: Path, number: int, line: str, seen: set[str]) -> Entry | str:
    """The pair that line ``number`` of the list names, or the problem line saying why it names none."""
    where = f"{listing}:{number}"
    fields = line.split()
    if len(fields) != 2:
        return f"{where}: expected 'gt_path blur_path', got {line.strip()!r}; fix the line"
    gt_text, blur_text = fields
    outside = [t for t in (gt_text, blur_text) if not _inside(t)]
    if outside:
        return f"{where}: {outside[0]} points outside the root; list paths must be relative to {root}"
    gt, blur = root / gt_text, root / blur_text
    missing = [p for p in (blur, gt) if not p.is_file()]
    if missing:
        return f"{where}: {missing[0]} does not exist; restore it or fix the list file"
    scene = PurePosixPath(blur_text).parent.parent.name or "."
    pair_id = f"{scene}/{PurePosixPath(blur_text).stem}"
    if pair_id in seen:
        return f"{where}: {blur_text} is listed twice; remove the duplicate line"
    return Entry(id=pair_id, blur=blur, sharp=gt, meta={"scene": scene, "line": number})


def open_realblur(
    name: str,
    root: str | Path | None,
    split: str = "test",
    *,
    list_path: str | Path | None = None,
    **options: Any,
) -> FilePairs:
    """RealBlur-J (``name="realblur_j"``) or -R ``split`` at ``root``, validated."""
    found = scan(name, root, split, list_path=list_path)
    info = {
        "root": str(found.root),
        "split": split,
        "layout": layout(name),
        "expected": COUNTS[split],
        **found.options,
        "variant": describe_variant({"list_path": (str(list_path) if list_path else None, None)}),
    }
    return open_scan(found, info, **options)


def _variant(name: str) -> dict[str, Any]:
    """The registry fields of RealBlur variant ``name``, all but its rank."""
    return {
        "name": name,
        "title": f"RealBlur-{VARIANTS[name][0]}",
        "paper": "Rim et al., ECCV 2020",
        "layout": layout(name),
        "counts": COUNTS,
        "splits": SPLITS,
        "options": {"list_path": f"the list file if not <root>/{list_file(name, 'test')}"},
        "scanner": functools.partial(scan, name),
        "protocol": "realblur",
    }


@register_dataset(**_variant("realblur_j"), rank=30)
def open_realblur_j(root: str | Path | None, split: str = "test", **options: Any) -> FilePairs:
    """RealBlur-J ``split`` at ``root``, validated; ``options``: list_path, limit, subset, transform."""
    return open_realblur("realblur_j", root, split, **options)


@register_dataset(**_variant("realblur_r"), rank=31)
def open_realblur_r(root: str | Path | None, split: str = "test", **options: Any) -> FilePairs:
    """RealBlur-R ``split`` at ``root``, validated; ``options``: list_path, limit, subset, transform."""
    return open_realblur("realblur_r", root, split, **options)
