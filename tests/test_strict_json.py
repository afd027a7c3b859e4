"""Every command's ``--format json`` is strict JSON: no NaN or Infinity tokens, a null with its note instead."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hostile import make_world
from hostile_output import strict

from deblurbench.cli import main
from deblurbench.cli.args import json_text

EVALUATE = ("evaluate", "--lpips", "off", "--outputs", "same={w}/pair/sharp", "--dataset", "folder")
PAIR = ("--blur", "{w}/pair/blur", "--sharp", "{w}/pair/sharp")
COMMANDS = {
    "models": ("models",),
    "datasets": ("datasets",),
    "datasets check": ("datasets", "check", "folder", *PAIR),
    "complexity": ("complexity", "--models", "lmfn", "--size", "64x64"),
    "latency": (
        "latency",
        "--models",
        "lmfn",
        "--size",
        "64x64",
        "--warmup",
        "0",
        "--repeats",
        "1",
        "--min-repeats",
        "1",
    ),
    "weights": ("weights", "--weights-dir", "{w}/big"),
    "weights identify": ("weights", "identify", "{w}/text.pth", "{w}/big"),
    "evaluate": (*EVALUATE, *PAIR, "--out", "{w}/out"),
    "claims": ("claims", "--models", "lmfn", "--out", "{w}/out"),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_json_output_is_strict(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world(tmp_path)
    if name == "claims":  # a store holding an infinite PSNR
        assert main([a.replace("{w}", str(world)) for a in COMMANDS["evaluate"]]) == 0
        capsys.readouterr()
    argv = [a.replace("{w}", str(world)) for a in COMMANDS[name]]
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    strict(out)


def test_non_finite_values_are_null_with_a_note() -> None:
    text = json_text({"psnr": math.inf, "ssim": math.nan, "gap": -math.inf, "rows": [{"psnr": math.inf}]})
    assert strict(text) == {
        "psnr": None,
        "psnr_note": "infinite: identical images",
        "ssim": None,
        "ssim_note": "not a number",
        "gap": None,
        "gap_note": "negative infinite",
        "rows": [{"psnr": None, "psnr_note": "infinite: identical images"}],
    }
