"""Official checkpoints on a real GoPro frame, against the authors' own committed outputs.

The data lie in the workplace's shared folder (``../shared/real`` beside the repository, or
``$DEBLURBENCH_REAL``): the official DMPHN GoPro checkpoints, the GoPro test pair
GOPR0384_11_00/000001 and the authors' outputs for it (see its README and SHA256SUMS). A clone
of the project alone does not have them: every test here skips then. Nothing is copied into
the project.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import deblurbench as db
from deblurbench.cli import main
from deblurbench.models.official import MISMATCHED, scan_weights_dir

REAL = Path(os.environ.get("DEBLURBENCH_REAL", Path(__file__).resolve().parents[2] / "shared" / "real"))
FRAME = "GOPR0384_11_00-000001.png"
pytestmark = pytest.mark.skipif(not (REAL / "SHA256SUMS").is_file(), reason=f"no real data at {REAL}")


def rgb8(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def psnr8(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def authors_output(name: str) -> np.ndarray:
    """DMPHN's test script on the frame, as the authors saved it: ``deblur + 0.5`` truncated to 8 bits."""
    blur = torch.from_numpy(rgb8(REAL / "gopro" / "blur" / FRAME)).permute(2, 0, 1).float() / 255
    restored = db.Restorer(name, weights=REAL / "dmphn" / name.upper())(blur)
    return (restored * 255).floor().to(torch.uint8).permute(1, 2, 0).numpy()  # save_image truncated then


def test_the_official_folder_is_found_and_verified() -> None:
    entries = {e.model: e for e in scan_weights_dir(REAL / "dmphn", ["dmphn_1_2_4", "dmphn_1_2_4_8"])}
    assert entries["dmphn_1_2_4"].status == "found" and entries["dmphn_1_2_4_8"].status == "found"


def test_a_changed_file_is_a_mismatch_naming_it(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(REAL / "dmphn" / "DMPHN_1_2_4", tmp_path / "DMPHN_1_2_4")
    (tmp_path / "DMPHN_1_2_4" / "decoder_lv2.pkl").chmod(0o644)
    with open(tmp_path / "DMPHN_1_2_4" / "decoder_lv2.pkl", "ab") as handle:
        handle.write(b"\0")
    (entry,) = scan_weights_dir(tmp_path, ["dmphn_1_2_4"])
    assert (
        entry.status == MISMATCHED
        and "decoder_lv2.pkl: sha256" in entry.detail
        and "expected d324a23f" in entry.detail
    )


def test_blurry_input_scores_as_measured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--models", "identity", "--dataset", "folder", "--lpips", "off", "--format", "json"]
    argv += [
        "--blur",
        str(REAL / "gopro" / "blur"),
        "--sharp",
        str(REAL / "gopro" / "sharp"),
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    import json

    (row,) = json.loads(capsys.readouterr().out)
    assert row["psnr"] == pytest.approx(24.05, abs=0.01)


def test_fftformer_released_output_scores_as_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the flat pair folder read as the folder dataset (--root holds blur/ and sharp/): id GOPR0384_11_00-000001
    argv = ["evaluate", "--outputs", f"fftformer={REAL / 'released' / 'fftformer'}", "--dataset", "folder"]
    argv += ["--root", str(REAL / "gopro"), "--lpips", "off", "--out", str(tmp_path), "--format", "json"]
    assert main(argv) == 0
    import json

    (row,) = json.loads(capsys.readouterr().out)
    assert row["model"] == "released:fftformer" and row["image_id"] == FRAME.removesuffix(".png")
    assert f"{row['psnr']:.2f}" == "34.72"


@pytest.mark.slow
def test_dmphn_1_2_4_reproduces_the_authors_output() -> None:
    ours = authors_output("dmphn_1_2_4")
    theirs = rgb8(REAL / "dmphn" / "authors_output" / "DMPHN_1_2_4" / "000001.png")
    assert ours.shape == theirs.shape == (720, 1280, 3)
    assert psnr8(ours, theirs) >= 80  # measured about 92 dB: 1 grey level on 0.004% of values


@pytest.mark.slow
def test_dmphn_1_2_4_8_outputs_were_not_made_with_the_committed_checkpoint() -> None:
    # the forward matches the official test script; the committed outputs come from other weights
    ours = authors_output("dmphn_1_2_4_8")
    theirs = rgb8(REAL / "dmphn" / "authors_output" / "DMPHN_1_2_4_8" / "000001.png")
    assert 50 < psnr8(ours, theirs) < 62  # measured about 56 dB, up to 5 grey levels apart


@pytest.mark.slow
def test_evaluate_with_the_weights_dir_on_the_real_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["evaluate", "--models", "identity,dmphn_1_2_4", "--dataset", "folder", "--lpips", "off"]
    argv += ["--blur", str(REAL / "gopro" / "blur"), "--sharp", str(REAL / "gopro" / "sharp")]
    argv += ["--weights-dir", str(REAL / "dmphn"), "--out", str(tmp_path), "--format", "json"]
    assert main(argv) == 0
    import json

    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["identity"]["psnr"] == pytest.approx(24.05, abs=0.01)
    assert rows["dmphn_1_2_4"]["psnr"] == pytest.approx(30.77, abs=0.02)
    assert rows["dmphn_1_2_4"]["ssim_matlab"] == pytest.approx(0.9263, abs=0.001)


def test_weights_command_lists_found_missing_and_not_loadable(tmp_path: Path, capsys) -> None:
    import shutil

    shutil.copytree(REAL / "dmphn" / "DMPHN_1_2_4", tmp_path / "DMPHN_1_2_4")
    (tmp_path / "lstm").mkdir()  # SRN's TensorFlow folder as released: there, but not loadable
    code = main(
        [
            "weights",
            "--weights-dir",
            str(tmp_path),
            "--models",
            "dmphn_1_2_4,dmphn_1_2_4_8,srn_deblurnet",
            "--format",
            "json",
        ]
    )
    import json

    rows = {(r["model"], r["checkpoint"]): r for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert rows[("dmphn_1_2_4", "DMPHN_1_2_4/")]["status"] == "found"
    assert rows[("dmphn_1_2_4_8", "DMPHN_1_2_4_8/")]["status"] == "missing"
    assert rows[("srn_deblurnet", "lstm/")]["status"] == "found, not loadable as released"
