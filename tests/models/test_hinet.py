"""HINet: the output pick, the size limits, and the official crop-grid test path.

The generic fidelity test checks the bare network on a 64 x 64 input, and
test_contract.py holds it to the registry's contract (size rule, Restorer on any size
below the crop size, spec, checkpoints); these check what the harness adds around it:
BasicSR's ``grids``/``grids_inverse`` (overlapping crops averaged back), the fallback
for small images, why the half instance norm imposes the minimum size, and the spec.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

import deblurbench as db
from deblurbench.models.hinet import HINet, HINetGridInterface, grid_origins

from reference import apply_fill


@pytest.fixture(scope="module")
def tiny() -> HINet:
    """HINet with the GoPro layout (HIN on levels 3-4) at width 8, manifest-fill weights, float64."""
    return apply_fill(db.create_model("hinet", wf=8)).double().eval()


def test_grid_origins_as_basicsr_lays_them() -> None:
    # GoPro frames, crop 256: 3 x 5 crops; the step spreads evenly, the last is flush.
    assert grid_origins(720, 256) == [0, 232, 464]
    assert grid_origins(1280, 256) == [0, 256, 512, 768, 1024]
    assert grid_origins(256, 256) == [0]
    assert grid_origins(300, 256) == [0, 44]
    assert grid_origins(80, 32) == [0, 24, 48]


def test_grid_interface_averages_overlapping_crops(tiny: HINet) -> None:
    x = torch.rand(1, 3, 48, 80, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours = HINetGridInterface(crop_size=32)(tiny, x)
        total = torch.zeros_like(x)
        count = torch.zeros(1, 1, 48, 80, dtype=torch.float64)
        for i in (0, 16):
            for j in (0, 24, 48):
                total[..., i : i + 32, j : j + 32] += tiny(x[..., i : i + 32, j : j + 32])[-1]
                count[..., i : i + 32, j : j + 32] += 1
        whole = tiny(x)[-1]
    torch.testing.assert_close(ours, total / count, rtol=1e-12, atol=1e-12)
    # Per-crop instance-norm statistics and borders: not the whole-image result.
    assert (ours - whole).abs().max() > 1e-3


def test_grid_interface_runs_small_images_whole(tiny: HINet) -> None:
    x = torch.rand(2, 3, 32, 112, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        whole = tiny(x)[-1]
        assert torch.equal(HINetGridInterface(crop_size=48)(tiny, x), whole)  # H < crop
        assert torch.equal(HINetGridInterface(crop_size=None)(tiny, x), whole)
        # A batch goes image by image through the grid.
        batched = HINetGridInterface(crop_size=32)(tiny, x)
        single = HINetGridInterface(crop_size=32)(tiny, x[1:])
    torch.testing.assert_close(batched[1:], single, rtol=1e-12, atol=1e-12)


def test_minimum_size(tiny: HINet) -> None:
    """Why min_size is 32 (the size rule itself is in test_contract.py)."""
    # The deepest HIN sees H/16 x W/16: one spatial element cannot be instance-normalised.
    with torch.no_grad(), pytest.raises(ValueError, match="spatial element"):
        tiny(torch.rand(1, 3, 16, 16, dtype=torch.float64))
    spec = db.get_spec("hinet")
    assert (spec.multiple, spec.min_size) == (16, 32)


def test_restorer_pads_grids_and_crops(tiny: HINet) -> None:
    spec = dataclasses.replace(db.get_spec("hinet"), interface=HINetGridInterface(crop_size=32))
    restorer = db.Restorer(tiny, spec=spec, dtype=torch.float64)
    x = torch.rand(1, 3, 50, 70, dtype=torch.float64)
    y = restorer(x)
    assert y.shape == x.shape and float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_spec_and_layout() -> None:
    spec = db.get_spec("hinet")
    assert isinstance(spec.interface, HINetGridInterface)
    assert spec.interface.crop_size == 256 and spec.interface.output == -1
    first, last = torch.zeros(1), torch.ones(1)
    assert spec.interface.pick([first, last]) is last
    assert spec.test_mode == "eval" and spec.fidelity == "manifest"
    _check_published(spec)
    model = db.create_model("hinet")
    for path in (model.down_path_1, model.down_path_2):
        assert [hasattr(block, "norm") for block in path] == [False, False, False, True, True]
    assert [hasattr(block, "csff_enc") for block in model.down_path_2] == [True, True, True, True, False]
    assert not any(hasattr(block, "csff_enc") for block in model.down_path_1)


def _check_published(spec: db.ModelSpec) -> None:
    """Each figure with its own source: the maintainer's 88.7M, the README image, the paper, TLC."""
    figures = spec.figures()
    assert figures == spec.published, "no figure left in the 0.1 Reported"
    # own but for the manifest notes' MACs lead and TLC's README (a later paper by the same authors)
    assert {f.reporter for f in figures if not f.own} == {
        "reference manifest notes (shared/reference/hinet.json)",
        "TLC README 'Main Results'",
    }
    (params,) = [f for f in figures if f.quantity == "params"]
    assert (params.value, params.unit) == (88.7, "M") and "issues/29" in params.source
    (macs,) = [f for f in figures if f.quantity == "macs"]
    assert (macs.value, macs.unit, macs.size) == (170.7, "G", (256, 256)) and "manifest" in macs.source
    quality = {(f.quantity, f.dataset, f.value): f.source for f in figures if f.dataset}
    assert set(quality) == {
        ("psnr", "gopro", 32.77),
        ("ssim", "gopro", 0.959),
        ("psnr", "gopro", 32.71),
        ("psnr", "hide", 30.33),
        ("psnr", "reds", 28.83),
        ("ssim", "reds", 0.862),
    }
    assert "GoPro Result.jpg" in quality["psnr", "gopro", 32.77]
    assert "REDS Result.jpg" in quality["psnr", "reds", 28.83]
    assert "megvii-research/TLC@" in quality["psnr", "hide", 30.33]
    gopro_32_71 = sorted(f.source for f in figures if f.value == 32.71)
    assert len(gopro_32_71) == 2 and "issues/26" in gopro_32_71[0] and "TLC@" in gopro_32_71[1]
    assert all(f.ssim_tool == "basicsr" for f in figures if f.quantity == "ssim")
    assert "32.77" in spec.notes and "32.71" in spec.notes
    checkpoints = {c.name: c.datasets for c in spec.checkpoints}
    assert checkpoints == {"HINet-GoPro.pth": ("gopro", "hide"), "HINet-REDS.pth": ("reds",)}
