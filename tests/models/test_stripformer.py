"""Stripformer: the official [-0.5, 0.5] path, the two strip-attention code paths,
DataParallel checkpoints, the spec's facts.

The generic fidelity test checks the bare module on a square input (the H == W
path), and test_contract.py holds it to the registry's contract (the multiple-of-4
rule on square and non-square inputs, Restorer on any size, spec, a plain checkpoint
round trip); these cover the official input mapping and the H != W path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import deblurbench as db
from deblurbench.models.stripformer import Attention, Inter_SA, Intra_SA, strip_attention

from reference import apply_fill, load_manifest, rand


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    """The registered network (default initialisation, eval mode)."""
    return db.create_model("stripformer")


def test_spec_facts() -> None:
    spec = db.get_spec("stripformer")
    manifest = load_manifest("stripformer")
    assert (spec.multiple, spec.min_size, spec.test_mode) == (4, 4, "eval")
    assert (spec.interface.scale, spec.interface.shift, spec.interface.output) == (1.0, -0.5, None)
    assert spec.unused_modules == ()
    assert spec.figures() == spec.published
    assert [f.quantity for f in spec.published if not f.own] == ["ssim"]  # Papers with Code's
    issue = {
        (f.quantity, f.value, f.unit, f.printed): f
        for f in spec.published
        if "Stripformer-ECCV-2022-/issues/6" in f.source
    }
    assert set(issue) == {
        ("psnr", 33.08, "dB", "PSNR"),
        ("params", 20.0, "M", "Parms (M)"),
        ("flops", 170.0, "G", "GFLOPs"),
        ("runtime", 52.0, "ms", "Async-Time (ms)"),
        ("runtime", 800.0, "ms", "Sync-Time (ms)"),
    }
    assert round(manifest["params_total"] / 1e6) == issue["params", 20.0, "M", "Parms (M)"].value
    assert issue["flops", 170.0, "G", "GFLOPs"].size == (256, 256)
    assert issue["runtime", 52.0, "ms", "Async-Time (ms)"].sync is False
    assert issue["runtime", 800.0, "ms", "Sync-Time (ms)"].sync is True
    assert all(f.device == "RTX3090" for f in issue.values() if f.quantity == "runtime")
    (ssim,) = [f for f in spec.published if f.quantity == "ssim"]
    assert (ssim.value, ssim.dataset, ssim.ssim_tool) == (0.962, "gopro", "matlab")
    assert "paperswithcode" in ssim.source
    assert {c.name: c.datasets for c in spec.checkpoints} == {
        "Stripformer_gopro.pth": ("gopro", "hide"),
        "Stripformer_realblur_J.pth": ("realblur_j",),
        "Stripformer_realblur_R.pth": ("realblur_r",),
    }
    with pytest.raises(TypeError):  # the authors' class takes no arguments
        db.create_model("stripformer", dim=64)


def test_official_path_shifts_by_half(model: torch.nn.Module) -> None:
    """Restorer runs model(x - 0.5) + 0.5 (predict_GoPro_test_results.py)."""
    restorer = db.Restorer(model, clamp=False)
    x = rand(1, 3, 8, 12)
    with torch.no_grad():
        expected = model(x - 0.5) + 0.5
        torch.testing.assert_close(restorer(x), expected, rtol=1e-6, atol=1e-6)
        assert not torch.allclose(restorer(x), model(x), rtol=1e-3, atol=1e-3)


def test_strip_attention_paths_agree() -> None:
    """The batched (H == W) and the two-call path compute the same function."""
    attn = Attention(head_num=3)
    g = torch.Generator().manual_seed(1)
    horizontal = tuple(torch.randn(4, 6, 12, generator=g, dtype=torch.float64) for _ in range(3))
    vertical = tuple(torch.randn(4, 6, 12, generator=g, dtype=torch.float64) for _ in range(3))
    batched = strip_attention(attn, horizontal, vertical, batched=True)
    separate = strip_attention(attn, horizontal, vertical, batched=False)
    for a, b in zip(batched, separate, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(batched[0], batched[1])


def test_attention_is_scaled_softmax() -> None:
    attn = Attention(head_num=2)
    q, k, v = (rand(3, 5, 8, seed=s, dtype=torch.float64) for s in range(3))
    heads = [torch.softmax(q[..., i : i + 4] @ k[..., i : i + 4].transpose(1, 2) / 2.0, -1) @ v[..., i : i + 4]
             for i in (0, 4)]  # fmt: skip
    torch.testing.assert_close(attn(q, k, v), torch.cat(heads, dim=-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("block_type", [Intra_SA, Inter_SA])
def test_blocks_on_non_square_maps(block_type: type) -> None:
    """The H != W path keeps shapes and, per strip, mixes along its own axis only."""
    block = apply_fill(block_type(12, 2)).double().eval()
    x = rand(1, 12, 3, 5, dtype=torch.float64)
    with torch.no_grad():
        y = block(x)
        assert y.shape == x.shape
        # Transposing the map must not give the transposed result: rows and columns
        # have their own weights.
        assert not torch.allclose(block(x.transpose(2, 3).contiguous()).transpose(2, 3), y)


def test_dataparallel_checkpoint_loads(tmp_path: Path, model: torch.nn.Module) -> None:
    """Official files are saved from nn.DataParallel: every key carries 'module.'."""
    path = tmp_path / "Stripformer_gopro.pth"
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    loaded = db.create_model("stripformer", weights=path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
