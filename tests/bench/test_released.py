"""Released outputs: a folder of result images scored as a method, matched to the pairs by image id."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

import deblurbench as db
from deblurbench import runner
from deblurbench.bench.evaluate import evaluate
from deblurbench.bench.released import ReleasedOutputs, open_outputs
from deblurbench.bench.store import Store
from deblurbench.cli import main
from deblurbench.config import ConfigError, RunConfig, load_config
from deblurbench.reports.display import display_name
from deblurbench.reports.quality import quality_tables

SCENES = ("GOPR0001_11_00", "GOPR0002_07_00")
FRAMES = ("000001", "000002")
SIZE = (24, 32)  # H, W


def _png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _noisy(sharp: np.ndarray, rng: np.random.Generator, spread: int) -> np.ndarray:
    noise = rng.integers(-spread, spread + 1, sharp.shape)
    return np.clip(sharp.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def gopro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GoPro-layout copy (test/<scene>/{blur,sharp}/<frame>.png) with two restorations of each pair:
    ``flat/<scene>-<frame>.png`` and ``nested/<scene>/<frame>.png``, the same bytes."""
    root = tmp_path_factory.mktemp("gopro")
    rng = np.random.default_rng(0)
    for scene in SCENES:
        for frame in FRAMES:
            sharp = rng.integers(0, 256, (*SIZE, 3), dtype=np.uint8)
            _png(root / "test" / scene / "sharp" / f"{frame}.png", sharp)
            _png(root / "test" / scene / "blur" / f"{frame}.png", _noisy(sharp, rng, 60))
            restored = _noisy(sharp, rng, 20)
            _png(root / "flat" / f"{scene}-{frame}.png", restored)
            _png(root / "nested" / scene / f"{frame}.png", restored)
    return root


@pytest.fixture(scope="module")
def dataset(gopro: Path) -> db.PairedDataset:
    return db.open_dataset("gopro", root=gopro)


def _score(outputs: ReleasedOutputs, dataset: db.PairedDataset, **options: object):
    return evaluate(outputs, dataset, lpips_net=None, workers=0, **options)


def _copy(gopro: Path, tmp_path: Path, layout: str = "flat") -> Path:
    return Path(shutil.copytree(gopro / layout, tmp_path / layout))


def test_flat_and_nested_names_match_the_pairs_alike(gopro: Path, dataset: db.PairedDataset) -> None:
    flat = _score(open_outputs("m", gopro / "flat"), dataset)
    nested = _score(open_outputs("m", gopro / "nested"), dataset)
    assert list(flat["image_id"]) == dataset.ids == list(nested["image_id"])
    assert dataset.ids[0] == "GOPR0001_11_00/000001"  # the GoPro id: flat is <scene>-<frame>.png
    assert set(flat["model"]) == {"released:m"} and flat.attrs["failures"] == []
    assert list(flat["psnr"]) == list(nested["psnr"])
    assert flat["seconds"].isna().all()  # nothing ran: no forward time


def test_scores_are_those_of_the_metric_functions(gopro: Path, dataset: db.PairedDataset) -> None:
    frame = _score(open_outputs("m", gopro / "flat"), dataset)
    for (_, row), pair in zip(frame.iterrows(), dataset, strict=True):
        restored8 = np.array(Image.open(gopro / "flat" / f"{pair.id.replace('/', '-')}.png"))
        sharp8 = (pair.sharp * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        assert row["psnr"] == pytest.approx(
            peak_signal_noise_ratio(sharp8, restored8, data_range=255), abs=1e-6
        )
        restored = torch.from_numpy(restored8).permute(2, 0, 1)[None].float() / 255
        assert row["psnr"] == pytest.approx(float(db.metrics.psnr(restored, pair.sharp[None])[0]), abs=1e-12)
        for convention in ("skimage", "matlab", "basicsr"):
            expected = float(db.metrics.ssim(restored, pair.sharp[None], convention=convention)[0])
            assert row[f"ssim_{convention}"] == pytest.approx(expected, abs=1e-12)


def test_a_missing_and_a_mis_sized_image_are_failure_rows(
    gopro: Path, dataset: db.PairedDataset, tmp_path: Path
) -> None:
    folder = _copy(gopro, tmp_path)
    (folder / "GOPR0001_11_00-000002.png").unlink()
    _png(folder / "GOPR0002_07_00-000001.png", np.zeros((16, 20, 3), np.uint8))
    store = Store(tmp_path / "out")
    frame = _score(open_outputs("m", folder), dataset, store=store)
    assert list(frame["image_id"]) == ["GOPR0001_11_00/000001", "GOPR0002_07_00/000002"]
    reasons = dict(frame.attrs["failures"])
    assert set(reasons) == {"GOPR0001_11_00/000002", "GOPR0002_07_00/000001"}
    missing, small = reasons["GOPR0001_11_00/000002"], reasons["GOPR0002_07_00/000001"]
    assert f"{folder / 'GOPR0001_11_00-000002.png'}" in missing and "is missing" in missing
    assert f"{folder / 'GOPR0002_07_00-000001.png'}: size 20x16 (WxH)" in small and "is 32x24" in small
    failures = store.frame("failures")
    assert list(failures["model"]) == ["released:m", "released:m"]
    assert len(store.frame("quality")) == 2


def test_a_rerun_skips_finished_rows_without_reading_them(
    gopro: Path, dataset: db.PairedDataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = open_outputs("m", gopro / "flat")
    store = Store(tmp_path)
    first = _score(outputs, dataset, store=store, indices=[0, 2])  # as a killed run leaves it
    read: list[str] = []
    real_read = ReleasedOutputs.read
    monkeypatch.setattr(
        ReleasedOutputs, "read", lambda self, pair: read.append(pair.id) or real_read(self, pair)
    )
    rest = _score(open_outputs("m", gopro / "flat"), dataset, store=store)
    assert len(first) == 2 and read == [dataset.ids[1], dataset.ids[3]] and len(rest) == 2
    assert _score(open_outputs("m", gopro / "flat"), dataset, store=store).empty
    assert read == [dataset.ids[1], dataset.ids[3]] and len(store.frame("quality")) == 4


def test_folders_are_kept_apart_from_each_other_and_from_networks(
    gopro: Path, dataset: db.PairedDataset, tmp_path: Path
) -> None:
    other = _copy(gopro, tmp_path / "b")
    _png(other / "GOPR0001_11_00-000001.png", np.full((*SIZE, 3), 128, np.uint8))
    store = Store(tmp_path / "out")
    for outputs in (open_outputs("identity", gopro / "flat"), open_outputs("identity", other)):
        _score(outputs, dataset, store=store)
    evaluate("identity", dataset, store=store, lpips_net=None, workers=0)
    quality = store.frame("quality")
    groups = quality.groupby(["model", "weights"]).size()
    assert len(groups) == 3 and set(groups) == {4}
    labels = sorted(quality.loc[quality["model"] == "released:identity", "weights"].unique())
    assert [label.split("@")[0] for label in labels] == ["flat/", "flat/"] and labels[0] != labels[1]
    shown = quality_tables(store)["gopro"]
    assert set(shown["Network"]) == {"Blurry input", "identity (released outputs)"}
    assert display_name("released:fftformer") == "fftformer (released outputs)"


def test_cli_scores_outputs_alone_or_beside_models(
    gopro: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["evaluate", "--dataset", "gopro", "--root", str(gopro), "--lpips", "off", "--out", str(tmp_path)]
    assert main([*base, "--outputs", f"flat={gopro / 'flat'}", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["model"] for r in rows} == {"released:flat"} and len(rows) == 4
    assert {r["weights"] for r in rows} == {open_outputs("flat", gopro / "flat").label}
    argv = [*base, "--models", "identity", "--outputs", f"nested={gopro / 'nested'}"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    header = printed.splitlines()[0].split()
    assert header[:3] == ["model", "weights", "image_id"]  # each row names its weights or folder
    assert "nested/@" in printed and "released:flat" not in printed  # this evaluation's rows only


BAD = [
    ("fftformer", "expected NAME=DIR"),
    ("=results", "NAME is empty"),
    (" =results", "NAME is empty"),
    ("m=", "DIR is empty"),
    ("m={w}/nowhere", "{w}/nowhere does not exist"),
    ("m={w}/empty", "{w}/empty holds no images"),
    ("m={w}/file.png", "{w}/file.png is not a directory"),
]


@pytest.mark.parametrize(("value", "message"), BAD, ids=[b[1] for b in BAD])
def test_cli_bad_outputs_is_one_line_exit_2(
    gopro: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    _png(tmp_path / "file.png", np.zeros((2, 2, 3), np.uint8))
    value, out = value.format(w=tmp_path), tmp_path / "out"
    argv = ["evaluate", "--dataset", "gopro", "--root", str(gopro), "--out", str(out), "--outputs", value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--outputs {value!r}: " in err and message.format(w=tmp_path) in err, err
    assert not out.exists()


def test_cli_one_name_twice_and_nothing_to_score(
    gopro: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["evaluate", "--dataset", "gopro", "--root", str(gopro), "--out", str(tmp_path / "out")]
    assert main([*base, "--outputs", f"m={gopro / 'flat'}", "--outputs", f"m={gopro / 'nested'}"]) == 2
    assert "m is given twice" in capsys.readouterr().err
    assert main(base) == 2
    assert "--models or --outputs is required" in capsys.readouterr().err


def test_run_config_scores_outputs_on_the_datasets_they_match(gopro: Path, tmp_path: Path) -> None:
    config = RunConfig(
        out=tmp_path / "out",
        models=("lmfn",),
        complexity_sizes=(),
        macs_sizes=(),
        latency_sizes=(),
        quality_datasets=("synthetic:tiny", "gopro"),
        dataset_roots={"gopro": str(gopro)},
        references=("identity",),
        outputs={"m": str(gopro / "nested")},
        save_images=False,
    )
    work = runner.plan(config)
    released = [t for t in work if t.model == "released:m"]
    assert [t.label for t in released] == ["quality gopro/test"]  # none of synthetic's images: not planned
    store = Store(config.out)
    summary = runner.sweep(work, store, progress=False)
    assert not summary.failed
    quality = store.frame("quality")
    assert (quality["model"] == "released:m").sum() == 4
    assert runner.sweep(runner.plan(config), store, progress=False).skipped == len(work)
    with pytest.raises(ConfigError, match=r"outputs: m = .* holds no image of synthetic:tiny"):
        runner.plan(replace(config, quality_datasets=("synthetic:tiny",)))


def test_run_config_checks_outputs_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    path = tmp_path / "run.toml"
    path.write_text(f'outputs = {{ m = "{tmp_path / "empty"}" }}\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=f"--config {path}: outputs expects .*; {tmp_path / 'empty'} holds no images"
    ):
        load_config(path)
