"""Official checkpoints in one folder: found by their published names, hash-checked, used by run and evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import deblurbench as db
from deblurbench.cli import main
from deblurbench.config import RunConfig
from deblurbench.models.official import MISMATCHED, UNVERIFIED, official_weights, scan_weights_dir
from deblurbench.runner import quality_weights


def test_a_folder_with_wrong_files_is_a_mismatch_naming_file_expected_and_found(
    tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "DMPHN_1_2_4"
    folder.mkdir()
    for name in db.get_spec("dmphn_1_2_4").checkpoints[0].sha256:
        (folder / name).write_bytes(b"not the authors' file")
    (entry,) = scan_weights_dir(tmp_path, ["dmphn_1_2_4"])
    assert entry.status == MISMATCHED
    assert "decoder_lv1.pkl: sha256 " in entry.detail and "expected 923fe68d" in entry.detail
    argv = ["evaluate", "--models", "dmphn_1_2_4", "--dataset", "synthetic", "--split", "tiny"]
    assert main([*argv, "--weights-dir", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "decoder_lv1.pkl: sha256" in err
    assert not (tmp_path / "out").exists()  # refused before any row


def test_a_checkpoint_without_a_known_hash_is_found_unverified_and_used(tmp_path: Path) -> None:
    name = db.get_spec("lmfn").checkpoints
    assert name == ()  # LMFN's authors release none: nothing to find
    checkpoint = db.get_spec("mimo_unet").checkpoints[0]
    torch.save(db.create_model("mimo_unet").state_dict(), tmp_path / checkpoint.name)
    (entry,) = [e for e in scan_weights_dir(tmp_path, ["mimo_unet"]) if e.checkpoint == checkpoint]
    assert entry.status == UNVERIFIED
    assert official_weights("mimo_unet", tmp_path, "gopro") == tmp_path / checkpoint.name
    config = RunConfig(weights_dir=tmp_path)
    assert quality_weights(config, "mimo_unet", "synthetic") == str(tmp_path / checkpoint.name)
    assert quality_weights(config, "hinet", "synthetic") is None  # not in the folder
    assert quality_weights(config, "lmfn", "synthetic") == "synthetic"  # the shipped tag comes first


def test_weights_command_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["weights", "--weights-dir", str(tmp_path), "--models", "hinet", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["checkpoint"] for r in rows} >= {"HINet-GoPro.pth"} and {r["status"] for r in rows} == {
        "missing"
    }
    assert main(["weights", "--weights-dir", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_weights_dir_in_the_run_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "run.toml"
    config.write_text(f'weights_dir = "{tmp_path / "nowhere"}"\n')
    assert main(["run", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "weights_dir expects a directory of official checkpoints" in capsys.readouterr().err
