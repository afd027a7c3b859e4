"""Figures: written and non-empty from data, skipped (no crash) without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deblurbench.reports import plots


def test_every_figure_skips_without_data(tmp_path: Path) -> None:
    empty = pd.DataFrame()
    assert plots.macs_vs_params(empty, tmp_path / "a", "GMACs @256x256 (fvcore)") == []
    assert plots.psnr_vs_params(empty, tmp_path / "b") == []
    assert (
        plots.psnr_vs_latency(pd.DataFrame({"Network": ["LMFN"], "Params (M)": [1.2]}), tmp_path / "c") == []
    )
    assert plots.cost_vs_resolution(empty, empty, tmp_path / "d") == []
    assert plots.psnr_distribution(empty, tmp_path / "e") == []
    assert plots.comparison_strip([], tmp_path / "f") == []
    assert list(tmp_path.iterdir()) == []


def test_cost_vs_resolution_needs_two_sizes(tmp_path: Path) -> None:
    one = pd.DataFrame(
        {"model": ["lmfn"], "pixels": [65536], "gmacs_torch_flop_counter": [4.5], "gmacs_fvcore": [4.5]}
    )
    assert plots.cost_vs_resolution(one, pd.DataFrame(), tmp_path / "cost") == []


def test_comparison_strip_from_arrays_and_files(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    blurry = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    restored = rng.random((3, 64, 80)).astype(np.float32)  # (C, H, W) floats, as a tensor would be
    sharp_file = tmp_path / "sharp.png"
    Image.fromarray(blurry).save(sharp_file)
    written = plots.comparison_strip(
        [("Blurry input", blurry), ("LMFN", restored), ("Sharp (ground truth)", sharp_file)],
        tmp_path / "strip",
        crop=(8, 8, 48, 48),
    )
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in written)


def test_strip_panels_finds_saved_images(tmp_path: Path) -> None:
    from PIL import Image

    for folder in ("identity", "lmfn", "sharp"):
        target = tmp_path / folder / "gopro" / "test" / "GOPR0384_11_00" / "000001.png"
        target.parent.mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(target)
    panels = plots.strip_panels(
        tmp_path, "gopro", "GOPR0384_11_00/000001", [("lmfn", "LMFN"), ("hinet", "HINet")]
    )
    assert [label for label, _ in panels] == ["Blurry input", "LMFN", "Sharp (ground truth)"]
    # another split of the same dataset is another folder: its ids never meet the test split's
    assert plots.strip_panels(tmp_path, "gopro", "GOPR0384_11_00/000001", [("lmfn", "LMFN")], "tiny") == []
