"""The embedded synthetic dataset: determinism, kernel properties, the blur model, the GoPro-layout copy."""

from __future__ import annotations

import numpy as np
import pytest

from deblurbench.datasets import DatasetError, PairTransform, open_dataset, write_gopro
from deblurbench.datasets import synthetic as syn


def _bytes(dataset) -> list[tuple[str, bytes, bytes, bytes]]:
    rows = []
    for position in range(len(dataset)):
        blurred, sharp, meta = dataset.generate(position)
        rows.append((dataset.ids[position], blurred.tobytes(), sharp.tobytes(), meta["kernel"].tobytes()))
    return rows


def test_same_seed_same_bytes_in_any_order_different_seed_different_kernels() -> None:
    first = open_dataset("synthetic", split="tiny", seed=7)
    again = open_dataset("synthetic", split="tiny", seed=7)
    assert _bytes(first) == _bytes(again)
    backwards = [again[i] for i in reversed(range(len(again)))][::-1]
    for a, b in zip(first, backwards, strict=True):
        assert a.id == b.id and a.blur.equal(b.blur) and np.array_equal(a.meta["kernel"], b.meta["kernel"])
    other = open_dataset("synthetic", split="tiny", seed=8)
    for a, b in zip(_bytes(first), _bytes(other), strict=True):
        assert a[0] == b[0] and a[2] == b[2]  # same tiles
        assert a[3] != b[3] and a[1] != b[1]  # other kernels, other blur


@pytest.mark.parametrize("length", [0.0, 3.0, 8.0, 17.5, 32.0, 45.0])
def test_kernel_properties(length) -> None:
    for seed in range(6):
        rng = np.random.default_rng(seed)
        path = syn.trajectory(length, rng)
        assert np.abs(np.diff(path)).sum() == pytest.approx(length, rel=1e-9, abs=1e-9)
        kernel = syn.rasterise(path)
        size = kernel.shape[0]
        assert kernel.shape == (size, size) and size % 2 == 1
        assert kernel.min() >= 0 and kernel.sum() == pytest.approx(1.0, abs=1e-12)
        rows, cols = np.indices(kernel.shape)
        assert (rows * kernel).sum() == pytest.approx(size // 2, abs=1e-9)  # centre of mass at the centre
        assert (cols * kernel).sum() == pytest.approx(size // 2, abs=1e-9)
        assert size <= 2 * np.ceil(length / 2) + 3  # no point is farther than length / 2 from the centroid


def test_kernels_differ_between_draws_and_are_not_straight_lines() -> None:
    kernels = [syn.motion_kernel(20.0, np.random.default_rng(s)) for s in range(8)]
    assert len({k.tobytes() for k in kernels}) == 8
    assert any(not np.array_equal(k, np.flip(k)) for k in kernels)  # camera shake is not point-symmetric


def test_the_kernel_in_meta_reproduces_the_blur_also_after_a_transform() -> None:
    dataset = open_dataset("synthetic", split="tiny", noise=0.0)
    cropped = open_dataset("synthetic", split="tiny", noise=0.0, transform=PairTransform(crop=40, seed=5))
    wrong = []
    for pair in [*dataset, *cropped]:
        kernel = pair.meta["kernel"]
        r = kernel.shape[0] // 2
        sharp = pair.sharp.permute(1, 2, 0).double().numpy()
        blur = pair.blur.permute(1, 2, 0).double().numpy()[r:-r, r:-r]
        predicted = syn.linear_to_srgb(syn.convolve_valid(syn.srgb_to_linear(sharp), kernel))
        assert np.abs(predicted - blur).max() <= 0.5 / 255 + 1e-9  # only the 8-bit rounding differs
        for other in (np.flip(kernel), kernel.T):
            mirrored = syn.linear_to_srgb(syn.convolve_valid(syn.srgb_to_linear(sharp), other))
            wrong.append(np.abs(mirrored - blur).max())
    assert max(wrong) > 10 / 255  # the check tells a mirrored or transposed kernel apart
    assert {p.meta["transform"]["rot90"] for p in cropped} != {0}


def test_test_split_is_24_tiles_of_256_with_several_lengths() -> None:
    dataset = open_dataset("synthetic")
    assert len(dataset) == 24 and dataset.info["expected"] == 24
    assert dataset.ids[0] == "astronaut/000000" and dataset.ids[-1] == "motorcycle_left/000023"
    lengths = []
    for pair in dataset:
        assert pair.blur.shape == pair.sharp.shape == (3, 256, 256)
        assert float((pair.blur - pair.sharp).abs().mean()) > 0.005
        lengths.append(pair.meta["kernel_length"])
    assert sorted(set(lengths)) == [8.0, 16.0, 24.0, 32.0]
    tiles = syn.plan_tiles("test")
    for tile in tiles:
        height, width = syn.load_source(tile.source).shape[:2]
        assert 0 <= tile.top <= height - 256 and 0 <= tile.left <= width - 256
    for a in tiles:  # tiles of one image do not overlap
        for b in tiles:
            if a is not b and a.source == b.source:
                assert abs(a.top - b.top) >= 256 or abs(a.left - b.left) >= 256


def test_train_split_is_random_crops_from_other_images() -> None:
    assert not set(syn.TRAIN_SOURCES) & set(syn.TEST_SOURCES)
    dataset = open_dataset("synthetic", split="train", size=96, num_samples=50, seed=1)
    assert len(dataset) == 50 and dataset.ids[3] == "random/000003"
    pairs = [dataset[i] for i in range(0, 50, 7)]
    for pair in pairs:
        assert pair.blur.shape == (3, 96, 96) and pair.meta["source"] in syn.TRAIN_SOURCES
        assert 4.0 <= pair.meta["kernel_length"] <= 32.0
    assert len({p.meta["crop"] for p in pairs}) == len(pairs)
    assert dataset[7].blur.equal(
        open_dataset("synthetic", split="train", size=96, num_samples=50, seed=1)[7].blur
    )
    assert len(open_dataset("synthetic", split="train")) == 20000


def test_extra_sources_add_a_colour_photo_to_training_only() -> None:
    default = open_dataset("synthetic", split="train", size=96, num_samples=40, seed=1)
    extra = open_dataset(
        "synthetic", split="train", size=96, num_samples=40, seed=1, extra_sources="grace_hopper"
    )
    assert extra.sources == (*default.sources, "grace_hopper")
    photo = syn.load_source("grace_hopper")
    assert photo.shape == (600, 512, 3) and (photo[..., 0] != photo[..., 2]).mean() > 0.5  # a colour picture
    drawn = [extra[i].meta["source"] for i in range(40)]
    assert "grace_hopper" in drawn and set(drawn) <= set(extra.sources)
    assert default[0].blur.equal(
        open_dataset("synthetic", split="train", size=96, num_samples=40, seed=1)[0].blur
    )
    with pytest.raises(DatasetError, match="extra_sources=astronaut unknown; choose from grace_hopper"):
        open_dataset("synthetic", split="train", extra_sources="astronaut")
    with pytest.raises(DatasetError, match="apply to the train split only"):
        open_dataset("synthetic", split="test", extra_sources="grace_hopper")


def test_bad_options() -> None:
    with pytest.raises(DatasetError, match="synthetic: needs no root"):
        open_dataset("synthetic", root="/data")
    with pytest.raises(DatasetError, match="seed=-1"):
        open_dataset("synthetic", seed=-1)
    with pytest.raises(DatasetError, match="noise=2"):
        open_dataset("synthetic", noise=2)
    with pytest.raises(DatasetError, match="apply to the train split only"):
        open_dataset("synthetic", size=128)
    with pytest.raises(DatasetError, match="unknown split 'val'; use one of test, tiny, train"):
        open_dataset("synthetic", split="val")
    with pytest.raises(DatasetError, match="no training source image is as large as size=4000"):
        open_dataset("synthetic", split="train", size=4000)


def test_written_copy_reads_back_as_gopro_byte_for_byte(tmp_path, to_uint8) -> None:
    dataset = open_dataset("synthetic", split="tiny", seed=2)
    manifest = write_gopro(dataset, tmp_path / "a")
    assert [r["id"] for r in manifest["pairs"]] == dataset.ids
    # GoPro's loader knows train and test: name the written tiny split test to read it back.
    (tmp_path / "a" / "tiny").rename(tmp_path / "a" / "test")
    copy = open_dataset("gopro", root=tmp_path / "a")
    assert copy.ids == dataset.ids
    for original, read in zip(dataset, copy, strict=True):
        assert original.blur.equal(read.blur) and original.sharp.equal(read.sharp)
        scene, stem = original.id.split("/")
        kernel = np.load(tmp_path / "a" / "test" / scene / "kernel" / f"{stem}.npy")
        assert np.array_equal(kernel, original.meta["kernel"])
    write_gopro(open_dataset("synthetic", split="tiny", seed=2), tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a" / "test") for p in (tmp_path / "a" / "test").rglob("*.*"))
    files_b = sorted(p.relative_to(tmp_path / "b" / "tiny") for p in (tmp_path / "b" / "tiny").rglob("*.*"))
    assert files_a == files_b and len(files_a) == 12
    for rel in files_a:
        assert (tmp_path / "a" / "test" / rel).read_bytes() == (tmp_path / "b" / "tiny" / rel).read_bytes()
    with pytest.raises(DatasetError, match="already holds files; choose another --out or pass --overwrite"):
        write_gopro(dataset, tmp_path / "b")
    write_gopro(dataset, tmp_path / "b", overwrite=True)
