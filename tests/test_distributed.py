"""torchrun across machines: ranks must not share one SQLite store over the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblurbench.cli import main


def test_ranks_on_several_machines_are_refused_before_any_store_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")  # two machines of two ranks each
    argv = [
        "evaluate",
        "--models",
        "identity",
        "--dataset",
        "synthetic",
        "--split",
        "tiny",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "several machines" in err and "--nnodes 1" in err
    assert not (tmp_path / "o" / "results.sqlite").exists()


def test_ranks_on_one_machine_share_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deblurbench.distributed import check_one_host

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    check_one_host()  # one host: WAL's shared memory works, nothing to refuse
