"""The common pair type: decoding and its refusals, selection, batching, training transforms."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from deblurbench.datasets import DatasetError, PairTransform, collate_pairs, open_dataset, read_image
from deblurbench.datasets.paired import Pair, probe_image, select_positions


def test_png_decodes_exactly_to_float_rgb(tmp_path, fake, to_uint8) -> None:
    pixels = fake.png(tmp_path / "a.png")
    image = read_image(tmp_path / "a.png")
    assert image.dtype == torch.float32 and image.shape == (3, 6, 8) and image.is_contiguous()
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    assert np.array_equal(to_uint8(image), pixels)


def test_jpeg_is_read(tmp_path, fake) -> None:
    Image.fromarray(fake.pixels(16, 16)).save(tmp_path / "a.jpg", quality=95)
    assert read_image(tmp_path / "a.jpg").shape == (3, 16, 16)


@pytest.mark.parametrize(
    ("writer", "expected"),
    [
        (lambda f, p: f.grey(p), "greyscale image (mode L)"),
        (lambda f, p: f.png16(p), "16-bit image"),
        (lambda f, p: Image.fromarray(np.full((4, 4), 4000, np.uint16)).save(p), "16-bit image (mode I;16)"),
        (lambda f, p: f.rgba(p, opaque=False), "transparent pixels"),
        (lambda f, p: (f.png(p), f.truncate(p)), "cannot decode (image file is truncated)"),
        (lambda f, p: p.write_bytes(b""), "not an image Pillow can identify"),
        (lambda f, p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "not an image Pillow can identify"),
    ],
    ids=["grey", "16-bit-rgb", "16-bit-grey", "transparent", "truncated", "empty", "garbage"],
)
def test_bad_images_are_one_line_errors_naming_the_file(tmp_path, fake, writer, expected) -> None:
    path = tmp_path / "bad.png"
    writer(fake, path)
    with pytest.raises(DatasetError) as info:
        read_image(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


def test_cmyk_jpeg_is_refused(tmp_path, fake) -> None:
    Image.fromarray(fake.pixels()).convert("CMYK").save(tmp_path / "c.jpg")
    with pytest.raises(DatasetError, match="colour mode CMYK"):
        read_image(tmp_path / "c.jpg")


def test_16_bit_rgb_png_is_seen_in_the_header(tmp_path, fake) -> None:
    fake.png16(tmp_path / "a.png")
    header = probe_image(tmp_path / "a.png")
    assert header.mode == "RGB" and header.bits == 16  # Pillow's mode alone would hide it


def test_opaque_alpha_and_palette_are_read_as_rgb(tmp_path, fake, to_uint8) -> None:
    rgb = fake.rgba(tmp_path / "a.png", opaque=True)
    assert np.array_equal(to_uint8(read_image(tmp_path / "a.png")), rgb)
    pixels = fake.pixels()
    palette = Image.fromarray(pixels).convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    palette.save(tmp_path / "p.png")
    assert np.array_equal(to_uint8(read_image(tmp_path / "p.png")), np.asarray(palette.convert("RGB")))


def test_select_positions_limit_subset_and_ids() -> None:
    ids = [f"s/{i:03d}" for i in range(10)]
    assert select_positions(ids, limit=3) == [0, 1, 2]
    assert select_positions(ids, subset=4) == [1, 3, 6, 8]  # spread over the whole set
    assert select_positions(ids, subset=4, limit=2) == [1, 3]
    assert select_positions(ids, subset=50) == list(range(10))
    assert select_positions(ids, subset=["s/007", "s/002"]) == [7, 2]
    assert select_positions(ids, subset="s/001, s/004") == [1, 4]
    with pytest.raises(DatasetError, match=r"unknown id\(s\) 's/999'; ids look like 's/000'"):
        select_positions(ids, subset=["s/999"])
    for bad in (0, -1, 2.5, True):
        with pytest.raises(DatasetError, match="limit"):
            select_positions(ids, limit=bad)
    with pytest.raises(DatasetError, match="subset=0"):
        select_positions(ids, subset=0)


def _pair(height: int, width: int, pair_id: str = "x") -> Pair:
    image = torch.arange(3 * height * width, dtype=torch.float32).reshape(3, height, width)
    return Pair(blur=image, sharp=image.clone(), id=pair_id, meta={"kernel": np.arange(9.0).reshape(3, 3)})


def test_collate_pairs_stacks_and_refuses_mixed_sizes() -> None:
    batch = collate_pairs([_pair(4, 5, "a"), _pair(4, 5, "b")])
    assert batch.blur.shape == (2, 3, 4, 5) and batch.ids == ["a", "b"] and len(batch.metas) == 2
    with pytest.raises(DatasetError, match=r"cannot batch a \(4x5\) with b \(5x4\)"):
        collate_pairs([_pair(4, 5, "a"), _pair(5, 4, "b")])


def test_transform_is_seeded_identical_on_both_images_and_moves_the_kernel() -> None:
    transform = PairTransform(crop=(3, 4), seed=1)
    draws = [transform(_pair(8, 9), key) for key in range(16)]
    again = [transform(_pair(8, 9), key) for key in range(16)]
    for a, b in zip(draws, again, strict=True):
        assert torch.equal(a.blur, b.blur) and a.meta["transform"] == b.meta["transform"]
        assert torch.equal(a.blur, a.sharp)  # the same crop, flip and rotation on both
        rotated = a.meta["transform"]["rot90"] % 2 == 1
        assert a.blur.shape == ((3, 4, 3) if rotated else (3, 3, 4))
    assert len({str(d.meta["transform"]) for d in draws}) > 4  # keys give different draws
    original = np.arange(9.0).reshape(3, 3)
    for pair in draws:
        record = pair.meta["transform"]
        expected = np.rot90(np.flip(original, axis=1) if record["hflip"] else original, record["rot90"])
        assert np.array_equal(pair.meta["kernel"], expected)
    transform.epoch = 1
    assert any(
        transform(_pair(8, 9), k).meta["transform"] != d.meta["transform"] for k, d in enumerate(draws)
    )
    with pytest.raises(DatasetError, match="smaller than the crop 3x4"):
        PairTransform(crop=(3, 4))(_pair(2, 2), 0)


def test_dataset_pickles_and_a_dataloader_with_two_workers_matches_one_process() -> None:
    dataset = open_dataset("synthetic", split="tiny", transform=PairTransform(crop=32, seed=3))
    clone = pickle.loads(pickle.dumps(dataset))
    assert torch.equal(clone[2].blur, dataset[2].blur)
    loader = DataLoader(dataset, batch_size=2, num_workers=2, collate_fn=collate_pairs)
    batches = list(loader)
    assert [b.ids for b in batches] == [dataset.ids[0:2], dataset.ids[2:4]]
    for number, batch in enumerate(batches):
        assert batch.blur.shape == (2, 3, 32, 32)
        for row in range(2):
            expected = dataset[2 * number + row]
            assert torch.equal(batch.blur[row], expected.blur) and torch.equal(
                batch.sharp[row], expected.sharp
            )
            assert np.array_equal(batch.metas[row]["kernel"], expected.meta["kernel"])


def test_index_errors_and_negative_indices() -> None:
    dataset = open_dataset("synthetic", split="tiny", limit=2)
    assert len(dataset) == 2 and dataset[-1].id == dataset.ids[1]
    with pytest.raises(IndexError):
        dataset[2]


@pytest.mark.slow
def test_dataloader_with_spawned_workers() -> None:
    """Spawned workers receive the dataset pickled (fork would hide a lambda or a local class)."""
    dataset = open_dataset("synthetic", split="tiny", transform=PairTransform(crop=16, seed=1))
    loader = DataLoader(
        dataset, batch_size=4, num_workers=2, collate_fn=collate_pairs, multiprocessing_context="spawn"
    )
    (batch,) = list(loader)
    assert batch.ids == dataset.ids and torch.equal(batch.blur[3], dataset[3].blur)


def test_a_png_is_decoded_once_and_its_exif_orientation_still_applied(tmp_path, monkeypatch) -> None:
    """Probing a PNG's header decodes no pixels (Pillow's ``getexif`` on an unloaded PNG decodes the
    whole image to look for an eXIf chunk behind them), and an orientation tag is still applied."""
    rng = np.random.default_rng(0)
    plain, turned = tmp_path / "plain.png", tmp_path / "turned.png"
    Image.fromarray(rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)).save(plain)
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90 degrees: read as 10 x 6
    Image.fromarray(rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)).save(turned, exif=exif)
    loads = []  # one pixel decoder made per decode
    decoder = Image._getdecoder
    monkeypatch.setattr(Image, "_getdecoder", lambda *a, **k: loads.append(1) or decoder(*a, **k))
    assert probe_image(plain).size == (6, 10) and loads == []
    assert read_image(plain).shape == (3, 6, 10) and len(loads) == 1
    assert probe_image(turned).size == (10, 6) and read_image(turned).shape == (3, 10, 6)
