"""RealBlur-J/-R: pairs from the official list files, which must stay inside the root."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deblurbench.datasets import DatasetError, check_dataset, open_dataset

J = "RealBlur-J_ECC_IMCORR_centroid_itensity_ref"


def test_list_order_ids_and_pixels(tmp_path, fake, to_uint8) -> None:
    root = fake.realblur(tmp_path)
    dataset = open_dataset("realblur_j", root=root)
    assert dataset.ids == ["scene230/blur_7", "scene230/blur_2", "scene050/blur_7", "scene050/blur_2"]
    pair = dataset[1]
    assert np.array_equal(
        to_uint8(pair.sharp), np.asarray(Image.open(root / J / "scene230" / "gt" / "gt_2.png"))
    )
    assert np.array_equal(
        to_uint8(pair.blur), np.asarray(Image.open(root / J / "scene230" / "blur" / "blur_2.png"))
    )
    assert pair.meta["scene"] == "scene230" and dataset.info["expected"] == 980
    with pytest.raises(DatasetError, match=r"RealBlur_R_test_list.txt: missing list file"):
        open_dataset("realblur_r", root=root)


def test_realblur_r_and_list_path(tmp_path, fake) -> None:
    root = fake.realblur(tmp_path, letter="R", scenes=("scene001",))
    assert len(open_dataset("realblur_r", root=root)) == 2
    moved = tmp_path / "lists" / "mine.txt"
    moved.parent.mkdir()
    (root / "RealBlur_R_test_list.txt").rename(moved)
    assert len(open_dataset("realblur_r", root=root, list_path=moved)) == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("../outside/gt.png x/blur.png", "../outside/gt.png points outside the root"),
        ("/etc/gt.png x/blur.png", "/etc/gt.png points outside the root"),
        (f"{J}/scene230/gt/gt_7.png {J}/../../../blur.png", "points outside the root"),
        ("only_one_path.png", "expected 'gt_path blur_path', got 'only_one_path.png'"),
        (f"{J}/scene230/gt/gt_7.png {J}/scene230/blur/blur_99.png", "blur_99.png does not exist"),
        (f"{J}/scene230/gt/gt_7.png {J}/scene230/blur/blur_7.png", "is listed twice"),
    ],
    ids=["dotdot", "absolute", "dotdot-inside", "malformed", "missing", "duplicate"],
)
def test_bad_list_entries(tmp_path, fake, line, expected) -> None:
    root = fake.realblur(tmp_path)
    listing = root / "RealBlur_J_test_list.txt"
    listing.write_text(listing.read_text() + line + "\n")
    with pytest.raises(DatasetError) as info:
        open_dataset("realblur_j", root=root)
    assert str(info.value).startswith(f"{listing}:6: ")  # line 5 is blank and expected in str(info.value)
    report = check_dataset("realblur_j", root=root)
    assert report.usable == 4 and len(report.problems) == 1


def test_missing_root(tmp_path) -> None:
    with pytest.raises(DatasetError, match=r"realblur_j: root .* does not exist"):
        open_dataset("realblur_j", root=tmp_path / "none")
