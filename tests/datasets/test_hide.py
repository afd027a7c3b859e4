"""HIDE: blurred images under test/test-close-ups and test/test-long-shot, matched to GT/ by name."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deblurbench.datasets import DatasetError, check_dataset, open_dataset


def test_test_split_parts_and_matching(tmp_path, fake, to_uint8) -> None:
    root = fake.hide(tmp_path / "HIDE_dataset")
    dataset = open_dataset("hide", root=root)
    assert dataset.ids == ["close-ups/1fromGOPR0950", "close-ups/2fromGOPR0950", "long-shot/7fromGOPR1081"]
    pair = dataset[2]
    assert pair.meta["part"] == "long-shot"
    assert np.array_equal(to_uint8(pair.sharp), np.asarray(Image.open(root / "GT" / "7fromGOPR1081.png")))
    assert np.array_equal(
        to_uint8(pair.blur), np.asarray(Image.open(root / "test" / "test-long-shot" / "7fromGOPR1081.png"))
    )
    assert dataset.info["expected"] == 2025
    assert open_dataset("hide", root=root, part="long-shot").ids == ["long-shot/7fromGOPR1081"]
    assert len(open_dataset("hide", root=root, part="close-ups")) == 2
    assert open_dataset("hide", root=root, split="train").ids == ["train/3fromGOPR0972"]
    assert check_dataset("hide", root=root).groups == {"close-ups": 2, "long-shot": 1}


def test_bad_part_and_part_of_train(tmp_path, fake) -> None:
    root = fake.hide(tmp_path)
    with pytest.raises(DatasetError, match="hide: part='far'; use all, close-ups, long-shot"):
        open_dataset("hide", root=root, part="far")
    with pytest.raises(DatasetError, match="applies to the test split only"):
        open_dataset("hide", root=root, split="train", part="long-shot")


def test_unpaired_blur_and_missing_folders(tmp_path, fake) -> None:
    root = fake.hide(tmp_path)
    (root / "GT" / "2fromGOPR0950.png").unlink()
    blur = root / "test" / "test-close-ups" / "2fromGOPR0950.png"
    with pytest.raises(DatasetError, match=rf"^{blur}: unpaired, no {root / 'GT'}/2fromGOPR0950.png"):
        open_dataset("hide", root=root)
    assert open_dataset("hide", root=root, part="long-shot").ids == ["long-shot/7fromGOPR1081"]
    for png in (root / "test" / "test-long-shot").iterdir():
        png.unlink()
    (root / "test" / "test-long-shot").rmdir()
    with pytest.raises(DatasetError, match=r"test-long-shot: missing folder; --root must be HIDE_dataset"):
        open_dataset("hide", root=root, part="long-shot")


def test_size_mismatch_and_grey(tmp_path, fake) -> None:
    root = fake.hide(tmp_path)
    fake.png(root / "GT" / "1fromGOPR0950.png", height=7, width=8)
    with pytest.raises(
        DatasetError, match=r"1fromGOPR0950.png: size 8x6 \(WxH\) but its sharp image .* is 8x7"
    ):
        open_dataset("hide", root=root)
    fake.png(root / "GT" / "1fromGOPR0950.png")
    fake.grey(root / "test" / "test-close-ups" / "1fromGOPR0950.png")
    with pytest.raises(DatasetError, match=r"test-close-ups/1fromGOPR0950.png: greyscale image"):
        open_dataset("hide", root=root)
