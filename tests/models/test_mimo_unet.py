"""MIMO-UNet / MIMO-UNet+: the two variants, the three outputs, dropout, the spec.

The generic fidelity tests prove both GoPro networks against their manifests
(64x64 only, eval mode), and test_contract.py holds them to the registry's contract
(the multiple-of-4 rule, ``Restorer`` on awkward sizes, spec, checkpoints); these
cover what they do not: that the variants differ only as the authors' code says, the
nearest-neighbour input pyramid behind the three outputs, dropout, the spec's facts.
Most use one residual block per stage to stay fast.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import deblurbench as db
from deblurbench.models.mimo_unet import MIMOUNet, MIMOUNetPlus

from reference import load_manifest, rand, state_dict_layout

NAMES = ("mimo_unet", "mimo_unet_plus")


def test_variants_differ_only_in_depth_and_dropout() -> None:
    base, plus = MIMOUNet(), MIMOUNetPlus()
    assert len(base.Encoder[0].layers) == 8
    assert len(plus.Encoder[0].layers) == 20
    # Same layer list once the depth matches: the dropouts hold no state.
    assert state_dict_layout(MIMOUNetPlus(num_res=8)) == state_dict_layout(base)
    for drop in (plus.drop1, plus.drop2):
        assert isinstance(drop, nn.Dropout2d)
        assert drop.p == pytest.approx(0.1)
    assert not hasattr(base, "drop1")


def test_plus_dropout_is_identity_in_eval_only() -> None:
    torch.manual_seed(0)
    base = MIMOUNet(num_res=1).double().eval()
    plus = MIMOUNetPlus(num_res=1).double()
    plus.load_state_dict(base.state_dict(), strict=True)
    x = rand(1, 3, 16, 16).double()
    with torch.no_grad():
        ref = base(x)[2]
        assert torch.equal(plus.eval()(x)[2], ref)
        torch.manual_seed(1)
        assert not torch.allclose(plus.train()(x)[2], ref)


def test_three_outputs_coarse_to_fine_on_nearest_pyramid() -> None:
    model = MIMOUNet(num_res=1).eval()
    # With the residual branches silenced, each output is its input scale exactly:
    # proof that the pyramid is nearest-neighbour (x[::2, ::2]), not bilinear.
    with torch.no_grad():
        model.feat_extract[5].main[0].weight.zero_()
        model.feat_extract[5].main[0].bias.zero_()
        for head in model.ConvsOut:
            head.main[0].weight.zero_()
            head.main[0].bias.zero_()
        x = rand(1, 3, 16, 24)
        out = model(x)
    assert [tuple(o.shape[-2:]) for o in out] == [(4, 6), (8, 12), (16, 24)]
    assert torch.equal(out[0], x[..., ::4, ::4])
    assert torch.equal(out[1], x[..., ::2, ::2])
    assert torch.equal(out[2], x)


@pytest.mark.parametrize("name", NAMES)
def test_spec_picks_full_scale_output(name: str) -> None:
    spec = db.get_spec(name)
    out = [torch.zeros(1, 3, 1, 1), torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 4, 4)]
    assert spec.interface.pick(out) is out[2]
    assert spec.interface.to_network(torch.ones(1)).item() == 1.0  # no input mapping


@pytest.mark.parametrize("name", NAMES)
def test_spec_facts(name: str) -> None:
    spec = db.get_spec(name)
    manifest = load_manifest(name)
    assert (spec.multiple, spec.min_size, spec.test_mode) == (4, 4, "eval")
    assert spec.unused_modules == ()
    figures = spec.figures()
    assert len(figures) == 6 and [f.quantity for f in figures if not f.own] == ["params"]  # a manifest lead
    by = {(f.quantity, f.device, f.sync): f for f in figures}
    # The parameter count (6.8M / 16.1M) agrees with the measured one to the digits given.
    params = by[("params", "", None)]
    assert params.unit == "M" and params.value == round(manifest["params_total"] / 1e6, 1)
    assert "manifest" in params.source
    psnr, ssim = by[("psnr", "", None)], by[("ssim", "", None)]
    readme = f"{manifest['source']['repo']}@{spec.commit}:README.md ('Performance' table"
    assert readme in psnr.source and readme in ssim.source
    assert (psnr.value, ssim.value) == {"mimo_unet": (31.73, 0.951), "mimo_unet_plus": (32.45, 0.957)}[name]
    assert (psnr.dataset, psnr.variant, psnr.printed) == ("gopro", "blur", "PSNR (dB)")
    times = {"mimo_unet": (0.008, 0.012, 0.130), "mimo_unet_plus": (0.017, 0.025, 0.282)}[name]
    titan, rtx_async, rtx_sync = (
        by[("runtime", "Titan Xp", False)],
        by[("runtime", "RTX 3090", False)],
        by[("runtime", "RTX 3090", True)],
    )
    assert (titan.value, rtx_async.value, rtx_sync.value) == times
    assert (rtx_async.printed, rtx_sync.printed) == ("Async-Time*(s)", "Sync-Time** (s)")
    assert all(f.unit == "s" and f.size == (720, 1280) for f in (titan, rtx_async, rtx_sync))
    assert "0.008 / 0.017 / 0.040" in spec.notes  # the discrepancy REPORTED.md lists
    assert (
        spec.checkpoints[0].name
        == {"mimo_unet": "MIMO-UNet.pkl", "mimo_unet_plus": "MIMO-UNetPlus.pkl"}[name]
    )
    assert spec.checkpoints[0].datasets == ("gopro", "hide")


def test_the_realblur_checkpoint_is_mimo_unet_plus_for_realblur_j() -> None:
    gopro, realblur = db.get_spec("mimo_unet_plus").checkpoints
    assert gopro.name == "MIMO-UNetPlus.pkl"
    assert realblur.datasets == ("realblur_j",) and "issue #10" in realblur.note
    assert "1N3n-ozw1twt96ohX4tjsSAIcHrlNwHZ7" in realblur.where
    assert len(db.get_spec("mimo_unet").checkpoints) == 1


def test_default_factories_match_build_net() -> None:
    assert isinstance(db.create_model("mimo_unet"), MIMOUNet)
    plus = db.create_model("mimo_unet_plus")
    assert isinstance(plus, MIMOUNetPlus)
    assert len(plus.Decoder[2].layers) == 20
    assert not plus.training
