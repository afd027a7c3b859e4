"""MPRNet: the shared PReLU, the stage outputs, the official checkpoint layout, the spec.

The generic fidelity tests prove the GoPro network against its manifest, and
test_contract.py holds it to the registry's contract (the multiple-of-8 rule, Restorer
on any size, spec, a plain checkpoint round trip); these cover what they do not. Above
all the trap of the authors' code: one ``nn.PReLU`` registered under 55 state-dict keys.
Most use a narrow MPRNet to stay fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import deblurbench as db
from deblurbench.models.mprnet import MPRNet

from reference import apply_fill, fill_value, load_manifest, rand
from tiny import TINY as TINY_OVERRIDES

NAME = "mprnet"
TINY = TINY_OVERRIDES[NAME]


def tiny_model() -> MPRNet:
    torch.manual_seed(0)
    return MPRNet(**TINY).eval()


def prelu_aliases(model: nn.Module) -> tuple[nn.Parameter, list[str]]:
    """The one PReLU weight of ``model`` and every state-dict key that holds it."""
    prelus = {id(m): m for m in model.modules() if isinstance(m, nn.PReLU)}
    assert len(prelus) == 1, f"expected one shared PReLU, found {len(prelus)}"
    weight = next(iter(prelus.values())).weight
    keys = [k for k, v in model.state_dict(keep_vars=True).items() if v is weight]
    return weight, keys


def test_prelu_is_one_parameter_under_55_keys() -> None:
    model = db.create_model(NAME)
    manifest = load_manifest(NAME)
    weight, keys = prelu_aliases(model)
    assert keys == manifest["shared_parameter_aliases"]["prelu_act"]
    assert len(keys) == 55
    assert sum(1 for p in model.parameters() if p is weight) == 1
    assert weight.numel() == 1
    # Counted once: 55 separate PReLUs would give params_total + 54.
    assert sum(p.numel() for p in model.parameters()) == manifest["params_total"]
    # No extra key for the activation itself (the authors keep it a local variable).
    assert not any(k.startswith("act.") for k in model.state_dict())


def test_fill_leaves_the_last_alias_value() -> None:
    model = apply_fill(tiny_model())
    weight, keys = prelu_aliases(model)
    assert torch.equal(weight.detach(), fill_value(keys[-1], (1,)).float())
    assert not torch.equal(weight.detach(), fill_value(keys[0], (1,)).float())


def test_official_checkpoint_format_loads_strictly(tmp_path: Path) -> None:
    source = apply_fill(tiny_model())
    with torch.no_grad():
        prelu_aliases(source)[0].fill_(0.3)  # a value neither init nor fill gives
    # model_deblurring.pth: weights under 'state_dict', DataParallel 'module.' prefix.
    state = {f"module.{k}": v.clone() for k, v in source.state_dict().items()}
    path = tmp_path / "model_deblurring.pth"
    torch.save({"epoch": 1, "state_dict": state}, path)
    loaded = db.create_model(NAME, weights=path, **TINY)
    x = rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(loaded(x)[0], source(x)[0])
    weight, keys = prelu_aliases(loaded)
    assert weight.item() == pytest.approx(0.3)
    # 3 shallow CABs, per U-Net stage 6 encoder + 6 decoder + 2 skip CABs, num_cab per ORB.
    assert len(keys) == 3 + 2 * (6 + 6 + 2) + 3 * TINY["num_cab"]


def test_three_stage_outputs_and_pick() -> None:
    model = tiny_model()
    with torch.no_grad():
        model.tail.weight.zero_()  # stage 3 image becomes the input itself
        x = rand(1, 3, 16, 24)
        out = model(x)
    assert len(out) == 3
    assert all(o.shape == x.shape for o in out)
    assert torch.equal(out[0], x)
    assert not torch.allclose(out[1], x)
    assert not torch.allclose(out[2], x)
    assert db.get_spec(NAME).interface.pick(out) is out[0]


def test_csff_only_in_stage_two() -> None:
    model = tiny_model()
    assert not any(name.startswith("csff") for name, _ in model.stage1_encoder.named_children())
    assert sum(name.startswith("csff") for name, _ in model.stage2_encoder.named_children()) == 6
    assert all(conv.bias is None for conv in model.modules() if isinstance(conv, nn.Conv2d))


def test_spec_facts() -> None:
    spec = db.get_spec(NAME)
    manifest = load_manifest(NAME)
    assert (spec.multiple, spec.min_size, spec.test_mode) == (8, 8, "eval")
    assert spec.unused_modules == ()
    assert "55" in spec.notes
    figures = spec.figures()
    # the paper's figures as Papers with Code transcribes them: not the authors' own material
    assert not [f for f in figures if f.own]
    own = {(f.quantity, f.dataset): f for f in figures if f.reporter == "Papers with Code"}
    assert set(own) == {
        ("params", ""),
        ("psnr", "gopro"),
        ("ssim", "gopro"),
        ("psnr", "hide"),
        ("ssim", "hide"),
    }
    # 20.1M (the paper, as paperswithcode transcribes it) agrees with the measured count to the digits given.
    assert (own[("params", "")].value, own[("params", "")].unit) == (20.1, "M")
    assert own[("params", "")].value == round(manifest["params_total"] / 1e6, 1)
    assert all(
        "paperswithcode.com/paper/multi-stage-progressive-image-restoration" in f.source for f in own.values()
    )
    assert (own[("psnr", "gopro")].value, own[("psnr", "gopro")].variant) == (32.66, "blur")
    assert (own[("ssim", "gopro")].value, own[("ssim", "gopro")].ssim_tool) == (0.959, "matlab")
    assert (own[("psnr", "hide")].value, own[("ssim", "hide")].value) == (30.96, 0.939)
    assert not any(
        f.own and f.quantity in ("macs", "flops", "runtime") for f in figures
    )  # the authors give none
    second = {(f.reporter, f.quantity, f.sync): f for f in figures if not f.own}
    flops = second[("Stripformer issue #6", "flops", None)]
    assert (flops.value, flops.unit, flops.size, flops.printed) == (760.0, "G", (256, 256), "GFLOPs")
    assert "Stripformer-ECCV-2022-/issues/6" in flops.source
    assert second[("Stripformer issue #6", "params", None)].value == 20.0
    assert (
        second[("Stripformer issue #6", "runtime", False)].value,
        second[("Stripformer issue #6", "runtime", False)].unit,
    ) == (148.0, "ms")
    assert second[("Stripformer issue #6", "runtime", True)].value == 1410.0
    assert second[("MIMO-UNet README", "runtime", False)].value == 0.075
    assert second[("MIMO-UNet README", "runtime", True)].value == 1.474
    assert second[("HINet Table 2 (README figure)", "psnr", None)].label == "MPRNet [56]"
    reds = [f for f in figures if f.dataset == "reds"]
    assert sorted(f.value for f in reds) == [0.8111, 28.79]
    assert len(figures) == 17
    # The maintainer's 11.3M is the 2-stage ablation variant: a note, not MPRNet's figure.
    assert not any(f.value == 11.3 for f in figures) and "11.3" in spec.notes and "2-stage" in spec.notes
    assert "148 ms" in spec.notes and "0.075 s" in spec.notes  # the discrepancy REPORTED.md lists
    (checkpoint,) = spec.checkpoints
    assert (checkpoint.name, checkpoint.datasets) == ("model_deblurring.pth", ("gopro", "hide"))
    assert "Deblurring/README.md" in checkpoint.where
