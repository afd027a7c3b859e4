"""Registry: names, specs, weights loading, and third-party plugins via entry points."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from plugins import DEMO, install, on_path

import deblurbench as db
from deblurbench.models import registry
from deblurbench.models.checkpoint import CheckpointError


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
    def twice() -> torch.nn.Module:
        return torch.nn.Identity()

    fields = {"display_name": "x", "paper": db.Paper("t", "v", 2020), "repo": "a/b", "commit": "0" * 40}
    registry.register_model(**fields)(twice)
    try:
        with pytest.raises(ValueError, match="'twice' is already registered"):
            registry.register_model(**fields, name="twice")(lambda: torch.nn.Identity())  # another factory
        with pytest.raises(ValueError, match="'lmfn' is already registered"):
            registry.register_model(**{**fields, "name": "lmfn"})(twice)
    finally:
        registry.MODELS.remove("twice")


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
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    """The demo plugin (tests/plugin_pkg) on sys.path with a dist-info, as `pip install` would leave it."""
    install(tmp_path, (DEMO / "pyproject.toml").read_text(), DEMO)
    with on_path(tmp_path):
        yield


def test_entry_point_plugin_registers_network(installed_plugin: None) -> None:
    registry.reload_plugins()
    assert "demo_unet" in db.list_models()
    assert "demo_unet" not in db.list_models(plugins=False)  # not a built-in network: measured when named
    assert registry.model_origin("demo_unet") == "plugin entry point 'demo' (deblurbench_demo_plugin)"
    assert registry.model_origin("lmfn") == "built-in"
    spec = db.get_spec("demo_unet")
    assert spec.display_name == "Demo U-Net (plugin)" and spec.family == "demo_unet"  # family defaults
    # the whole harness works for it: Restorer and complexity
    restorer = db.Restorer("demo_unet")
    assert restorer(torch.rand(1, 3, 9, 13)).shape == (1, 3, 9, 13)
    result = db.complexity("demo_unet", (32, 32))
    assert result["params"]["declared"] == result["params"]["used"] > 0
    assert result["macs"]["fvcore"] > 0


def test_plugins_are_measured_when_named_or_asked_for(installed_plugin: None, tmp_path: Path) -> None:
    from deblurbench.cli import build_parser
    from deblurbench.cli.args import models_arg
    from deblurbench.config import load_config
    from deblurbench.runner import plan

    registry.reload_plugins()

    def chosen(*argv: str) -> list[str]:
        return models_arg(build_parser().parse_args(["complexity", *argv]))

    assert chosen() == chosen("--models", "all") == db.list_models(plugins=False)
    assert chosen("--plugins") == db.list_models() and "demo_unet" in chosen("--plugins")
    assert chosen("--models", "demo_unet") == ["demo_unet"]
    config = tmp_path / "run.toml"
    config.write_text("plugins = true\nquality_datasets = []\nlatency_sizes = []\nmacs_sizes = []\n")
    assert {t.model for t in plan(load_config(config))} == set(db.list_models())
    assert {t.model for t in plan(load_config(config, plugins=False))} == set(db.list_models(plugins=False))
    config.write_text('models = ["demo_unet"]\nquality_datasets = []\nlatency_sizes = []\nmacs_sizes = []\n')
    assert {t.model for t in plan(load_config(config))} == {"demo_unet"}


class TwoScales(torch.nn.Module):
    """A multi-scale network: (half-size image, full-size image)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.conv(x)
        return y[..., ::2, ::2], y


class Halving(torch.nn.Module):
    """A stride-2 encoder and decoder: H and W must be even."""

    def __init__(self) -> None:
        super().__init__()
        self.down = torch.nn.Conv2d(3, 8, 2, stride=2)
        self.up = torch.nn.ConvTranspose2d(8, 3, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(self.down(x))


GOOD = {
    "display_name": "MyNet",
    "paper": db.Paper("A net", "CVPR", 2024),
    "repo": "me/mynet",
    "commit": "a" * 40,
}


@pytest.mark.parametrize(
    ("network", "fields", "message"),
    [
        (Halving, {"commit": "<40-hex commit>"}, "field 'commit' must be the 40-hex commit of the official code, got '<40-hex commit>'"),
        (Halving, {"repo": "https://github.com/me/mynet"}, "field 'repo' must be the official code's GitHub repository as 'owner/name'"),
        (Halving, {"paper": "CVPR 2024"}, "field 'paper' must be Paper(title=..., venue=..., year=...)"),
        (Halving, {"paper": db.Paper("A net", "CVPR", "2024")}, "field 'paper.year' must be the year"),
        (Halving, {"multiple": 0}, "field 'multiple' must be an integer >= 1"),
        (Halving, {"multiple": 8, "min_size": 12}, "write min_size=16 (a multiple of multiple) or 8"),
        (Halving, {"famly": "x"}, "no field 'famly'"),
        (Halving, {"commit": None}, "field 'commit' is required: it must be the 40-hex commit"),
        (Halving, {"multiple": 2, "interface": db.ImageInterface(output=-1)}, "write ImageInterface(output=None) (the default)"),
        (Halving, {}, "fields 'multiple' and 'min_size': one forward at 1x1 (the smallest size multiple=1 and min_size=1 accept) failed"),
        (TwoScales, {}, "returns a tuple of 2, but output=None takes its result to be the image tensor itself; write ImageInterface(output=-1)"),
        (TwoScales, {"interface": db.ImageInterface(output=2)}, "output=2, but the network returns 2 outputs; write an index from -2 to 1"),
        (TwoScales, {"multiple": 2, "interface": db.ImageInterface(output=0)}, "field 'interface': the picked output is (1, 3, 1, 1) for a 1x3x2x2 input"),
    ],
)  # fmt: skip
def test_spec_is_checked_when_it_registers(network: type, fields: dict, message: str) -> None:
    """Each bad field is one line naming where it was registered, the model, the field and what to write."""

    def checked_net() -> torch.nn.Module:
        return network()

    spec = {k: v for k, v in {**GOOD, **fields}.items() if v is not None}
    with pytest.raises(db.ModelSpecError) as refused:
        registry.register_model(**spec)(checked_net)
    text = str(refused.value)
    assert text.startswith(f"{__name__}: model 'checked_net': ") and "\n" not in text, text
    assert message in text, text
    assert "checked_net" not in registry.MODELS._entries
    fixed = (
        {"commit": GOOD["commit"], "multiple": 2}
        if network is Halving
        else {"interface": db.ImageInterface(output=-1)}
    )
    registry.register_model(**{**GOOD, **fixed})(checked_net)  # and the fixed spec registers
    registry.MODELS.remove("checked_net")


def broken_plugin(tmp_path: Path, module: str) -> None:
    """A plugin ``broken`` whose module is ``module`` (text)."""
    pyproject = '[project]\nname = "broken"\nversion = "1.0"\n[project.entry-points."deblurbench.models"]\nbroken = "broken_plugin"\n'
    install(tmp_path, pyproject, {"broken_plugin/__init__.py": module})


BAD_SECOND = """
from torch import nn
from deblurbench import ImageInterface, Paper, register_model

FIELDS = dict(display_name="X", paper=Paper("t", "v", 2024), repo="me/x", commit="b" * 40)


@register_model(**FIELDS)
def first_net(**kwargs) -> nn.Module:
    return nn.Conv2d(3, 3, 1)


@register_model(**FIELDS, interface=ImageInterface(output=-1))
def second_net(**kwargs) -> nn.Module:
    return nn.Conv2d(3, 3, 1)
"""


@pytest.mark.parametrize(
    ("module", "error"),
    [
        ("import no_such_module_xyz\n", "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
        (BAD_SECOND, "model 'second_net': field 'interface': output=-1 picks from a tuple or list, but the network returns one Tensor; write ImageInterface(output=None) (the default)"),
    ],
)  # fmt: skip
def test_broken_plugin_is_named_and_the_registry_stays_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], module: str, error: str
) -> None:
    from deblurbench.cli import main

    broken_plugin(tmp_path, module)
    with on_path(tmp_path):
        with pytest.warns(UserWarning, match="plugin entry point 'broken'"):
            registry.reload_plugins()
        assert "lmfn" in db.list_models()
        assert "first_net" not in db.list_models()  # half a plugin is none of it
        (failure,) = registry.plugin_failures()
        assert (failure.entry_point, failure.module, failure.error) == ("broken", "broken_plugin", error)
        line = f"plugin entry point 'broken' (broken_plugin) failed to load: {error}"
        with pytest.raises(registry.UnknownModelError) as unknown:
            db.create_model("first_net")
        assert line in str(unknown.value) and "\n" not in str(unknown.value)
        assert main(["models", "--format", "json"]) == 0
        captured = capsys.readouterr()
        (row,) = [r for r in json.loads(captured.out) if r["kind"] == "failed plugin"]
        assert (row["name"], row["origin"], row["input"]) == ("broken", "broken_plugin", error)
        assert main(["complexity", "--models", "first_net"]) == 2
        assert line in capsys.readouterr().err


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
