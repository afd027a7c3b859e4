"""GoPro: the released GOPRO_Large layout, and every bad input giving one line naming the file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import deblurbench as db
from deblurbench.datasets import DatasetError, DatasetWarning, check_dataset, open_dataset


def test_pairs_ids_pixels_and_info(tmp_path, fake, to_uint8) -> None:
    root = fake.gopro(tmp_path / "GOPRO_Large", {"GOPR0384_11_00": 2, "GOPR0385_11_01": 3})
    fake.gopro(root, {"GOPR0372_07_00": 1}, split="train")
    dataset = db.open_dataset("gopro", root=root)
    assert dataset.name == "gopro" and len(dataset) == 5
    assert dataset.ids == [
        "GOPR0384_11_00/000001",
        "GOPR0384_11_00/000002",
        "GOPR0385_11_01/000001",
        "GOPR0385_11_01/000002",
        "GOPR0385_11_01/000003",
    ]
    pair = dataset[3]
    folder = root / "test" / "GOPR0385_11_01"
    assert np.array_equal(to_uint8(pair.blur), np.asarray(Image.open(folder / "blur" / "000002.png")))
    assert np.array_equal(to_uint8(pair.sharp), np.asarray(Image.open(folder / "sharp" / "000002.png")))
    assert pair.id == "GOPR0385_11_01/000002" and pair.meta["scene"] == "GOPR0385_11_01"
    assert dataset.info["expected"] == 1111 and dataset.info["found"] == 5 and dataset.info["split"] == "test"
    assert len(open_dataset("gopro", root=root, split="train")) == 1


def test_blur_gamma_is_selectable(tmp_path, fake, to_uint8) -> None:
    root = fake.gopro(tmp_path)
    pair = open_dataset("gopro", root=root, blur="blur_gamma")[0]
    expected = np.asarray(Image.open(root / "test" / "GOPR0384_11_00" / "blur_gamma" / "000001.png"))
    assert np.array_equal(to_uint8(pair.blur), expected) and pair.meta["blur_folder"] == "blur_gamma"
    with pytest.raises(DatasetError, match="blur='gamma'; use one of blur, blur_gamma"):
        open_dataset("gopro", root=root, blur="gamma")


def test_limit_and_subset(tmp_path, fake) -> None:
    root = fake.gopro(tmp_path, {"A": 4, "B": 4})
    assert open_dataset("gopro", root=root, limit=3).ids == ["A/000001", "A/000002", "A/000003"]
    assert open_dataset("gopro", root=root, subset=2).ids == ["A/000003", "B/000003"]
    assert open_dataset("gopro", root=root, subset=["B/000004"]).ids == ["B/000004"]


def test_missing_root_and_unknown_split_or_option(tmp_path) -> None:
    with pytest.raises(DatasetError, match=rf"gopro: root {tmp_path / 'nope'} does not exist; pass --root"):
        open_dataset("gopro", root=tmp_path / "nope")
    with pytest.raises(DatasetError, match="no root given"):
        open_dataset("gopro")
    with pytest.raises(DatasetError, match="unknown split 'val'; use one of test, train"):
        open_dataset("gopro", root=tmp_path, split="val")
    with pytest.raises(DatasetError, match="gopro: unknown option 'part'; options: blur, limit, subset"):
        open_dataset("gopro", root=tmp_path, part="x")
    with pytest.raises(DatasetError, match="unknown dataset 'goppro': did you mean gopro"):
        open_dataset("goppro")


def test_missing_split_and_sub_folder(tmp_path, fake) -> None:
    with pytest.raises(
        DatasetError, match=rf"^{tmp_path / 'test'}: missing folder; --root must be GOPRO_Large"
    ):
        open_dataset("gopro", root=tmp_path)
    root = fake.gopro(tmp_path)
    for png in (root / "test" / "GOPR0385_11_01" / "sharp").iterdir():
        png.unlink()
    (root / "test" / "GOPR0385_11_01" / "sharp").rmdir()
    with pytest.raises(
        DatasetError, match=r"GOPR0385_11_01/sharp: missing folder; every GoPro scene holds blur/"
    ):
        open_dataset("gopro", root=root)


def test_unpaired_files_both_ways(tmp_path, fake) -> None:
    root = fake.gopro(tmp_path)
    scene = root / "test" / "GOPR0384_11_00"
    (scene / "sharp" / "000002.png").unlink()
    with pytest.raises(DatasetError) as info:
        open_dataset("gopro", root=root)
    assert str(info.value).startswith(
        f"{scene / 'blur' / '000002.png'}: unpaired, no {scene / 'sharp'}/000002.png"
    )
    (scene / "blur" / "000002.png").unlink()
    fake.png(scene / "sharp" / "000009.png")
    with pytest.raises(DatasetError, match=r"sharp/000009.png: unpaired, no .*blur/000009.png"):
        open_dataset("gopro", root=root)


def test_size_mismatch(tmp_path, fake) -> None:
    root = fake.gopro(tmp_path)
    blur = root / "test" / "GOPR0384_11_00" / "blur" / "000001.png"
    fake.png(blur, height=6, width=9)
    with pytest.raises(
        DatasetError, match=rf"^{blur}: size 9x6 \(WxH\) but its sharp image .* is 8x6; blur and sharp"
    ):
        open_dataset("gopro", root=root)


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (lambda f, p: f.grey(p), "greyscale image (mode L)"),
        (lambda f, p: f.png16(p), "16-bit image"),
        (lambda f, p: p.write_bytes(b"not a png"), "not an image Pillow can identify"),
    ],
    ids=["grey", "16-bit", "garbage"],
)
def test_bad_image_found_on_open(tmp_path, fake, breaker, expected) -> None:
    root = fake.gopro(tmp_path)
    bad = root / "test" / "GOPR0385_11_01" / "sharp" / "000002.png"
    breaker(fake, bad)
    with pytest.raises(DatasetError) as info:
        open_dataset("gopro", root=root)
    assert str(info.value).startswith(f"{bad}: ") and expected in str(info.value)


def test_truncated_image_found_when_read_and_by_check(tmp_path, fake) -> None:
    root = fake.gopro(tmp_path)
    bad = root / "test" / "GOPR0384_11_00" / "blur" / "000002.png"
    fake.truncate(bad)
    dataset = open_dataset("gopro", root=root)  # the header is intact
    dataset[0]
    with pytest.raises(DatasetError, match=rf"^{bad}: cannot decode \(image file is truncated\)"):
        dataset[1]
    report = check_dataset("gopro", root=root)
    assert report.found == 4 and report.usable == 3 and not report.ok
    assert len(report.problems) == 1 and report.problems[0].startswith(f"{bad}: cannot decode")
    assert check_dataset("gopro", root=root, decode=False).ok  # headers only


def test_alpha_is_handled_and_said_once_transparent_is_refused(tmp_path, fake, to_uint8) -> None:
    root = fake.gopro(tmp_path)
    sharp = root / "test" / "GOPR0384_11_00" / "sharp"
    rgb = fake.rgba(sharp / "000001.png", opaque=True)
    fake.rgba(sharp / "000002.png", opaque=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = open_dataset("gopro", root=root)
    notes = [w for w in caught if issubclass(w.category, DatasetWarning)]
    assert len(notes) == 1 and "2 image(s) with an alpha channel" in str(notes[0].message)
    assert np.array_equal(to_uint8(dataset[0].sharp), rgb)
    fake.rgba(sharp / "000002.png", opaque=False)
    with pytest.raises(DatasetError, match=rf"^{sharp / '000002.png'}: has transparent pixels"):
        dataset[1]


def test_several_problems_still_one_line(tmp_path, fake) -> None:
    root = fake.gopro(tmp_path)
    for scene in ("GOPR0384_11_00", "GOPR0385_11_01"):
        fake.grey(root / "test" / scene / "blur" / "000001.png")
    with pytest.raises(DatasetError) as info:
        open_dataset("gopro", root=root)
    message = str(info.value)
    assert "\n" not in message and message.endswith(
        f"(and 1 more problem: run 'deblurbench datasets check gopro --root {root}' to list them)"
    )


def test_a_pair_decoded_side_by_side_reports_errors_in_reading_order(tmp_path, fake) -> None:
    """The sharp image is decoded on a helper thread beside the blurry one: same pixels, and
    when both are broken the blurry image's error is the one raised, as in sequential reading."""
    root = fake.gopro(tmp_path)
    dataset = open_dataset("gopro", root=root)
    before = [(pair.blur.clone(), pair.sharp.clone()) for pair in dataset]
    blur = root / "test" / "GOPR0384_11_00" / "blur" / "000002.png"
    sharp = root / "test" / "GOPR0384_11_00" / "sharp" / "000002.png"
    fake.truncate(sharp)
    with pytest.raises(DatasetError, match=rf"^{sharp}: cannot decode"):
        dataset[1]
    fake.truncate(blur)
    with pytest.raises(DatasetError, match=rf"^{blur}: cannot decode"):
        dataset[1]
    for index in (0, 2, 3):
        pair = dataset[index]
        assert torch.equal(pair.blur, before[index][0]) and torch.equal(pair.sharp, before[index][1])
