"""FFTformer: the float32 Fourier cast, the 8 x 8 patches and the multiple of 32,
the unused layer, low-precision runs and Restorer on arbitrary sizes.

The generic fidelity test proves the GoPro network against its manifest (whose
output carries the authors' float32 FFT rounding), and test_contract.py holds it to the
registry's contract (size rule, Restorer on any size, spec, unused modules,
checkpoints); these cover what they do not.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import deblurbench as db
from deblurbench.models.fftformer import DFFN, FSAS, fftformer, from_patches, to_patches

from reference import apply_fill, load_manifest, rand, state_dict_layout
from tiny import TINY as TINY_OVERRIDES

# Same three levels as the real network, a fraction of the cost.
TINY = TINY_OVERRIDES["fftformer"]


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_spec_facts() -> None:
    spec = db.get_spec("fftformer")
    manifest = load_manifest("fftformer")
    assert (spec.multiple, spec.min_size, spec.test_mode) == (32, 32, "eval")
    assert spec.interface.describe() == "input x; image = output"
    assert spec.unused_modules == ("reduce_chan_level2",)
    assert spec.figures() == spec.published
    # The authors publish no figure; the three records are paperswithcode's, and say so.
    assert all(f.reporter == "Papers with Code" and "paperswithcode" in f.source for f in spec.published)
    (params,) = [f for f in spec.published if f.quantity == "params"]
    assert params.unit == "M" and round(manifest["params_total"] / 1e6, 1) == params.value  # "16.6"
    quality = {(f.quantity, f.dataset): f.value for f in spec.published if f.dataset}
    assert quality == {("psnr", "gopro"): 34.21, ("ssim", "gopro"): 0.969}
    assert "none anywhere" in spec.notes
    (checkpoint,) = spec.checkpoints
    assert checkpoint.name == "fftformer_GoPro.pth" and checkpoint.datasets == ("gopro", "hide")
    assert "pretrain_model/fftformer_GoPro.pth" in checkpoint.where
    assert "float()" in spec.notes


def test_patches_follow_the_rearrange_pattern() -> None:
    """'b c (h p1) (w p2) -> b c h w p1 p2' and back."""
    x = rand(2, 3, 16, 24)
    patches = to_patches(x)
    assert patches.shape == (2, 3, 2, 3, 8, 8)
    assert torch.equal(patches[1, 2, 1, 2], x[1, 2, 8:16, 16:24])
    assert torch.equal(from_patches(patches), x)
    with pytest.raises(ValueError, match="multiples of 32"):
        to_patches(rand(1, 3, 12, 16))


def test_dffn_keeps_the_float32_cast() -> None:
    """In float64 the spectral gate sees float32 values: close to, not equal to, pure float64."""
    dffn = apply_fill(DFFN(4, 3, False)).double()
    x = rand(1, 4, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        y = dffn(x)
        assert y.dtype == torch.float64
        h = dffn.project_in(x)
        spectrum = torch.fft.rfft2(to_patches(h)) * dffn.fft  # no cast
        h = from_patches(torch.fft.irfft2(spectrum, s=(8, 8)))
        x1, x2 = dffn.dwconv(h).chunk(2, dim=1)
        pure = dffn.project_out(F.gelu(x1) * x2)
    assert 0 < _rel(y, pure) < 1e-5


def test_fsas_keeps_the_float32_cast() -> None:
    fsas = apply_fill(FSAS(4, 1, False)).double()
    x = rand(1, 4, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        y = fsas(x)
        assert y.dtype == torch.float64
        q, k, v = fsas.to_hidden_dw(fsas.to_hidden(x)).chunk(3, dim=1)
        out = torch.fft.irfft2(torch.fft.rfft2(to_patches(q)) * torch.fft.rfft2(to_patches(k)), s=(8, 8))
        pure = fsas.project_out(v * fsas.norm(from_patches(out)))
    assert 0 < _rel(y, pure) < 1e-5


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_runs(dtype: torch.dtype) -> None:
    """The FFT result is cast back in fp16/bf16 (the authors' code raises there)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = fftformer(**TINY).eval()  # default init: the fill's large activations suit bf16 badly
    x = rand(1, 3, 32, 64)
    with torch.no_grad():
        reference = model(x)
        y = model.to(dtype)(x.to(dtype))
    assert y.dtype == dtype
    assert _rel(y.float(), reference) < 2e-2


def test_unused_layer_and_used_parameters() -> None:
    """Only reduce_chan_level2 is never called; 16,542,042 parameters do the work."""
    model = db.create_model("fftformer")
    called: set[str] = set()
    hooks = [
        module.register_forward_hook(lambda m, i, o, name=name: called.add(name))
        for name, module in model.named_modules()
    ]
    with torch.no_grad():
        model(rand(1, 3, 32, 32))
    for hook in hooks:
        hook.remove()
    owners = {name for name, m in model.named_modules() if any(True for _ in m.parameters(recurse=False))}
    assert owners - called == {"reduce_chan_level2"}
    used = sum(
        p.numel() for name, m in model.named_modules() if name in called for p in m.parameters(recurse=False)
    )
    assert used == 16_542_042
    assert load_manifest("fftformer")["params_total"] - used == 192 * 96


def test_num_blocks_level4_is_ignored() -> None:
    assert state_dict_layout(fftformer(dim=8, num_blocks=[1, 1, 2, 8])) == state_dict_layout(
        fftformer(dim=8, num_blocks=[1, 1, 2, 1])
    )


def test_bare_network_says_it_needs_multiples_of_32() -> None:
    """Its own check, not a shape error deep inside (the size rule itself is in test_contract.py)."""
    model = fftformer(**TINY).eval()
    with torch.no_grad(), pytest.raises(ValueError, match="multiples of 32"):
        model(rand(1, 3, 48, 32))
