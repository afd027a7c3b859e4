"""NAFNet family: the TLC variant (NAFNetLocal), its registry names and option, sizes, specs.

The generic fidelity tests cover the plain networks against their manifests, and
test_contract.py holds all four names to the registry's contract (any size through
Restorer and the bare network, spec, checkpoints); these cover what they do not:
TLC keeps the state dict, fixes its windows as the official conversion pass does,
equals plain NAFNet exactly where its windows cover the whole feature map (16-padded
input at most 384 px a side) and differs beyond; the local mean itself; the
hand-written LayerNorm backward.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import deblurbench as db
from deblurbench.models.nafnet import AvgPool2d, LayerNormFunction, NAFNet, NAFNetLocal
from deblurbench.models.sources import manifest_notes

from reference import (
    apply_fill,
    load_manifest,
    manifest_input,
    manifest_layout,
    manifest_output,
    relative_error,
    state_dict_layout,
)
from tiny import TINY as TINY_OVERRIDES

# Same layout of levels as the GoPro models, a fraction of the cost.
TINY = TINY_OVERRIDES["nafnet_gopro_width32"]
# Windows (per axis) of each level for train_size 256: 1.5 x the feature size there.
GOPRO_WINDOWS = {"encoders.0": 384, "encoders.1": 192, "encoders.2": 96, "encoders.3": 48, "middle_blks": 24}
GOPRO_WINDOWS.update({"decoders.0": 48, "decoders.1": 96, "decoders.2": 192, "decoders.3": 384})


@pytest.fixture(scope="module")
def tiny_pair() -> tuple[torch.nn.Module, torch.nn.Module]:
    """Plain and TLC tiny NAFNets with the same (manifest-fill, non-zero beta/gamma) weights."""
    plain = apply_fill(db.create_model("nafnet_gopro_width32", **TINY)).eval()
    local = apply_fill(db.create_model("nafnet_gopro_width32", tlc=True, **TINY)).eval()
    return plain, local


def _run(model: torch.nn.Module, height: int, width: int) -> torch.Tensor:
    x = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(height * 1000 + width))
    with torch.no_grad():
        return model(x)


def test_tlc_option_and_names_build_nafnet_local() -> None:
    assert type(db.create_model("nafnet_gopro_width32")) is NAFNet
    assert isinstance(db.create_model("nafnet_gopro_width32_tlc"), NAFNetLocal)
    wide = db.create_model("nafnet_gopro_width64", tlc=True)
    assert isinstance(wide, NAFNetLocal)
    assert wide.intro.out_channels == 64
    assert state_dict_layout(wide) == manifest_layout(load_manifest("nafnet_gopro_width64"))
    with pytest.raises(TypeError):
        db.create_model("nafnet_gopro_width32", train_size=(1, 3, 128, 128))


def test_tlc_state_dict_equals_plain() -> None:
    plain = db.create_model("nafnet_gopro_width32")
    local = db.create_model("nafnet_gopro_width32_tlc")
    assert state_dict_layout(local) == state_dict_layout(plain)
    assert state_dict_layout(local) == manifest_layout(load_manifest("nafnet_gopro_width32"))
    # An official (plain NAFNet) checkpoint loads strictly into the TLC network.
    local.load_state_dict(plain.state_dict(), strict=True)
    pools = [m for m in local.modules() if isinstance(m, AvgPool2d)]
    assert len(pools) == (1 + 1 + 1 + 28) + 1 + 4  # one per NAFBlock
    assert not any(isinstance(m, torch.nn.AdaptiveAvgPool2d) for m in local.modules())


def test_tlc_windows_follow_the_conversion_pass() -> None:
    local = db.create_model("nafnet_gopro_width32_tlc")
    seen = 0
    for name, module in local.named_modules():
        if isinstance(module, AvgPool2d):
            level = ".".join(name.split(".")[:2]) if not name.startswith("middle") else "middle_blks"
            window = GOPRO_WINDOWS[level]
            assert module.kernel_size == [window, window], name
            seen += 1
    assert seen == 36
    assert local.base_size == (384, 384)


@pytest.mark.slow
def test_tlc_reproduces_manifest_where_it_equals_plain() -> None:
    # The manifest input is 64 x 64: every window covers its whole feature map.
    manifest = load_manifest("nafnet_gopro_width32")
    model = apply_fill(db.create_model("nafnet_gopro_width32_tlc")).double().eval()
    with torch.no_grad():
        y = model(manifest_input(manifest))
    assert relative_error(y, manifest_output(manifest)) < 1e-6


@pytest.mark.slow
def test_tlc_width64_reproduces_manifest() -> None:
    manifest = load_manifest("nafnet_gopro_width64")
    model = apply_fill(db.create_model("nafnet_gopro_width64_tlc")).double().eval()
    with torch.no_grad():
        y = model(manifest_input(manifest))
    assert relative_error(y, manifest_output(manifest)) < 1e-6


@pytest.mark.parametrize("size", [(384, 96), (96, 384), (17, 23)])
def test_tlc_equals_plain_up_to_base_size(tiny_pair, size) -> None:
    # Padded to 16, H and W stay <= 384 = 1.5 x 256: each window spans the whole
    # feature map, so AvgPool2d takes the adaptive_avg_pool2d branch: bit-equal.
    plain, local = tiny_pair
    assert torch.equal(_run(plain, *size), _run(local, *size))


@pytest.mark.parametrize("size", [(385, 64), (64, 400)])
def test_tlc_differs_beyond_base_size(tiny_pair, size) -> None:
    # 385 pads to 400 > 384: the finest level's window (384) no longer covers the map.
    plain, local = tiny_pair
    y_plain, y_local = _run(plain, *size), _run(local, *size)
    assert y_plain.shape == y_local.shape == (1, 3, *size)
    assert (y_plain - y_local).abs().max() > 1e-4


def test_tlc_threshold_follows_train_size(tiny_pair) -> None:
    # base_size = int(1.5 * train size): 96 for 64 x 64 training crops.
    plain, _ = tiny_pair
    local = apply_fill(db.create_model("nafnet_gopro_width32_tlc", train_size=(1, 3, 64, 64), **TINY)).eval()
    assert local.base_size == (96, 96)
    assert torch.equal(_run(plain, 96, 96), _run(local, 96, 96))
    assert (_run(plain, 97, 96) - _run(local, 97, 96)).abs().max() > 1e-4


def test_local_mean_is_a_centred_sliding_window_mean() -> None:
    x = torch.randn(2, 3, 13, 17, dtype=torch.float64)
    pool = AvgPool2d(kernel_size=[5, 7])
    ref = F.avg_pool2d(x, (5, 7), stride=1)  # 9 x 11, then replicate-padded back
    ref = F.pad(ref, (3, 3, 2, 2), mode="replicate")
    torch.testing.assert_close(pool(x), ref, rtol=1e-10, atol=1e-10)
    # A window at least as large as the map is the global mean.
    assert torch.allclose(AvgPool2d(kernel_size=[13, 17])(x), x.mean((2, 3), keepdim=True))
    # Larger along one axis only: a local mean along the other.
    torch.testing.assert_close(
        AvgPool2d(kernel_size=[20, 4])(x),
        F.pad(F.avg_pool2d(x, (13, 4), stride=1), (1, 2, 6, 6), mode="replicate"),
    )


def test_layernorm_backward_is_the_true_gradient() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 3, 5, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(4, dtype=torch.float64, generator=g, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, generator=g, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: LayerNormFunction.apply(x, w, b, 1e-6), (x, w, b))
    ref = F.layer_norm(x.permute(0, 2, 3, 1), (4,), w, b, eps=1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(LayerNormFunction.apply(x, w, b, 1e-6), ref)


def test_specs() -> None:
    names = [
        "nafnet_gopro_width32",
        "nafnet_gopro_width64",
        "nafnet_gopro_width32_tlc",
        "nafnet_gopro_width64_tlc",
    ]
    assert set(names) <= set(db.list_models())
    for name in names:
        spec = db.get_spec(name)
        assert spec.family == "NAFNet" and spec.commit == "2b4af71ebe098a92a75910c233a3965a3e93ede4"
        assert (spec.multiple, spec.min_size, spec.test_mode) == (1, 1, "eval")
        assert spec.interface.output is None and spec.interface.scale == 1.0 and spec.interface.shift == 0.0
        assert ("TLC" in spec.display_name) == name.endswith("_tlc")
        assert "TLC" in spec.notes and "35d0eb9" in spec.notes  # the MACs script's 512x512 era
        assert spec.figures() == spec.published
        # own but for the width-32 cost leads of the manifest notes
        assert all(f.own or f.reporter == manifest_notes("nafnet_gopro_width32") for f in spec.published)
        width = 32 if "width32" in name else 64
        (checkpoint,) = spec.checkpoints
        assert checkpoint.name == f"NAFNet-GoPro-width{width}.pth"
        assert checkpoint.datasets == ("gopro", "hide") and "readme.md" in checkpoint.where

    def quality(name: str) -> dict[tuple[str, float], str]:
        spec = db.get_spec(name)
        return {(f.quantity, f.value): f.source for f in spec.published if f.dataset == "gopro"}

    # The README figures come from the official (TLC) test configs: only the _tlc names carry them.
    readme = "megvii-research/NAFNet@2b4af71ebe098a92a75910c233a3965a3e93ede4:readme.md"
    w32 = quality("nafnet_gopro_width32_tlc")
    assert set(w32) == {("psnr", 32.8705), ("ssim", 0.9606)} and all(
        readme in source for source in w32.values()
    )
    w64 = quality("nafnet_gopro_width64_tlc")
    assert set(w64) == {("psnr", 33.7103), ("ssim", 0.9668), ("psnr", 33.69)}
    assert "abstract" in w64["psnr", 33.69] and readme in w64["psnr", 33.7103]
    assert all(
        f.ssim_tool == "basicsr" for n in names for f in db.get_spec(n).published if f.quantity == "ssim"
    )
    assert "33.69" in db.get_spec("nafnet_gopro_width64_tlc").notes
    assert quality("nafnet_gopro_width32") == {} and quality("nafnet_gopro_width64") == {}
    # The width-32 cost leads hold for both names; width 64 has none.
    for name in ("nafnet_gopro_width32", "nafnet_gopro_width32_tlc"):
        costs = {(f.quantity, f.value, f.unit, f.size) for f in db.get_spec(name).published if not f.dataset}
        assert costs == {("params", 17.1, "M", None), ("macs", 16.0, "G", (256, 256))}
    assert db.get_spec("nafnet_gopro_width64").published == ()
