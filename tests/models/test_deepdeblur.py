"""DeepDeblur (MSResNet): the data loader's Gaussian pyramid, the scale order, sizes, spec facts.

The generic fidelity tests prove the GoPro network against its manifest, and
test_contract.py holds it to the registry's contract (the size rule, Restorer on any
size, spec, checkpoints); these cover what they do not: the pyramid against
scikit-image itself (on sizes the manifest does not use), the coarse-to-fine wiring,
the spec's facts. Most use a narrow MSResNet (8 features, 1 ResBlock) to stay fast.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deblurbench as db
from deblurbench.models.deepdeblur import (
    GaussianPyramidInterface,
    MSResNet,
    gaussian_pyramid,
    gaussian_taps,
    symmetric_indices,
)

NAME = "deepdeblur"


def tiny_model() -> MSResNet:
    torch.manual_seed(0)
    return MSResNet(n_resblocks=1, n_feats=8).eval()


@pytest.mark.parametrize("shape", [(16, 24), (8, 12), (4, 8)])
def test_pyramid_matches_skimage(shape: tuple[int, int]) -> None:
    transform = pytest.importorskip("skimage.transform")
    x = torch.rand(1, 3, *shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 255
    ref = transform.pyramid_gaussian(x[0].permute(1, 2, 0).numpy(), 2, channel_axis=-1)
    ours = gaussian_pyramid(x, 3)
    for level, expected in zip(ours, ref, strict=True):
        np.testing.assert_allclose(level[0].permute(1, 2, 0).numpy(), expected, rtol=0, atol=1e-9)


def test_pyramid_taps_and_borders() -> None:
    taps = gaussian_taps(2 / 3)
    assert taps.numel() == 7  # truncate 4 x sigma 2/3 -> radius 3
    assert taps.sum().item() == pytest.approx(1.0, abs=1e-15)
    # scipy 'reflect' repeats the edge sample (half-sample symmetric), unlike torch 'reflect'.
    assert symmetric_indices(4, 3).tolist() == [2, 1, 0, 0, 1, 2, 3, 3, 2, 1]
    assert symmetric_indices(2, 3).tolist() == [1, 1, 0, 0, 1, 1, 0, 0]


def test_pyramid_rejects_sizes_not_divisible_by_four() -> None:
    with pytest.raises(ValueError, match="divisible by 4"):
        gaussian_pyramid(torch.rand(1, 3, 12, 10), 3)


def test_scale_order_and_keys() -> None:
    model = tiny_model()
    assert [m.body[0].in_channels for m in model.body_models] == [6, 6, 3]  # 0 = finest
    assert model.conv_end_models[0] is None
    keys = model.state_dict().keys()
    assert not any(k.startswith("conv_end_models.0.") for k in keys)
    assert any(k.startswith("conv_end_models.2.") for k in keys)


def test_forward_returns_pyramid_and_leaves_input_alone() -> None:
    model = tiny_model()
    pyramid = gaussian_pyramid(torch.rand(1, 3, 16, 20) * 255, 3)
    before = [level.clone() for level in pyramid]
    with torch.no_grad():
        outputs = model(pyramid)
    assert [tuple(o.shape[-2:]) for o in outputs] == [(16, 20), (8, 10), (4, 5)]
    for level, original in zip(pyramid, before, strict=True):
        assert torch.equal(level, original)


def test_network_adds_back_half_the_range() -> None:
    model = tiny_model()
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        outputs = model(gaussian_pyramid(torch.rand(1, 3, 8, 8) * 255, 3))
    for out in outputs:
        assert torch.all(out == 127.5)


def test_interface_maps_to_0_255_and_picks_the_finest() -> None:
    seen: list[torch.Tensor] = []

    def echo(pyramid: list[torch.Tensor]) -> list[torch.Tensor]:
        seen.extend(pyramid)
        return [level.clone() for level in pyramid]

    x = torch.rand(1, 3, 8, 12, dtype=torch.float64)
    y = GaussianPyramidInterface()(echo, x)
    assert torch.allclose(seen[0], 255 * x)
    assert [tuple(level.shape[-2:]) for level in seen] == [(8, 12), (4, 6), (2, 3)]
    assert torch.allclose(y, x)


def test_spec_facts() -> None:
    spec = db.get_spec(NAME)
    assert isinstance(spec.interface, GaussianPyramidInterface)
    assert (spec.interface.scale, spec.interface.shift, spec.interface.output) == (255.0, 0.0, 0)
    assert (spec.multiple, spec.min_size, spec.test_mode) == (4, 4, "eval")
    assert spec.unused_modules == ()
    assert spec.commit == "26047f7a67ab8d1dec083b5d9e1d83b53eedbd17"


def test_published_figures() -> None:
    """The PyTorch README's own figures, with their conditions; comparison tables kept apart."""
    spec = db.get_spec(NAME)
    figures = spec.figures()
    assert figures == spec.published  # nothing left in the 0.1 ``reported`` form
    own = [f for f in figures if f.own]
    readme = "SeungjunNah/DeepDeblur-PyTorch@26047f7a67ab8d1dec083b5d9e1d83b53eedbd17:README.md"
    assert all(f.source.startswith(readme) or "DeepDeblur_release/issues/24" in f.source for f in own)
    gopro = {(f.quantity, f.value) for f in own if f.dataset == "gopro"}
    assert gopro == {("psnr", 30.40), ("ssim", 0.9018), ("psnr", 30.42), ("ssim", 0.9021)}
    assert all(f.variant == "blur_gamma" for f in own if f.dataset == "gopro")
    assert all(f.ssim_tool == "skimage" for f in own if f.quantity == "ssim")
    assert {f.value for f in own if f.dataset == "reds" and f.quantity == "psnr"} == {32.89, 32.95, 33.13}
    (fp32,) = [f for f in own if f.quantity == "runtime" and f.value == 0.943]
    assert (fp32.unit, fp32.device, fp32.size, fp32.printed) == ("s", "RTX 2080 Ti", (720, 1280), "time (s)")
    # the authors publish no parameter or MAC count: only a third-party table gives one
    assert not [f for f in own if f.quantity in ("params", "macs", "flops")]
    (params,) = [f for f in figures if f.quantity == "params"]
    assert (params.value, params.unit, params.label) == (11.7, "M", "Nah et al.") and not params.own
    lfdn = [f for f in figures if f.reporter == "LFDN (Sensors 2021) Table 3"]
    assert {(f.quantity, f.value) for f in lfdn} == {
        ("psnr", 29.08),
        ("ssim", 0.841),
        ("model_size", 303.6),
        ("runtime", 15),
    }
    assert all(f.label == "DeepDeblur [8]" and "fig/8.png" in f.source for f in lfdn)
    hide = [f for f in figures if f.dataset == "hide"]
    assert {f.label for f in hide} == {"Nah et al. [8]"} and {f.value for f in hide} == {27.43, 0.902}
    (flops,) = [f for f in figures if f.quantity == "flops"]
    assert (flops.value, flops.unit, flops.printed, flops.size) == (1760.04, "G", "FLOPS", None)
    assert flops.reporter == "DeblurGAN-v2 README table" and flops.label == "DeepDeblur [33]"
    kupyn = {f.variant: f.value for f in figures if f.reporter == "DeblurGAN README results.png"}
    assert kupyn == {"blur_gamma": 29.1, "blur": 28.3}
    assert "15 s in Table 3 but" in spec.notes and "four GoPro values" in spec.notes


def test_official_checkpoints() -> None:
    checkpoints = {c.name: c for c in db.get_spec(NAME).checkpoints}
    assert set(checkpoints) == {
        "GOPRO_L1/",
        "REDS_L1/",
        "GOPRO_L1_amp/",
        "REDS_L1_amp/",
        "REDS_L1_amp_pretrained/",
    }
    assert checkpoints["GOPRO_L1/"].files == ("models/model-1000.pt",)
    assert checkpoints["REDS_L1/"].files == ("models/model-200.pt",)
    for name, checkpoint in checkpoints.items():
        assert checkpoint.datasets == (("gopro", "hide") if name.startswith("GOPRO") else ("reds",))
        assert checkpoint.sha256 == ""  # no hash is published
        assert f"'Demo' link '{name[:-1]}'" in checkpoint.where


def test_restorer_narrow_network_97x131() -> None:
    """A module not from create_model, with its spec given: padded, run through the pyramid,
    cropped (the full network at small sizes is in test_contract.py)."""
    restorer = db.Restorer(tiny_model(), spec=db.get_spec(NAME))
    x = torch.rand(1, 3, 97, 131)
    y = restorer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert y.min().item() >= 0.0 and y.max().item() <= 1.0
