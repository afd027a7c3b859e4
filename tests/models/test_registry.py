"""Registry: names, specs, weights loading, and third-party plugins via entry points."""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import torch

import deblurbench as db
from deblurbench.models import registry
from deblurbench.models.checkpoint import CheckpointError

PLUGIN_SRC = Path(__file__).parents[1] / "plugin_pkg"


def test_lmfn_registered_with_spec() -> None:
    assert "lmfn" in db.list_models()
    spec = db.get_spec("lmfn")
    assert spec.display_name == "LMFN"
    assert spec.repo == "LiQiang0307/LFDN"
    assert len(spec.commit) == 40
    assert spec.paper.year == 2021
    assert spec.interface.scale == 255.0  # the MeanShift works on 0-255
    assert (spec.multiple, spec.min_size) == (16, 64)
    assert spec.accepts(64, 64) and spec.accepts(720, 1280)
    assert not spec.accepts(48, 64) and not spec.accepts(100, 128)
    assert spec.unused_modules == ("LR_conv", "final_lym")


def test_list_models_sorted_and_unique() -> None:
    names = db.list_models()
    assert names == sorted(set(names))


def test_unknown_name_suggests_nearest() -> None:
    with pytest.raises(registry.UnknownModelError, match="did you mean lmfn"):
        db.create_model("lmfm")
    with pytest.raises(registry.UnknownModelError, match="deblurbench models"):
        db.get_spec("definitely_not_a_network")


def test_duplicate_registration_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register_model(display_name="x", paper=None, repo="", commit="")(lambda: None)
        # the lambda's name is "<lambda>"; register a second one under the same name
        registry.register_model(display_name="x", paper=None, repo="", commit="")(lambda: None)
    registry.MODELS.remove("<lambda>")


def test_create_model_overrides_go_to_constructor() -> None:
    model = db.create_model("lmfn", nf=10)
    assert model.fea_conv.out_channels == 10
    assert not model.training


@pytest.mark.parametrize("nesting", ["bare", "params", "params_ema", "state_dict", "model", "net"])
def test_weights_official_formats_load_strictly(tmp_path: Path, nesting: str) -> None:
    source = db.create_model("lmfn")
    state = {k: v.clone() for k, v in source.state_dict().items()}
    payload = state if nesting == "bare" else {nesting: {f"module.{k}": v for k, v in state.items()}}
    path = tmp_path / "ckpt.pth"
    torch.save(payload, path)
    loaded = db.create_model("lmfn", weights=path)
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


def test_weights_mismatch_lists_keys(tmp_path: Path) -> None:
    state = db.create_model("lmfn").state_dict()
    state.pop("fea_conv.bias")
    state["extra.weight"] = torch.zeros(1)
    state["last.bias"] = torch.zeros(7)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError) as info:
        db.create_model("lmfn", weights=path)
    message = str(info.value)
    assert "missing: fea_conv.bias" in message
    assert "unexpected: extra.weight" in message
    assert "last.bias (7,) vs (50,)" in message
    assert "\n" not in message


class _Payload:
    """Stands for arbitrary pickled code in a malicious checkpoint."""


def test_weights_never_unpickle_code(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": _Payload()}, path)
    with pytest.raises(CheckpointError, match="could run code") as refused:
        db.create_model("lmfn", weights=path)
    assert "weights_only" not in str(refused.value)  # never torch's advice to load it unsafely


def test_weights_missing_file_and_unknown_tag() -> None:
    with pytest.raises(FileNotFoundError, match="no such file and no shipped tag"):
        db.create_model("lmfn", weights="no-such-tag-or-file")


@pytest.fixture
def installed_plugin(tmp_path: Path):
    """The demo plugin on sys.path with a dist-info, as `pip install` would leave it."""
    shutil.copytree(PLUGIN_SRC / "deblurbench_demo_plugin", tmp_path / "deblurbench_demo_plugin")
    project = tomllib.loads((PLUGIN_SRC / "pyproject.toml").read_text())["project"]
    dist = tmp_path / "deblurbench_demo_plugin-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: 0.1.0\n")
    lines = ["[deblurbench.models]"]
    lines += [f"{k} = {v}" for k, v in project["entry-points"]["deblurbench.models"].items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.path.remove(str(tmp_path))
    sys.modules.pop("deblurbench_demo_plugin", None)
    registry.MODELS.remove("demo_unet")


def test_entry_point_plugin_registers_network(installed_plugin: None) -> None:
    assert "demo_unet" not in db.list_models()
    registry.reload_plugins()
    assert "demo_unet" in db.list_models()
    assert db.get_spec("demo_unet").display_name == "Demo U-Net (plugin)"
    # the whole harness works for it: Restorer and complexity
    restorer = db.Restorer("demo_unet")
    assert restorer(torch.rand(1, 3, 9, 13)).shape == (1, 3, 9, 13)
    result = db.complexity("demo_unet", (32, 32))
    assert result["params"]["declared"] == result["params"]["used"] > 0
    assert result["macs"]["fvcore"] > 0


def test_broken_plugin_warns_and_keeps_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenEntryPoint:
        name, value = "broken", "no_such_module_xyz"

        def load(self):
            raise ImportError("No module named 'no_such_module_xyz'")

    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: [BrokenEntryPoint()])
    with pytest.warns(UserWarning, match="plugin entry point 'broken'"):
        registry.reload_plugins()
    assert "lmfn" in db.list_models()


def test_old_instance_norm_statistics_are_dropped_with_a_warning(tmp_path: Path) -> None:
    from deblurbench.models.checkpoint import load_state_dict_strict

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.InstanceNorm2d(4))
    state = dict(net.state_dict())
    state["1.running_mean"] = torch.zeros(4)  # as PyTorch 0.3 saved InstanceNorm layers
    state["1.running_var"] = torch.ones(4)
    with pytest.warns(UserWarning, match="ignored 2 InstanceNorm running-statistics"):
        load_state_dict_strict(net, state, source="old.pth")
    state["0.running_mean"] = torch.zeros(4)  # not an InstanceNorm: still an error
    with pytest.warns(UserWarning), pytest.raises(CheckpointError, match=r"unexpected: 0\.running_mean"):
        load_state_dict_strict(net, state, source="old.pth")


def test_dmphn_official_per_module_directory_loads(tmp_path: Path) -> None:
    source = db.create_model("dmphn_1_2_4")
    for part in ("encoder", "decoder"):
        for level in (1, 2, 3):
            sub = getattr(source, f"{part}_lv{level}")
            torch.save(sub.state_dict(), tmp_path / f"{part}_lv{level}.pkl")
    loaded = db.create_model("dmphn_1_2_4", weights=tmp_path)
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    (tmp_path / "decoder_lv3.pkl").unlink()
    with pytest.raises(FileNotFoundError, match=r"decoder_lv3\.pkl"):
        db.create_model("dmphn_1_2_4", weights=tmp_path)
    with pytest.raises(CheckpointError, match="is a directory"):
        db.create_model("lmfn", weights=tmp_path)


def test_resolver_entries_are_looked_up_never_listed() -> None:
    from deblurbench.registry import Registry, UnknownNameError

    def resolve(name: str) -> str | None:
        if name == "broken:x":
            raise ValueError("broken:x: cannot be read")
        return name.upper() if name.startswith("file:") else None

    reg: Registry[str] = Registry("thing", resolver=resolve)
    reg.add("listed", "L")
    assert reg.get("file:a") == "FILE:A" and "file:a" in reg
    assert reg.names() == ["listed"] and len(reg) == 1
    assert "broken:x" not in reg  # a name that fails to resolve is not held ...
    with pytest.raises(ValueError, match="cannot be read"):  # ... and looking it up says why
        reg.get("broken:x")
    with pytest.raises(UnknownNameError, match="unknown thing 'other'"):
        reg.get("other")
