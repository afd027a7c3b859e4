"""DeblurGAN-v2 (FPNInception, FPNMobileNet): aliased keys, unused layers, train-mode test path.

The generic fidelity tests prove both generators against their manifests, and
test_contract.py holds them to the registry's contract (the size rule, Restorer on any
size, the unused modules being exactly those never called, a plain checkpoint round
trip). These cover what they do not: the backbone registered under two names, the
backbone tail against the manifest, the per-image train-mode test path of
``predict.py``, why the minimum sizes are what they are, and the released .h5 format.
Forward passes use the MobileNet generator where the point holds for both.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path

import pytest
import torch
from torch import nn

import deblurbench as db
from deblurbench.models.deblurganv2 import PerImageTrainInterface

from reference import (
    apply_fill,
    fill_value,
    load_manifest,
    manifest_input,
    manifest_output,
    relative_error,
)

INCEPTION = "deblurganv2_inception"
MOBILENET = "deblurganv2_mobilenet"
NAMES = (INCEPTION, MOBILENET)

# Per the manifests' notes: aliased state-dict entries, and parameters the forward uses.
ALIASED_ENTRIES = {INCEPTION: 1038, MOBILENET: 270}
USED_PARAMS = {INCEPTION: 35_840_099, MOBILENET: 2_106_627}
BACKBONE = {INCEPTION: "fpn.inception.", MOBILENET: "fpn.features."}


@pytest.fixture(scope="module")
def models() -> dict[str, nn.Module]:
    """One float32 instance of each generator (tests below must not modify them)."""
    return {name: db.create_model(name) for name in NAMES}


@pytest.fixture(scope="module")
def filled_mobilenet() -> nn.Module:
    """The float32 MobileNet generator with the manifest fill (copy it before changing it)."""
    return apply_fill(db.create_model(MOBILENET))


def _top_level(names: list[str]) -> set[str]:
    """The names that are not inside another listed module."""
    return {n for n in names if not any(n.startswith(other + ".") for other in names if other != n)}


def _aliases(model: nn.Module) -> dict[int, list[str]]:
    """State-dict keys grouped by the tensor they hold (groups of two or more)."""
    groups: dict[int, list[str]] = defaultdict(list)
    for key, tensor in model.state_dict(keep_vars=True).items():
        groups[id(tensor)].append(key)
    return {k: v for k, v in groups.items() if len(v) > 1}


@pytest.mark.parametrize("name", NAMES)
def test_aliased_keys_share_one_tensor(models: dict[str, nn.Module], name: str) -> None:
    model = models[name]
    state = model.state_dict()
    groups = _aliases(model)
    assert sum(len(keys) - 1 for keys in groups.values()) == ALIASED_ENTRIES[name]
    for keys in groups.values():
        # exactly one backbone key, then its fpn.enc* alias, in that state-dict order
        assert len(keys) == 2
        assert keys[0].startswith(BACKBONE[name])
        assert keys[1].startswith("fpn.enc")
        assert state[keys[0]].data_ptr() == state[keys[1]].data_ptr()
    # every fpn.enc* entry is an alias: the encoder stages own nothing themselves
    assert sum(k.startswith("fpn.enc") for k in state) == ALIASED_ENTRIES[name]


def test_fill_keeps_the_later_enc_key_value(filled_mobilenet: nn.Module) -> None:
    """The manifest fill writes both keys in order, so the fpn.enc* value must stay."""
    state = filled_mobilenet.state_dict()
    first, alias = "fpn.features.3.conv.0.weight", "fpn.enc1.1.conv.0.weight"
    expected = fill_value(alias, tuple(state[alias].shape)).float()
    assert torch.equal(state[first], expected)
    assert not torch.equal(expected, fill_value(first, tuple(state[first].shape)).float())


@pytest.mark.parametrize("name", NAMES)
def test_unused_modules_match_the_manifest(models: dict[str, nn.Module], name: str) -> None:
    manifest = load_manifest(name)
    spec = db.get_spec(name)
    assert set(spec.unused_modules) == _top_level(manifest["flops"]["fvcore_uncalled_modules"])
    modules = dict(models[name].named_modules())
    unused = sum(p.numel() for n in spec.unused_modules for p in modules[n].parameters())
    assert manifest["params_total"] - unused == USED_PARAMS[name]


@pytest.mark.parametrize("name", NAMES)
def test_backbone_frozen_until_unfreeze(models: dict[str, nn.Module], name: str) -> None:
    model = models[name]
    for key, param in model.named_parameters():
        assert param.requires_grad == (not key.startswith(BACKBONE[name])), key
    model.unfreeze()
    try:
        assert all(p.requires_grad for p in model.parameters())
    finally:
        for key, param in model.named_parameters():
            param.requires_grad = not key.startswith(BACKBONE[name])


def test_reference_output_with_float32_fill(filled_mobilenet: nn.Module) -> None:
    """The manifest procedure exactly: fill in float32 (the official dtype), then float64.

    Filling after the cast to float64 skips the float32 rounding of the weights; with
    train-mode BatchNorm on 2x2 maps that alone moves MobileNet's output by ~2.6e-6.
    """
    manifest = load_manifest(MOBILENET)
    restorer = db.Restorer(copy.deepcopy(filled_mobilenet), dtype=torch.float64, clamp=False)
    y = restorer(manifest_input(manifest))
    assert relative_error(y, manifest_output(manifest)) < 1e-7


def test_spec_test_path_facts() -> None:
    for name in NAMES:
        spec = db.get_spec(name)
        assert spec.test_mode == "train"
        assert isinstance(spec.interface, PerImageTrainInterface)
        assert spec.multiple == 32
        assert spec.fidelity == "manifest"
    assert (db.get_spec(INCEPTION).min_size, db.get_spec(MOBILENET).min_size) == (128, 64)
    interface = db.get_spec(MOBILENET).interface
    x = torch.tensor([0.0, 0.25, 1.0])
    assert torch.equal(interface.to_network(x), 2 * x - 1)
    assert torch.equal(interface.from_network(interface.to_network(x)), x)


def test_batch_runs_one_image_at_a_time() -> None:
    """predict.py normalises with one image's statistics; a batch must not mix them."""
    restorer = db.Restorer(MOBILENET, clamp=False)
    batch = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    together = restorer(batch)
    alone = torch.cat([restorer(batch[:1]), restorer(batch[1:])])
    assert torch.allclose(together, alone, rtol=0, atol=1e-6)
    # a plain batched train-mode forward would differ (batch statistics)
    model = restorer.model.train()
    with torch.no_grad():
        batched = (model(2 * batch - 1) + 1) / 2
    assert (batched - alone).abs().max() > 1e-3


def test_running_stats_neither_used_nor_changed() -> None:
    restorer = db.Restorer(MOBILENET, clamp=False)
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    before = {k: v.clone() for k, v in restorer.model.state_dict().items()}
    y = restorer(x)
    after = restorer.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # buffers restored
    with torch.no_grad():  # train mode: other running statistics give the same output
        for name, buf in restorer.model.named_buffers():
            if name.endswith(("running_mean", "running_var")):
                buf.mul_(3.0).add_(0.5)
    assert torch.allclose(restorer(x), y, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("name", "side"), [(MOBILENET, 32), (INCEPTION, 96)])
def test_train_mode_batchnorm_sets_the_minimum_size(
    models: dict[str, nn.Module], name: str, side: int
) -> None:
    """Why min_size is 64 / 128: one size step below, the last stage is 1 x 1 and
    train-mode BatchNorm has one value per channel (the size rule itself is in test_contract.py)."""
    spec = db.get_spec(name)
    assert side == spec.min_size - spec.multiple
    model = models[name].train()
    try:
        with torch.no_grad(), pytest.raises(ValueError, match="more than 1 value per channel"):
            model(torch.rand(1, 3, side, side))
    finally:
        model.eval()


def test_official_checkpoint_format_loads(filled_mobilenet: nn.Module, tmp_path: Path) -> None:
    """Released .h5 files: torch.save({'model': state_dict}) of an nn.DataParallel generator."""
    source = filled_mobilenet
    path = tmp_path / "fpn_mobilenet.h5"
    torch.save({"model": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    loaded = db.create_model(MOBILENET, weights=path)
    expected = source.state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in loaded.state_dict().items())
    state = loaded.state_dict()
    assert state["fpn.features.3.conv.0.weight"].data_ptr() == state["fpn.enc1.1.conv.0.weight"].data_ptr()


def test_published_figures() -> None:
    """The authors' README table and Tables 1-3 per backbone; FLOPS kept as printed, without a size."""
    expected = {
        INCEPTION: {"gopro": (29.55, 0.934), "kohler": (26.72, 0.836), "time": 0.35, "flops": 411.34},
        MOBILENET: {"gopro": (28.17, 0.925), "kohler": (26.36, 0.820), "time": 0.06, "flops": 43.75},
    }
    for name, facts in expected.items():
        spec = db.get_spec(name)
        figures = spec.figures()
        assert figures == spec.published
        own = [f for f in figures if f.own]
        assert all(
            f.source.startswith("VITA-Group/DeblurGANv2@c16bd9f5be63885389a57202c74023531d9ca086:")
            for f in own
        )
        assert not [f for f in own if f.quantity == "params"]  # the authors publish none
        (flops,) = [f for f in own if f.quantity == "flops"]
        assert (flops.value, flops.unit, flops.printed, flops.size) == (facts["flops"], "G", "FLOPS", None)
        (time,) = [f for f in own if f.quantity == "runtime" and f.printed == "Time"]
        assert (time.value, time.unit, time.size) == (facts["time"], "s", None)
        table1 = {f.quantity: f for f in own if "gopro_table.png" in f.source and f.dataset == "gopro"}
        assert (table1["psnr"].value, table1["ssim"].value) == facts["gopro"]
        assert table1["psnr"].variant == table1["ssim"].variant == "blur"
        assert table1["ssim"].ssim_tool == "cw-ssim"
        readme = {f.quantity: f.value for f in own if ":README.md" in f.source}
        assert (readme["psnr"], readme["ssim"]) == facts["gopro"]
        kohler = {f.quantity: f.value for f in own if f.dataset == "kohler"}
        assert (kohler["psnr"], kohler["ssim"]) == facts["kohler"]
    second = [f for f in db.get_spec(INCEPTION).figures() if not f.own]
    assert {f.reporter for f in second} == {
        "LFDN (Sensors 2021) Table 3",
        "LFDN (Sensors 2021) Table 4",
        "HINet Table 2 (README figure)",
    }
    assert all("attributed to Inception-ResNet-v2" in f.note for f in second)
    assert {f.value for f in second if f.dataset == "kohler"} == {26.97, 0.830}
    mobilenet = db.get_spec(MOBILENET).figures()
    (dvd_time,) = [f for f in mobilenet if f.quantity == "runtime" and f.printed == "Inference Time"]
    assert (dvd_time.value, dvd_time.size) == (0.06, (720, 1280))
    (omz_flops,) = [f for f in mobilenet if f.quantity == "flops" and not f.own]
    assert (omz_flops.value, omz_flops.printed, omz_flops.size) == (80.8919, "GFLOPs", (736, 1312))
    assert "26.97 / 0.830" in db.get_spec(INCEPTION).notes


def test_official_checkpoints() -> None:
    files = {
        INCEPTION: ("fpn_inception.h5", "1UXcsRVW-6KF23_TNzxw-xC0SzaMfXOaR", "0ab85a04"),
        MOBILENET: ("fpn_mobilenet.h5", "1JhnT4BBeKBBSLqTo6UsJ13HeBXevarrU", "6d1b6d98"),
    }
    for name, (file, drive_id, digest) in files.items():
        (checkpoint,) = db.get_spec(name).checkpoints
        assert checkpoint.name == file and drive_id in checkpoint.where
        assert isinstance(checkpoint.sha256, str) and len(checkpoint.sha256) == 64
        assert checkpoint.sha256.startswith(digest) and "Open Model Zoo" in checkpoint.note
        assert checkpoint.datasets == ("gopro", "hide")
