"""Restormer: spec facts, the layer-norm and GDFN details, the variants.

The generic fidelity tests prove the motion-deblurring network against its
manifest, and test_contract.py holds it to the registry's contract (the multiple-of-8
rule, Restorer on any size, spec, checkpoints); these cover the constructor options
(BiasFree norm, dual-pixel task, a narrow network through Restorer) and the global
residual.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

import deblurbench as db
from deblurbench.models.restormer import BiasFree_LayerNorm, Restormer, WithBias_LayerNorm

from reference import apply_fill, load_manifest, rand
from tiny import TINY as TINY_OVERRIDES

# Same four levels and heads as the real network, a fraction of the cost.
TINY = TINY_OVERRIDES["restormer"]


def test_spec_facts() -> None:
    spec = db.get_spec("restormer")
    manifest = load_manifest("restormer")
    assert (spec.multiple, spec.min_size, spec.test_mode) == (8, 8, "eval")
    assert spec.interface.describe() == "input x; image = output"
    assert spec.unused_modules == ()
    assert spec.fidelity == "manifest"
    assert "ptflops" in spec.notes
    assert spec.figures() == spec.published
    # The leads the manifest notes give (not the authors': none of Restormer's own figures was found).
    assert not [f for f in spec.published if f.own]
    own = [
        f
        for f in spec.published
        if f.reporter == "reference manifest notes (shared/reference/restormer.json)"
    ]
    (params,) = [f for f in own if f.quantity == "params"]
    # The 26.1M lead agrees with the official module's count to the digits given.
    assert params.unit == "M" and round(manifest["params_total"] / 1e6, 1) == params.value
    (flops,) = [f for f in own if f.quantity == "flops"]
    assert (flops.value, flops.unit, flops.size) == (141.0, "G", (256, 256)) and "issues/19" in flops.source
    assert not any(f.dataset for f in own), "the authors' own quality figures were not found"
    # Second-hand: the Stripformer author's table (issue #6) and TLC's README.
    table = {
        (f.quantity, f.value, f.unit, f.sync) for f in spec.published if f.reporter == "Stripformer issue #6"
    }
    assert table == {
        ("psnr", 32.92, "dB", None),
        ("params", 26.0, "M", None),
        ("flops", 140.0, "G", None),
        ("runtime", 350.0, "ms", False),
        ("runtime", 1116.0, "ms", True),
    }
    issue = [f for f in spec.published if f.reporter == "Stripformer issue #6"]
    assert all("Stripformer-ECCV-2022-/issues/6" in f.source for f in issue)
    assert all(f.label == "Restormer (CVPR 2022)" for f in issue)
    assert all(f.device == "RTX3090" for f in issue if f.quantity == "runtime")
    tlc = {(f.dataset, f.value) for f in spec.published if f.reporter.startswith("TLC README")}
    assert tlc == {("gopro", 32.92), ("hide", 31.22)}
    (checkpoint,) = spec.checkpoints
    assert checkpoint.name == "motion_deblurring.pth"
    assert checkpoint.datasets == ("gopro", "hide", "realblur_j", "realblur_r")


def test_gdfn_hidden_widths_and_heads() -> None:
    """int(C * 2.66) hidden channels per level; per-head temperatures (heads, 1, 1)."""
    state = db.create_model("restormer").state_dict()
    widths = {
        "encoder_level1": 127,
        "encoder_level2": 255,
        "encoder_level3": 510,
        "latent": 1021,
        "decoder_level1": 255,
        "refinement": 255,
    }
    for level, hidden in widths.items():
        assert state[f"{level}.0.ffn.project_out.weight"].shape[1] == hidden, level
    heads = {"encoder_level1": 1, "encoder_level2": 2, "encoder_level3": 4, "latent": 8, "decoder_level1": 1}
    for level, n in heads.items():
        assert state[f"{level}.0.attn.temperature"].shape == (n, 1, 1), level
    assert not any(key.endswith(".bias") and "norm" not in key for key in state)  # bias-free convs
    assert "skip_conv.weight" not in state


def test_layer_norms() -> None:
    x = rand(2, 5, 12, dtype=torch.float64) * 3 + 1
    with_bias = apply_fill(WithBias_LayerNorm(12)).double()
    expected = F.layer_norm(x, (12,), with_bias.weight, with_bias.bias, eps=1e-5)
    torch.testing.assert_close(with_bias(x), expected, rtol=1e-12, atol=1e-12)
    bias_free = apply_fill(BiasFree_LayerNorm(12)).double()
    # Scale-only: divides by the standard deviation but does not subtract the mean.
    expected = x / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + 1e-5) * bias_free.weight
    torch.testing.assert_close(bias_free(x), expected, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(bias_free(x), F.layer_norm(x, (12,), bias_free.weight, eps=1e-5))


def test_bias_free_variant_keys() -> None:
    plain = Restormer(**TINY).state_dict()
    bias_free = Restormer(**TINY, LayerNorm_type="BiasFree").state_dict()
    norm_biases = [k for k in plain if ".norm" in k and k.endswith(".bias")]
    assert norm_biases and not any(k in bias_free for k in norm_biases)
    assert set(bias_free) == set(plain) - set(norm_biases)


def test_dual_pixel_variant() -> None:
    """Six input channels, skip_conv from the level-1 embedding, no image residual."""
    model = apply_fill(Restormer(inp_channels=6, dual_pixel_task=True, **TINY)).eval()
    assert model.skip_conv.weight.shape == (16, 8, 1, 1)
    with torch.no_grad():
        y = model(rand(1, 6, 16, 16))
        assert y.shape == (1, 3, 16, 16)
        torch.nn.init.zeros_(model.output.weight)
        assert torch.count_nonzero(model(rand(1, 6, 16, 16))) == 0


def test_global_residual_and_smallest_size() -> None:
    """With the output conv zeroed the network returns its input: image = conv + input."""
    model = db.create_model("restormer")
    torch.nn.init.zeros_(model.output.weight)
    x = rand(1, 3, 8, 8)  # min_size: 1 x 1 at the latent level
    with torch.no_grad():
        assert torch.equal(model(x), x)
