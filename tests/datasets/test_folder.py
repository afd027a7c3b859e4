"""A generic paired folder: blur and sharp folders matched by file name."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deblurbench.datasets import DatasetError, open_dataset


def test_blur_and_sharp_folders_matched_by_stem(tmp_path, fake, to_uint8) -> None:
    blur, sharp = tmp_path / "in", tmp_path / "gt"
    fake.pair(blur / "b.png", sharp / "b.png")
    fake.pair(blur / "a.jpg", sharp / "a.png")
    (blur / ".DS_Store").write_bytes(b"junk")
    (sharp / "notes.txt").write_text("ignored")
    dataset = open_dataset("folder", blur=blur, sharp=sharp)
    assert dataset.ids == ["a", "b"]
    assert np.array_equal(to_uint8(dataset[1].sharp), np.asarray(Image.open(sharp / "b.png")))
    assert dataset.info["expected"] is None


@pytest.mark.parametrize(("blur_name", "sharp_name"), [("blur", "sharp"), ("input", "target")])
def test_root_with_the_usual_folder_names(tmp_path, fake, blur_name, sharp_name) -> None:
    fake.pair(tmp_path / blur_name / "x.png", tmp_path / sharp_name / "x.png")
    assert open_dataset("folder", root=tmp_path).ids == ["x"]
    assert open_dataset("folder", root=tmp_path, blur=blur_name, sharp=sharp_name).ids == ["x"]


def test_unpaired_duplicate_and_missing(tmp_path, fake) -> None:
    blur, sharp = tmp_path / "blur", tmp_path / "sharp"
    fake.pair(blur / "a.png", sharp / "a.png")
    fake.png(blur / "lonely.png")
    with pytest.raises(DatasetError, match=rf"^{blur / 'lonely.png'}: unpaired, no lonely.\* in {sharp}"):
        open_dataset("folder", blur=blur, sharp=sharp)
    (blur / "lonely.png").unlink()
    fake.png(sharp / "a.jpg")
    with pytest.raises(DatasetError, match=r"a.png: same name as a.jpg; keep one of the two files"):
        open_dataset("folder", blur=blur, sharp=sharp)
    with pytest.raises(DatasetError, match="folder: give both blur= and sharp="):
        open_dataset("folder", blur=blur)
    with pytest.raises(DatasetError, match=rf"folder: root {tmp_path / 'nope'} does not exist"):
        open_dataset("folder", blur=tmp_path / "nope", sharp=sharp)
    with pytest.raises(DatasetError, match="holds neither blur/ \\+ sharp/ nor input/ \\+ target/"):
        open_dataset("folder", root=blur)


def test_empty_folders_are_an_error(tmp_path) -> None:
    (tmp_path / "blur").mkdir()
    (tmp_path / "sharp").mkdir()
    with pytest.raises(DatasetError, match="folder: no pairs found"):
        open_dataset("folder", root=tmp_path)
