"""Hostile rows of issue 23, "nothing silently wrong": results that looked right but were not."""

from __future__ import annotations

import contextlib
import io
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
]
