"""Hostile rows of issue 23, "nothing silently wrong": results that looked right but were not."""

from __future__ import annotations

import contextlib
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from hostile import EVALUATE, Case
from PIL import Image

import deblurbench as db
from deblurbench.bench.store import Store
from deblurbench.cli import main

SYNTHETIC_TINY = ("--dataset", "synthetic", "--split", "tiny")


def _weights_of(world: Path, model: str) -> set[str]:
    quality = Store(world / "out").frame("quality")
    return set(quality.loc[quality["model"] == model, "weights"])


def _bfloat16_rows_of_their_own(world: Path) -> None:
    """After a float32 evaluation, a bfloat16 one scores anew: its rows are its own."""
    argv = [a.replace("{w}", str(world)) for a in (*EVALUATE, "--models", "lmfn", *SYNTHETIC_TINY)]
    assert main([*argv, "--weights", "synthetic", "--dtype", "bfloat16"]) == 0
    quality = Store(world / "out").frame("quality")
    counts = quality.groupby("dtype").size().to_dict()
    counts == {"bfloat16": 4, "float32": 4} or pytest.fail(f"rows per dtype: {counts}")


def _means_of_one_protocol(world: Path) -> None:
    """After realblur-protocol rows, the standard evaluation's means are its own 4 images, the other named."""
    argv = [a.replace("{w}", str(world)) for a in (*EVALUATE, "--models", "identity", *SYNTHETIC_TINY)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(argv) == 0
    text = printed.getvalue()
    "means under the standard protocol" in text or pytest.fail(text)
    "also stored under the realblur protocol" in text or pytest.fail(text)
    means = text.split("means under")[1].splitlines()[2].split()
    means[:2] == ["identity", "4"] or pytest.fail(text)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _panels_of(world: Path, model: str) -> dict[str, list[tuple[str, Path]]]:
    """Each stored evaluation of ``model``'s strip panels of image 0, by weights and variant."""
    from deblurbench.reports.plots import strip_panels

    quality = Store(world / "out").frame("quality")
    rows = quality[(quality["model"] == model) & (quality["image_id"] == "0")]
    return {
        f"{r['weights']} {r['variant']}": strip_panels(world / "out" / "images", "0", [(r.to_dict(), model)])
        for _, r in rows.iterrows()
    }


def _two_weights_two_images(world: Path) -> None:
    """Weights B scored after weights A: A's strip still shows A's output, B's shows B's."""
    torch.manual_seed(0)
    torch.save(db.create_model("lmfn").state_dict(), world / "b.pth")
    before = {k: _pixels(p[0][1]) for k, p in _panels_of(world, "lmfn").items()}
    argv = (*EVALUATE, "--models", "lmfn", *FOLDER_PAIR, "--save-images", "--weights", "lmfn={w}/b.pth")
    assert main([a.replace("{w}", str(world)) for a in argv]) == 0
    after = _panels_of(world, "lmfn")
    len(after) == 2 or pytest.fail(f"evaluations: {list(after)}")
    for key, pixels in before.items():
        np.array_equal(_pixels(after[key][0][1]), pixels) or pytest.fail(f"{key}: its image was overwritten")


def _two_folders_two_ground_truths(world: Path) -> None:
    """A second folder pair with the same file stems: each strip's input and ground truth are its own."""
    for part in ("blur", "sharp"):
        (world / "other" / part).mkdir(parents=True)
    for i in range(2):
        Image.fromarray(np.full((24, 32, 3), 40 + i, np.uint8)).save(world / "other" / "blur" / f"{i}.png")
        Image.fromarray(np.full((24, 32, 3), 90 + i, np.uint8)).save(world / "other" / "sharp" / f"{i}.png")
    argv = (*EVALUATE, "--models", "identity", "--dataset", "folder", "--save-images")
    argv += ("--blur", "{w}/other/blur", "--sharp", "{w}/other/sharp")
    assert main([a.replace("{w}", str(world)) for a in argv]) == 0
    panels = _panels_of(world, "identity")
    len(panels) == 2 or pytest.fail(f"evaluations: {list(panels)}")
    for key, strip in panels.items():
        folder = world / ("other" if "other" in key else "pair")
        [label for label, _ in strip] == ["Blurry input", "Sharp (ground truth)"] or pytest.fail(str(strip))
        np.array_equal(_pixels(strip[0][1]), _pixels(folder / "blur" / "0.png")) or pytest.fail(
            f"{key}: input"
        )
        np.array_equal(_pixels(strip[1][1]), _pixels(folder / "sharp" / "0.png")) or pytest.fail(
            f"{key}: truth"
        )


def _exif_world(world: Path) -> None:
    """exif/blur/0.jpg: exif/sharp/0.jpg stored turned by 90 degrees, with EXIF orientation 6 saying so."""
    y, x = np.mgrid[0:32, 0:32]
    upright = np.stack([x * 8, y * 8, (x * y) % 256], axis=-1).astype(np.uint8)
    for part in ("blur", "sharp"):
        (world / "exif" / part).mkdir(parents=True)
    Image.fromarray(upright).save(world / "exif" / "sharp" / "0.jpg", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)
    turned.save(world / "exif" / "blur" / "0.jpg", quality=95, exif=exif)


def _exif_is_read_upright(world: Path) -> None:
    _exif_world(world)
    argv = [*EVALUATE, "--models", "identity", "--dataset", "folder", "--format", "json"]
    argv += ["--blur", "{w}/exif/blur", "--sharp", "{w}/exif/sharp"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main([a.replace("{w}", str(world)) for a in argv]) == 0
    psnr = json.loads(printed.getvalue())[0]["psnr"]
    psnr > 30 or pytest.fail(f"identity scored {psnr} dB against its upright copy: read unrotated")


def _exif_named_by_check(world: Path) -> None:
    _exif_world(world)
    argv = ["datasets", "check", "folder", "--blur", "{w}/exif/blur", "--sharp", "{w}/exif/sharp"]
    printed, said = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(said):
        main([a.replace("{w}", str(world)) for a in argv])
    text = printed.getvalue() + said.getvalue()
    lines = [line for line in text.splitlines() if "EXIF orientation 6" in line]
    (len(lines) == 1 and "exif/blur/0.jpg" in lines[0]) or pytest.fail(text)


def _bomb(world: Path) -> None:
    """bomb/blur/0.png: a PNG whose header says 14000x14000 (over Pillow's pixel limit); a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 14000, 14000, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    for part in ("blur", "sharp"):
        (world / "bomb" / part).mkdir(parents=True)
    (world / "bomb" / "blur" / "0.png").write_bytes(png)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(world / "bomb" / "sharp" / "0.png")


def _bomb_check(world: Path) -> None:
    _bomb(world)
    for command in ("datasets check folder", "evaluate --lpips off --models identity --dataset folder"):
        argv = [*command.split(), "--blur", f"{world}/bomb/blur", "--sharp", f"{world}/bomb/sharp"]
        said = io.StringIO()
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            code = main([*argv, "--out", f"{world}/out"] if command.startswith("evaluate") else argv)
        text = said.getvalue()
        code in (1, 2) or pytest.fail(f"{command}: exit {code}")
        ("bomb/blur/0.png" in text and "MAX_IMAGE_PIXELS" in text) or pytest.fail(f"{command}: {text}")
        "Traceback" not in text or pytest.fail(text)


FOLDER_PAIR = ("--dataset", "folder", "--blur", "{w}/pair/blur", "--sharp", "{w}/pair/sharp")

CASES = [
    Case(
        "a network without weights is not scored silently",
        (*EVALUATE, "--models", "identity,lmfn", *SYNTHETIC_TINY),
        line="lmfn without weights would score a random initialisation; give --weights NAME=PATH_OR_TAG "
        "(shipped: lmfn=synthetic)",
        absent=("out",),
    ),
    Case(
        "--random-weights scores it, labelled 'random init'",
        (*EVALUATE, "--models", "lmfn", *SYNTHETIC_TINY, "--random-weights"),
        code=0,
        then=lambda w: _weights_of(w, "lmfn") == {"random init"} or pytest.fail(str(_weights_of(w, "lmfn"))),
    ),
    Case(
        "--dtype bfloat16 after float32 rows is scored, not served the float32 rows",
        (*EVALUATE, "--models", "lmfn", *SYNTHETIC_TINY, "--weights", "synthetic"),
        code=0,
        then=_bfloat16_rows_of_their_own,
    ),
    Case(
        "evaluate's means are of one protocol, any other the store holds named",
        (*EVALUATE, "--models", "identity", *SYNTHETIC_TINY, "--protocol", "realblur"),
        code=0,
        then=_means_of_one_protocol,
    ),
    Case(
        "two weights of one network in one command are refused, not one silently dropped",
        (
            *EVALUATE,
            "--models",
            "lmfn",
            *SYNTHETIC_TINY,
            "--weights",
            "lmfn=synthetic",
            "--weights",
            "lmfn={w}/x",
        ),
        line="lmfn has weights already (synthetic)",
        absent=("out",),
    ),
    Case(
        "two weights of one network keep their own saved images",
        (*EVALUATE, "--models", "lmfn", *FOLDER_PAIR, "--save-images", "--random-weights"),
        code=0,
        then=_two_weights_two_images,
    ),
    Case(
        "two folder datasets sharing file stems keep their own input and ground truth",
        (*EVALUATE, "--models", "identity", *FOLDER_PAIR, "--save-images"),
        code=0,
        then=_two_folders_two_ground_truths,
    ),
    Case(
        "an EXIF-rotated JPEG is read upright",
        ("models",),
        code=0,
        then=_exif_is_read_upright,
    ),
    Case(
        "datasets check names an EXIF-rotated file in one line",
        ("models",),
        code=0,
        then=_exif_named_by_check,
    ),
    Case(
        "an image over Pillow's pixel limit is one line naming it and the limit, in check and evaluate",
        ("models",),
        code=0,
        then=_bomb_check,
    ),
]
