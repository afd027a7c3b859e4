"""The command line: every sub-command, machine-readable formats, and one-line errors."""

from __future__ import annotations

import csv
import gc
import io
import json
from pathlib import Path

import pytest

from deblurbench import cli
from deblurbench.bench.store import Store
from deblurbench.cli import main
from deblurbench.cli.errors import EXIT_BROKEN_PIPE


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_console_exits_with_mains_code_the_heap_frozen_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """``deblurbench`` and ``python -m deblurbench`` exit with main's code, after freezing the heap out
    of the collector (its passes at interpreter exit cost about a CPU-second a process)."""
    calls: list[str] = []
    monkeypatch.setattr(cli, "main", lambda: calls.append("main") or 3)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    with pytest.raises(SystemExit) as exited:
        cli.console()
    assert exited.value.code == 3 and calls == ["main", "freeze"]


def test_models_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "models", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    lmfn = next(r for r in rows if r["name"] == "lmfn")
    assert lmfn["network"] == "LMFN" and lmfn["multiple"] == 16 and lmfn["fidelity"] == "manifest"


def test_models_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "models")
    assert code == 0 and "LMFN" in out and "lmfn" in out
    code, out, _ = run_cli(capsys, "models", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    lmfn = next(r for r in rows if r["name"] == "lmfn")
    assert (lmfn["multiple"], lmfn["min_size"]) == ("16", "64")  # not 16.0: reference rows leave them empty


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has gone away, as ``deblurbench models | head -1`` leaves it."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_stops_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(["models"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""  # no "error: Broken pipe", no traceback


def test_complexity_json_two_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys,
        "complexity",
        "--models",
        "lmfn",
        "--size",
        "256x256",
        "--size",
        "720x1280",
        "--format",
        "json",
    )
    assert code == 0, err
    results = json.loads(out)
    assert [r["size"] for r in results] == [[256, 256], [720, 1280]]
    assert results[0]["macs"]["fvcore"] == 4_493_002_752
    assert results[1]["macs"]["fvcore"] is None and results[1]["macs"]["torch_flop_counter"] > 6e10


def test_complexity_table_mentions_unused_modules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "complexity", "--models", "lmfn", "--size", "64x64")
    assert code == 0
    assert "gmacs_fvcore" in out and "LR_conv, final_lym" in out


def test_latency_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys,
        "latency",
        "--models",
        "lmfn",
        "--size",
        "64",
        "--repeats",
        "2",
        "--warmup",
        "0",
        "--format",
        "csv",
    )
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["model"] == "lmfn" and float(row["median_ms"]) > 0 and row["input_size"] == "64x64"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["complexity", "--models", "lmfx"], "unknown model 'lmfx': did you mean lmfn"),
        (["complexity", "--models", "lmfn", "--size", "25x"], "size '25x' is malformed"),
        (["complexity", "--models", "lmfn", "--size", "32x32"], "below lmfn's minimum 64x64"),
        (["latency", "--models", "lmfn", "--dtype", "int8"], "unknown dtype 'int8'"),
        (["latency", "--models", "lmfn", "--device", "tpu"], "device 'tpu'"),
        (["complexity", "--format", "xml"], "invalid choice: 'xml'"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        (["run", "--config", "/no/such/file.toml"], "no such file"),
    ],
)
def test_bad_input_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_cuda_without_cuda(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    code, _, err = run_cli(capsys, "latency", "--models", "lmfn", "--device", "cuda")
    assert code == 2 and "CUDA is not available" in err and len(err.strip().splitlines()) == 1


def test_run_writes_report_and_resumes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text(
        'complexity_sizes = ["64x64"]\nmacs_sizes = ["720x1280"]\nlatency_sizes = ["64x64"]\nquality_datasets = []\n'
    )
    out_dir = tmp_path / "out"
    argv = ["run", "--out", str(out_dir), "--models", "lmfn", "--config", str(config), "--repeats", "2"]
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert "3 measured, 0 already in the store, 0 failed" in out
    report = (out_dir / "report.md").read_text()
    assert "| LMFN" in report and "figures/macs_vs_params.png" in report
    assert (out_dir / "figures" / "macs_vs_params.png").stat().st_size > 1000
    assert (out_dir / "figures" / "macs_vs_params.svg").stat().st_size > 1000
    assert (out_dir / "tables" / "summary.csv").exists()
    store = Store(out_dir)
    assert len(store.frame("complexity")) == 2 and len(store.frame("latency")) == 1
    # a second run finds everything done and measures nothing
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0 and "0 measured, 3 already in the store" in out
