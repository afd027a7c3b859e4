"""`deblurbench datasets`, `datasets check` and `synth`: formats, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from deblurbench.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_datasets_lists_layouts_and_counts(capsys) -> None:
    code, out, _ = run_cli(capsys, "datasets")
    assert code == 0
    for text in ("gopro", "hide", "realblur_j", "realblur_r", "kohler", "folder", "synthetic", "test 1,111"):
        assert text in out
    code, out, _ = run_cli(capsys, "datasets", "--format", "json")
    specs = {s["name"]: s for s in json.loads(out)}
    assert specs["gopro"]["counts"] == {"test": 1111, "train": 2103}
    assert specs["hide"]["counts"]["test"] == 2025 and specs["kohler"]["counts"] == {"test": 48}
    assert specs["realblur_r"]["counts"]["test"] == 980 and specs["synthetic"]["needs_root"] is False
    code, out, _ = run_cli(capsys, "datasets", "--format", "csv")
    assert [r["name"] for r in csv.DictReader(io.StringIO(out))][:2] == ["gopro", "hide"]


def test_check_clean_and_broken_gopro(tmp_path, fake, capsys) -> None:
    root = fake.gopro(tmp_path / "GOPRO_Large")
    code, out, err = run_cli(capsys, "datasets", "check", "gopro", "--root", root)
    assert code == 0, err
    assert out.startswith(f"gopro (test) at {root}: 4 pairs found, 4 usable; the full set has 1,111")
    assert "GOPR0384_11_00" in out and "0 problems" in out
    bad = root / "test" / "GOPR0385_11_01" / "blur" / "000002.png"
    fake.truncate(bad)
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", root)
    assert code == 1
    assert (
        "4 pairs found, 3 usable" in out and f"problem: {bad}: cannot decode (image file is truncated)" in out
    )
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", root, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["usable"] == 3 and len(report["problems"]) == 1
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", root, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["kind"] for r in rows] == ["group", "group", "problem"]
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", root, "--quick")
    assert code == 0 and "headers only" in out


def test_check_options_and_folder(tmp_path, fake, capsys) -> None:
    root = fake.gopro(tmp_path)
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", root, "--blur", "blur_gamma")
    assert code == 0 and "4 usable" in out
    fake.hide(tmp_path / "hide")
    code, out, _ = run_cli(
        capsys, "datasets", "check", "hide", "--root", tmp_path / "hide", "--opt", "part=long-shot"
    )
    assert code == 0 and "1 pairs found" in out
    fake.pair(tmp_path / "x" / "a.png", tmp_path / "y" / "a.png")
    code, out, _ = run_cli(
        capsys, "datasets", "check", "folder", "--blur", tmp_path / "x", "--sharp", tmp_path / "y"
    )
    assert code == 0 and "1 pairs found, 1 usable" in out
    fake.kohler(tmp_path / "k", shots=((1, 1),), frames=3)
    code, out, _ = run_cli(
        capsys, "datasets", "check", "kohler", "--root", tmp_path / "k", "--opt", "frame=2"
    )
    assert code == 0 and "note: kohler: 1 shot(s)" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["datasets", "check", "gopro", "--root", "{tmp}/missing"],
            "gopro: root {tmp}/missing does not exist",
        ),
        (["datasets", "check", "gopro"], "gopro: no root given"),
        (["datasets", "check", "imagenet", "--root", "{tmp}"], "unknown dataset 'imagenet'"),
        (
            ["datasets", "check", "gopro", "--root", "{tmp}", "--opt", "oops"],
            "--opt 'oops': expected KEY=VALUE",
        ),
        (["datasets", "check", "gopro", "--root", "{tmp}", "--opt", "x=1"], "gopro: unknown option 'x'"),
        (["datasets", "check", "gopro", "--root", "{tmp}", "--split", "val"], "unknown split 'val'"),
        (["datasets", "check"], "the following arguments are required: name"),
        (["synth", "--out", "{tmp}/o", "--split", "train"], "pass --limit N"),
    ],
    ids=[
        "missing-root",
        "no-root",
        "unknown",
        "bad-opt",
        "unknown-opt",
        "bad-split",
        "no-name",
        "train-no-limit",
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, expected) -> None:
    code, out, err = run_cli(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert code == 2 and out == ""
    assert expected.format(tmp=tmp_path) in err and err.count("\n") == 1


def test_check_synthetic_needs_no_root(capsys) -> None:
    code, out, _ = run_cli(capsys, "datasets", "check", "synthetic", "--split", "tiny")
    assert code == 0 and "synthetic (tiny): 4 pairs found, 4 usable" in out


def test_synth_writes_gopro_layout_that_checks_clean(tmp_path, capsys) -> None:
    out_dir = tmp_path / "synth"
    code, out, err = run_cli(
        capsys, "synth", "--out", out_dir, "--split", "train", "--limit", "2", "--seed", "4"
    )
    assert code == 0, err
    assert "2 pairs (train, seed 4) written" in out
    assert sorted(p.name for p in (out_dir / "train" / "random" / "blur").iterdir()) == [
        "000000.png",
        "000001.png",
    ]
    manifest = json.loads((out_dir / "synthetic_train.json").read_text())
    assert manifest["seed"] == 4 and len(manifest["pairs"]) == 2
    code, out, _ = run_cli(capsys, "datasets", "check", "gopro", "--root", out_dir, "--split", "train")
    assert code == 0 and "2 pairs found, 2 usable" in out
    code, _, err = run_cli(capsys, "synth", "--out", out_dir, "--split", "train", "--limit", "2")
    assert code == 2 and "already holds files" in err
