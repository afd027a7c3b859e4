"""Hostile input, in one table: the command or call, its exit code, its one line, what must stay unchanged.

Each :class:`~hostile.Case` runs against a fresh ``world`` (a few small files, ``hostile.make_world``)
and checks: the exit code (or the exception type of an API call), that the error output is exactly
one line holding ``line``, and that every path in ``unchanged`` holds the same bytes afterwards
(``absent`` paths must not exist). The next hostile input is one more row, here or in a
``tests/hostile_<topic>.py`` module's ``CASES``.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from fabricated import fabricate, quality_rows
from hostile import EVALUATE, Case, _failures, _quality_rows, _with_nan, make_world
from PIL import Image

import deblurbench as db
from deblurbench.bench.store import Store
from deblurbench.cli import main

CASES = [
    # 1. silent wrong results
    Case(
        "same folder as --blur and --sharp",
        (
            *EVALUATE,
            "--models",
            "identity",
            "--dataset",
            "folder",
            "--blur",
            "{w}/pair/blur",
            "--sharp",
            "{w}/pair/blur",
        ),
        line="--blur and --sharp are the same folder",
        absent=("out",),
    ),
    Case(
        "byte-identical pair is a failure row, not a score",
        (
            *EVALUATE,
            "--models",
            "identity",
            "--dataset",
            "folder",
            "--blur",
            "{w}/twin/blur",
            "--sharp",
            "{w}/twin/sharp",
        ),
        code=1,
        line="blur and sharp images are identical",
        then=lambda w: (
            _quality_rows(w) == {"1"} or pytest.fail(f"scored {_quality_rows(w)}"),
            any("identical" in e for e in _failures(w)) or pytest.fail("no failure row"),
        ),
    ),
    Case(
        "Restorer given 0-255 floats",
        call=lambda w: db.Restorer("lmfn")(torch.rand(1, 3, 64, 64) * 255),
        code=ValueError,
        line="divide 0-255 images by 255 first",
    ),
    Case(
        "Restorer given negative values",
        call=lambda w: db.Restorer("lmfn")(-torch.rand(1, 3, 64, 64)),
        code=ValueError,
        line="map the input to [0, 1] first",
    ),
    Case(
        "Restorer given one NaN pixel",
        call=lambda w: db.Restorer("lmfn")(_with_nan(torch.rand(1, 3, 64, 64))),
        code=ValueError,
        line="NaN or Inf",
    ),
    Case(
        "JPEG named .png is refused on open",
        (
            *EVALUATE,
            "--models",
            "identity",
            "--dataset",
            "folder",
            "--blur",
            "{w}/jpeg/blur",
            "--sharp",
            "{w}/jpeg/sharp",
        ),
        line="a JPEG file named .png",
        absent=("out",),
    ),
    # 3. --out is always a directory
    Case(
        "--out with a dot is a directory",
        (
            "evaluate",
            "--lpips",
            "off",
            "--models",
            "identity",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--out",
            "{w}/out.v2",
        ),
        code=0,
        then=lambda w: (w / "out.v2" / "results.sqlite").is_file() or pytest.fail("no store in out.v2/"),
    ),
    Case(
        "--out an existing regular file",
        ("report", "--out", "{w}/file.txt"),
        line="file.txt is a file; name a directory",
        unchanged=("file.txt",),
    ),
    Case(
        "--out an existing file for evaluate",
        (
            *EVALUATE[:-2],
            "--models",
            "identity",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--out",
            "{w}/empty.txt",
        ),
        line="empty.txt is a file; name a directory",
        unchanged=("empty.txt",),
    ),
    Case(
        "a SQLite file of another program as the store",
        (
            *EVALUATE[:-2],
            "--models",
            "identity",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--out",
            "{w}/theirs.sqlite",
        ),
        line="theirs.sqlite is a file; name a directory",
        unchanged=("theirs.sqlite",),
    ),
    # 4. weights checked before they are read
    Case(
        "--weights /dev/zero",
        (
            *EVALUATE,
            "--models",
            "lmfn",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--weights",
            "lmfn=/dev/zero",
        ),
        line="not a regular file",
        absent=("out",),
    ),
    Case(
        "--weights a directory holding a huge file",
        (
            *EVALUATE,
            "--models",
            "lmfn",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--weights",
            "lmfn={w}/big",
        ),
        line="is a directory; lmfn's checkpoints are single files",
        absent=("out",),
    ),
    Case(
        "--weights a file larger than any checkpoint",
        (
            *EVALUATE,
            "--models",
            "lmfn",
            "--dataset",
            "synthetic",
            "--split",
            "tiny",
            "--weights",
            "lmfn={w}/big/huge.pth",
        ),
        line="larger than any checkpoint",
        absent=("out",),
    ),
    Case(
        "--weights empty",
        (*EVALUATE, "--models", "lmfn", "--dataset", "synthetic", "--split", "tiny", "--weights", "lmfn="),
        line="empty value",
        absent=("out",),
    ),
    Case(
        "a text file as a checkpoint says what it is, no opcode",
        call=lambda w: db.create_model("lmfn", weights=w / "text.pth"),
        code=ValueError,
        line="neither a torch zip file nor a pickle",
    ),
    # 6. sizes that cannot fit
    Case(
        "latency at 100000x100000",
        ("latency", "--models", "lmfn", "--size", "100000x100000"),
        line="peak estimated on the meta device",
    ),
    # 8. configuration files
    Case(
        "--config a directory",
        ("run", "--config", "{w}/big", "--out", "{w}/out"),
        line="is a directory",
        absent=("out",),
    ),
    Case(
        "--config not UTF-8",
        ("run", "--config", "{w}/notutf8.toml", "--out", "{w}/out"),
        line="notutf8.toml: not UTF-8",
        absent=("out",),
    ),
    # 9. smaller ones
    Case('complexity --models ""', ("complexity", "--models", ""), line="no names"),
    Case('latency --models ""', ("latency", "--models", ""), line="no names"),
    Case('run --models ""', ("run", "--models", "", "--out", "{w}/out"), line="no names", absent=("out",)),
    Case(
        'evaluate --models ""',
        (*EVALUATE, "--models", "", "--dataset", "synthetic"),
        line="no names",
        absent=("out",),
    ),
    Case(
        "complexity of a reference method",
        ("complexity", "--models", "identity"),
        line="is a reference method",
    ),
    Case(
        "datasets check synthetic --root",
        ("datasets", "check", "synthetic", "--root", "{w}"),
        line="needs no root",
    ),
    Case(
        "latency --max-time -1",
        ("latency", "--models", "lmfn", "--max-time", "-1"),
        line="--max-time: max_time_s expects a number of seconds > 0; got -1.0",
    ),
    Case(
        "evaluate --workers -1",
        (*EVALUATE, "--models", "identity", "--dataset", "synthetic", "--workers", "-1"),
        line="--workers: workers expects an integer >= 0 (0 decodes inline); got -1",
        absent=("out",),
    ),
    Case("create_model(None)", call=lambda w: db.create_model(None), code=KeyError, line="must be a string"),
    Case(
        "open_dataset with a number as root",
        call=lambda w: db.open_dataset("gopro", root=5),
        code=ValueError,
        line="root=5 is not a path",
    ),
    Case(
        "Restorer given an empty batch",
        call=lambda w: db.Restorer("lmfn")(torch.rand(0, 3, 64, 64)),
        code=ValueError,
        line="empty batch",
    ),
    Case(
        "Restorer given a 0-pixel image",
        call=lambda w: db.Restorer("lmfn")(torch.rand(1, 3, 0, 64)),
        code=ValueError,
        line="empty batch",
    ),
    Case(
        "ssim of NaN does not say clamp",
        call=lambda w: db.metrics.ssim(torch.full((1, 3, 16, 16), math.nan), torch.rand(1, 3, 16, 16)),
        code=ValueError,
        line="holds NaN values",
    ),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CASES += [
    case
    for module in sorted(Path(__file__).parent.glob("hostile_*.py"))
    for case in importlib.import_module(module.stem).CASES
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world(tmp_path)
    before = {p: _digest(world / p) for p in case.unchanged}
    if case.call is not None:
        with pytest.raises(case.code) as raised:  # type: ignore[arg-type]
            case.call(world)
        text = str(raised.value)
        assert "\n" not in text and case.line in text, text
    else:
        code = main([arg.replace("{w}", str(world)) for arg in case.argv])
        out, err = capsys.readouterr()
        assert code == case.code, err
        if case.stdout is not None:
            case.stdout(out)
        if case.code == 2:
            assert err.count("\n") == 1 and case.line in err, err
        elif case.line:
            assert case.line in err, err
    for path, digest in before.items():
        assert _digest(world / path) == digest, f"{path} changed"
    for path in case.absent:
        assert not (world / path).exists(), f"{path} was made"
    if case.then is not None:
        case.then(world)


def test_datasets_check_lists_a_byte_identical_pair(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    report = db.datasets.check_dataset("folder", blur=world / "twin" / "blur", sharp=world / "twin" / "sharp")
    assert len(report.problems) == 1 and "byte-identical to its sharp image" in report.problems[0]


def test_read_only_output_directory_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    Store(tmp_path / "out").close()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path / "out" else real(p, mode))
    assert main(["report", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be written" in err and "not a deblurbench" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_parent_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        code = main(
            [
                "evaluate",
                "--models",
                "identity",
                "--dataset",
                "synthetic",
                "--split",
                "tiny",
                "--out",
                str(parent / "out"),
            ]
        )
    finally:
        parent.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot be created" in err


def test_truncated_saved_image_is_named_and_the_report_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    fabricate(out, images=True).close()
    broken = next((out / "images" / "lmfn").rglob("*.png"))
    broken.write_bytes(broken.read_bytes()[:60])  # what kill -9 in the middle of a save used to leave
    from deblurbench.reports.report import write_report

    report = write_report(Store(out), out).read_text()
    assert f"{broken} cannot be read" in report
    assert "## Quality: gopro" in report


def test_images_are_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deblurbench.bench import evaluate

    def killed(self: Image.Image, fp: Any, *args: Any, **kwargs: Any) -> None:
        Path(fp).write_bytes(b"\x89PNG\r\n\x1a\n partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        evaluate.save_image(torch.rand(3, 8, 8), tmp_path, "a/0")
    assert not list(tmp_path.rglob("*.png"))  # nothing a resumed run would take for finished


def test_reports_survive_inf_nan_and_single_images(tmp_path: Path) -> None:
    from deblurbench.reports.report import write_report

    store = Store(tmp_path)
    store.put(
        [replace(r, dataset="folder", psnr=math.inf) for r in quality_rows("identity", "", "gopro", 20)]
    )
    store.put([replace(r, psnr=math.nan) for r in quality_rows("wiener", "", "gopro", 20)])
    store.put(quality_rows("richardson_lucy", "", "gopro", 20)[:1])
    report = write_report(store, tmp_path).read_text()
    assert "## Quality: folder" in report and "## Quality: gopro" in report
    assert (tmp_path / "figures" / "psnr_distribution_gopro.png").is_file()


def test_two_splits_keep_their_own_ground_truth(tmp_path: Path) -> None:
    from deblurbench.runner import evaluate_methods

    store = Store(tmp_path)
    for split in ("tiny", "test"):
        dataset = db.open_dataset("synthetic", split=split, limit=1)
        evaluate_methods(
            ["identity"], dataset, store, {}, save_root=tmp_path / "images", lpips_net=None, workers=0
        )
    tiny = Image.open(next((tmp_path / "images" / "sharp" / "synthetic" / "tiny").rglob("*.png")))
    test = Image.open(next((tmp_path / "images" / "sharp" / "synthetic" / "test").rglob("*.png")))
    assert tiny.size == (64, 64) and test.size == (256, 256)
