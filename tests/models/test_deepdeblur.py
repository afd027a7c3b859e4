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
    assert spec.reported.psnr == {"gopro": 30.40}
    assert spec.reported.params is None  # no paper figure verified; see reported.source
    assert spec.commit == "26047f7a67ab8d1dec083b5d9e1d83b53eedbd17"


def test_restorer_narrow_network_97x131() -> None:
    """A module not from create_model, with its spec given: padded, run through the pyramid,
    cropped (the full network at small sizes is in test_contract.py)."""
    restorer = db.Restorer(tiny_model(), spec=db.get_spec(NAME))
    x = torch.rand(1, 3, 97, 131)
    y = restorer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert y.min().item() >= 0.0 and y.max().item() <= 1.0
