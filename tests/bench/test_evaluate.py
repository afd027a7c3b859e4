"""Evaluation: per-image rows, reference methods, failures recorded, the store resumable."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from launcher import torchrun
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torch import nn

import deblurbench as db
from deblurbench.bench.evaluate import evaluate, weights_label
from deblurbench.bench.records import QualityRecord
from deblurbench.bench.references import get_reference, list_references
from deblurbench.bench.store import Store
from deblurbench.cli import main
from deblurbench.models import Paper, registry


@pytest.fixture(scope="module")
def tiny() -> db.PairedDataset:
    return db.open_dataset("synthetic", split="tiny")


def _uint8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def test_identity_rows_match_skimage(tiny: db.PairedDataset) -> None:
    frame = db.evaluate("identity", tiny, lpips_net=None, workers=0)  # the public API
    assert list(frame["image_id"]) == tiny.ids
    assert set(frame["protocol"]) == {"standard"} and set(frame["quantized"]) == {True}
    for (_, row), pair in zip(frame.iterrows(), tiny, strict=True):
        blur, sharp = _uint8(pair.blur), _uint8(pair.sharp)
        assert row["psnr"] == pytest.approx(peak_signal_noise_ratio(sharp, blur, data_range=255), abs=1e-6)
        expected = structural_similarity(
            sharp / 255.0,
            blur / 255.0,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            channel_axis=2,
            data_range=1.0,
        )
        assert row["ssim_skimage"] == pytest.approx(expected, abs=1e-6)
        basicsr = db.metrics.ssim(pair.blur[None], pair.sharp[None], convention="basicsr")
        assert row["ssim_basicsr"] == pytest.approx(float(basicsr[0]), abs=1e-12)
        assert 0 < row["ssim_matlab"] <= 1 and row["seconds"] >= 0


def test_references_listed_and_deconvolution_beats_the_blurry_input(tiny: db.PairedDataset) -> None:
    assert list_references() == ["identity", "richardson_lucy", "wiener"]
    assert get_reference("wiener").needs_kernel and not get_reference("identity").needs_kernel
    means = {m: evaluate(m, tiny, lpips_net=None, workers=0)["psnr"].mean() for m in list_references()}
    assert means["wiener"] > means["identity"] + 0.5
    assert means["richardson_lucy"] > means["identity"] + 0.5
    with pytest.raises(ValueError, match="unknown reference method 'wienr': did you mean wiener"):
        get_reference("wienr")


def _folder_dataset(root: Path, count: int = 3) -> db.PairedDataset:
    rng = np.random.default_rng(0)
    for i in range(count):
        for kind in ("blur", "sharp"):
            (root / kind).mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(root / kind / f"{i}.png")
    return db.open_dataset("folder", blur=root / "blur", sharp=root / "sharp")


def test_kernel_methods_fail_per_image_without_a_kernel(tmp_path: Path) -> None:
    dataset = _folder_dataset(tmp_path / "data")
    store = Store(tmp_path / "out")
    frame = evaluate("wiener", dataset, store=store, lpips_net=None, workers=0)
    assert frame.empty and len(frame.attrs["failures"]) == 3
    failures = store.frame("failures")
    assert len(failures) == 3 and failures["error"].str.contains("needs the true blur kernel").all()


class NaNNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        y[..., 0, 0] = float("nan")
        return y


@pytest.fixture
def nan_net():
    def nan_net() -> nn.Module:
        return NaNNet()

    registry.register_model(display_name="NaN net", paper=Paper("t", "v", 2026), repo="a/b", commit="0" * 40)(
        nan_net
    )
    yield "nan_net"
    registry.MODELS.remove("nan_net")


def test_nan_output_and_unreadable_image_are_failure_rows(tmp_path: Path, nan_net: str) -> None:
    dataset = _folder_dataset(tmp_path / "data")
    store = Store(tmp_path / "out")
    frame = evaluate(nan_net, dataset, store=store, lpips_net=None, workers=0)
    assert frame.empty and all("NaN" in reason for _, reason in frame.attrs["failures"])
    # an image that breaks after the dataset was opened: the others are still scored
    (tmp_path / "data" / "blur" / "1.png").write_bytes(b"not a png any more")
    frame = evaluate("identity", dataset, store=store, lpips_net=None, workers=1)
    assert list(frame["image_id"]) == ["0", "2"]
    assert [image for image, _ in frame.attrs["failures"]] == ["1"]
    assert len(store.frame("quality")) == 2


class _SlowCounting:
    """A stand-in dataset: item i is i after a short sleep, item 3 cannot be read; counts reads."""

    def __init__(self) -> None:
        self.reads: list[int] = []

    def __getitem__(self, index: int) -> int:
        time.sleep(0.002 * (index % 3))  # out-of-order completion if order were not kept
        self.reads.append(index)
        if index == 3:
            raise OSError("image 3 is truncated\nsecond line")
        return index


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_prefetch_keeps_order_turns_errors_into_rows_and_reads_ahead_a_bounded_amount(workers: int) -> None:
    from deblurbench.bench.evaluate import _prefetched

    data = _SlowCounting()
    items = _prefetched(data, list(range(10)), workers)
    first = next(items)
    assert first == (0, 0, None)
    time.sleep(0.05)
    assert len(data.reads) <= 1 + 2 * workers  # read ahead at most 2 per thread
    rest = list(items)
    assert [i for i, _, _ in [first, *rest]] == list(range(10))
    assert rest[2] == (3, None, "OSError: image 3 is truncated")
    assert sorted(data.reads) == list(range(10))
    stopped = _SlowCounting()
    early = _prefetched(stopped, list(range(100)), workers)
    next(early)
    early.close()  # a consumer that stops early (an interrupted sweep) leaves no work queued
    time.sleep(0.05)
    assert len(stopped.reads) <= 2 + 2 * workers


def test_default_workers_decodes_inline_when_the_model_has_every_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from deblurbench.bench.evaluate import default_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert default_workers(torch.device("cpu")) == 0
    monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
    assert default_workers(torch.device("cpu")) == 1
    assert default_workers(torch.device("cuda")) == 1


def test_store_makes_evaluation_resumable(tiny: db.PairedDataset, tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = evaluate("identity", tiny, store=store, lpips_net=None, indices=[0, 2], workers=0)
    assert list(first["image_id"]) == [tiny.ids[0], tiny.ids[2]]
    rest = evaluate("identity", tiny, store=store, lpips_net=None, workers=0)
    assert list(rest["image_id"]) == [tiny.ids[1], tiny.ids[3]]
    assert evaluate("identity", tiny, store=store, lpips_net=None, workers=0).empty
    assert len(store.frame("quality")) == 4
    # other settings are other rows
    evaluate("identity", tiny, store=store, lpips_net=None, quantized=False, workers=0)
    assert len(store.frame("quality")) == 8


def test_lpips_missing_is_null_not_zero(tiny: db.PairedDataset, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-cache"))
    store = Store(tmp_path)
    frame = evaluate("identity", tiny, store=store, indices=[0], workers=0)
    assert np.isnan(frame["lpips"][0])
    assert store.frame("quality")["lpips"].isna().all()


def test_saved_images_are_the_scored_8_bit_outputs(tiny: db.PairedDataset, tmp_path: Path) -> None:
    frame = evaluate("identity", tiny, save_dir=tmp_path, lpips_net=None, workers=0)
    for image_id, pair in zip(frame["image_id"], tiny, strict=True):
        saved = np.asarray(Image.open(tmp_path / f"{image_id}.png"))
        assert np.array_equal(saved, _uint8(pair.blur))


def test_weights_label_names_file_and_content(tmp_path: Path) -> None:
    path = tmp_path / "net.pth"
    torch.save({"w": torch.zeros(2)}, path)
    label = weights_label(path)
    assert label.startswith("net.pth@") and len(label) == len("net.pth@") + 12
    assert weights_label(None) == "" and weights_label("synthetic") == "synthetic"
    assert weights_label("synthetic", "identity") == "synthetic"  # reference methods ship no weights


def test_shipped_tag_label_follows_the_file_so_new_weights_are_scored_anew(
    tiny: db.PairedDataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = registry.resolve_weights("lmfn", "synthetic")
    label = weights_label("synthetic", "lmfn")
    assert label == f"synthetic@{hashlib.sha256(shipped.read_bytes()).hexdigest()[:12]}"
    store = Store(tmp_path / "store")
    first = evaluate("lmfn", tiny, weights="synthetic", store=store, lpips_net=None, workers=0)
    assert set(first["weights"]) == {label} and len(first) == len(tiny)
    assert evaluate("lmfn", tiny, weights="synthetic", store=store, lpips_net=None, workers=0).empty
    # a release that changes the file behind the tag: its rows are new rows, not the old ones reused
    changed = tmp_path / "lmfn_synthetic.pt"
    changed.write_bytes(shipped.read_bytes() + b"\0")
    monkeypatch.setattr("deblurbench.bench.labels.resolve_weights", lambda model, tag: changed)
    new_label = weights_label("synthetic", "lmfn")
    assert new_label.startswith("synthetic@") and new_label != label
    again = evaluate("lmfn", tiny, weights="synthetic", store=store, lpips_net=None, workers=0)
    assert set(again["weights"]) == {new_label} and len(again) == len(tiny)
    assert len(store.frame("quality")) == 2 * len(tiny)


def _writer(path: str, start: int, count: int) -> None:
    store = Store(path)
    for i in range(start, start + count):
        row = QualityRecord(
            model="identity",
            weights="",
            dataset="synthetic",
            split="test",
            image_id=f"img{i:04d}",
            protocol="standard",
            quantized=True,
            psnr=float(i),
        )
        store.put(row)
    store.close()


def test_two_processes_writing_one_store_lose_nothing(tmp_path: Path) -> None:
    Store(tmp_path).close()
    context = multiprocessing.get_context("fork")  # children run SQLite only: no imports to pay again
    workers = [context.Process(target=_writer, args=(str(tmp_path), k * 60, 60)) for k in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    frame = Store(tmp_path).frame("quality")
    assert sorted(frame["image_id"]) == [f"img{i:04d}" for i in range(120)]


def _open_and_start(path: str, results: multiprocessing.Queue, go: multiprocessing.Event) -> None:
    go.wait()
    try:
        store = Store(path)
        store.start_run("test", {})
        store.close()
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    """torchrun ranks create the store together: switching a new file to WAL made one of
    them fail at once with "database is locked" (about one time in five with six processes)."""
    context = multiprocessing.get_context("fork")  # children run SQLite only
    for attempt in range(16):
        results, go = context.Queue(), context.Event()
        path = tmp_path / f"out{attempt}"
        workers = [context.Process(target=_open_and_start, args=(str(path), results, go)) for _ in range(6)]
        for worker in workers:
            worker.start()
        go.set()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(60)
        assert outcomes == ["ok"] * 6, (attempt, [o for o in outcomes if o != "ok"])
        assert len(Store(path).frame("runs")) == 6


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path / "results.sqlite") as db_:
        return sorted(db_.execute("SELECT model, image_id, psnr, ssim_matlab FROM quality").fetchall())


EVALUATE = [
    sys.executable,
    "-m",
    "deblurbench",
    "evaluate",
    "--models",
    "identity,richardson_lucy",
    "--dataset",
    "synthetic",
    "--limit",
    "4",
    "--lpips",
    "off",
    "--format",
    "json",
]


def _count(path: Path) -> int:
    try:
        with sqlite3.connect(path / "results.sqlite", timeout=5) as db_:
            return db_.execute("SELECT COUNT(*) FROM quality").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_killed_evaluation_resumes_to_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the killed run needs a process of its own: the whole run and the resume run in this one
    (a spawn costs seconds of imports), the killed one on as many threads as this process uses."""
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    in_process = EVALUATE[3:]  # what follows ``python -m deblurbench``
    assert main([*in_process, "--out", str(whole)]) == 0
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    process = subprocess.Popen(
        [*EVALUATE, "--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.monotonic() + 120
    while _count(killed) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < _count(killed) < 8, "the run should have been killed part-way"
    capsys.readouterr()
    assert main([*in_process, "--out", str(killed)]) == 0
    assert _rows(killed) == _rows(whole) and len(_rows(whole)) == 8
    assert (
        len(json.loads(capsys.readouterr().out)) == 8
    )  # the printed table is the whole group, from the store


def test_torchrun_evaluate_shards_and_merges(tmp_path: Path) -> None:
    argv = ["evaluate", "--models", "identity,wiener", "--dataset", "synthetic", "--split", "tiny"]
    done = torchrun(2, [*argv, "--lpips", "off", "--out", str(tmp_path), "--format", "json"], timeout=300)
    # on failure, show a rank's own error line rather than only the tail of torchrun's traceback
    ranks_said = [line for line in done.stderr.splitlines() if line.startswith("deblurbench")]
    assert done.returncode == 0, "\n".join(ranks_said) or done.stderr[-2000:]
    # The ranks closed the store as they exited (nothing collects at exit): its WAL is folded in, so
    # results.sqlite copied alone, as a user shares it, holds every row.
    assert not (tmp_path / "results.sqlite-wal").exists()
    alone = tmp_path / "copied"
    alone.mkdir()
    shutil.copy(tmp_path / "results.sqlite", alone)
    rows = _rows(alone)
    assert len(rows) == 8 and len({(m, i) for m, i, *_ in rows}) == 8
    runs = Store(tmp_path).frame("runs")
    assert len(runs) == 2  # one per rank, both finished
    assert runs["finished"].notna().all()


def test_cli_evaluate_json_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--models", "identity", "--dataset", "synthetic", "--split", "tiny", "--lpips", "off"]
    assert main([*argv, "--out", str(tmp_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and {"psnr", "ssim_matlab", "lpips"} <= set(rows[0])
    for bad, message in (
        (["--models", "lmfx"], "unknown model 'lmfx': did you mean lmfn"),
        (["--models", "identity", "--weights", "x.pth"], "reference method: it takes no weights"),
        (["--models", "identity,lmfn", "--weights", "x.pth"], "write NAME=PATH"),
        (["--models", "lmfn", "--weights", "nafnet_gopro_width32=x.pth"], "not among --models"),
        (["--models", "identity", "--protocol", "odd"], "--protocol: protocol expects auto"),
    ):
        base = ["evaluate", "--dataset", "synthetic", "--split", "tiny", "--out", str(tmp_path), *bad]
        assert main(base) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err


def test_models_lists_references_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    kinds = {r["name"]: r["kind"] for r in rows}
    assert kinds["lmfn"] == "network" and kinds["wiener"] == "reference" and kinds["identity"] == "reference"
    assert "identity" not in db.list_models()


def test_saving_keeps_each_method_and_the_sharp_images(tiny: db.PairedDataset, tmp_path: Path) -> None:
    from deblurbench.bench.evaluate import ground_truth_group, image_path, sharp_folder
    from deblurbench.runner import evaluate_methods

    store = Store(tmp_path)
    failures = evaluate_methods(
        ["identity", "wiener"], tiny, store, {}, save_root=tmp_path / "images", lpips_net=None, workers=0
    )
    assert failures == []
    for folder in ("identity", "wiener", "sharp"):
        assert len(list((tmp_path / "images" / folder / "synthetic").rglob("*.png"))) == len(tiny)
    sharp = np.asarray(
        Image.open(image_path(sharp_folder(tmp_path / "images", ground_truth_group(tiny)), tiny.ids[0]))
    )
    assert np.array_equal(sharp, _uint8(tiny[0].sharp))
