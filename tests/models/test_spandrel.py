"""``spandrel:PATH``: a checkpoint spandrel loads, measured as a network through the registry.

The checkpoints are tiny networks saved from spandrel's own architecture classes; the tests that
need spandrel skip without it (the optional extra ``deblurbench[spandrel]``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
import torch

from deblurbench.cli import main
from deblurbench.models import Restorer, get_spec, list_models
from deblurbench.models.checkpoint import CheckpointError
from deblurbench.models.registry import MODELS
from deblurbench.models.spandrel_adapter import INSTALL, PREFIX
from deblurbench.reports.display import display_name


def _save_nafnet(path: Path, seed: int = 0, channels: int = 3) -> torch.nn.Module:
    """A tiny NAFNet from spandrel's own class, its state dict saved at ``path``."""
    from spandrel.architectures.NAFNet import NAFNet

    torch.manual_seed(seed)
    net = NAFNet(img_channel=channels, width=8, middle_blk_num=1, enc_blk_nums=[1, 1], dec_blk_nums=[1, 1])
    torch.save(net.state_dict(), path)
    return net


@pytest.fixture(scope="module")
def nafnet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("spandrel")
    path = tmp_path_factory.mktemp("spandrel") / "tiny_nafnet.pth"
    _save_nafnet(path)
    return path


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI expecting exit code 2; its one stderr line."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_without_spandrel_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "spandrel", None)  # import spandrel -> ImportError
    err = _fails(["complexity", "--models", f"{PREFIX}ckpt.pth", "--size", "64x64"], capsys)
    assert err.endswith(INSTALL)
    assert INSTALL == "spandrel is not installed: pip install 'deblurbench[spandrel]'"


def test_spandrel_names_are_never_listed(nafnet: Path) -> None:
    name = get_spec(f"{PREFIX}{nafnet}").name
    assert name in MODELS
    assert not any(n.startswith(PREFIX) for n in list_models())


def test_spec_from_descriptor(nafnet: Path) -> None:
    from deblurbench.bench.labels import content_digest

    spec = get_spec(f"{PREFIX}{nafnet}")
    digest = content_digest(nafnet)
    assert spec.name == f"{PREFIX}{nafnet.absolute()}@{digest}"
    assert spec.display_name == f"NAFNet (spandrel: tiny_nafnet.pth@{digest})"
    assert display_name(spec.name) == spec.display_name
    assert "not the authors' code" in spec.fidelity and "8w" in spec.fidelity
    assert spec.published == () and spec.checkpoints == ()
    assert spec.weights_file == str(nafnet.absolute())
    assert (spec.multiple, spec.min_size) == (1, 1)
    assert get_spec(spec.name) is spec  # the content-keyed name resolves to the same entry


def test_name_follows_the_content(tmp_path: Path) -> None:
    pytest.importorskip("spandrel")
    path = tmp_path / "net.pth"
    _save_nafnet(path, seed=0)
    before = get_spec(f"{PREFIX}{path}").name
    _save_nafnet(path, seed=1)
    after = get_spec(f"{PREFIX}{path}").name
    assert before != after  # another file under the same path is another store key
    with pytest.raises(CheckpointError, match="its content changed"):
        get_spec(before)
    assert before not in MODELS  # a report shows the stored name rather than fail


def test_restorer_matches_spandrels_own_call(nafnet: Path) -> None:
    import spandrel

    x = torch.rand(1, 3, 24, 40, generator=torch.Generator().manual_seed(0))
    ours = Restorer(f"{PREFIX}{nafnet}")(x)
    theirs = spandrel.ModelLoader().load_from_file(nafnet).eval()(x)
    assert ours.shape == x.shape
    assert torch.equal(ours, theirs)


def test_unloadable_file_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("spandrel")
    path = tmp_path / "other.pth"
    torch.save({"foo.weight": torch.zeros(2, 2), "bar.bias": torch.zeros(2)}, path)
    err = _fails(["complexity", "--models", f"{PREFIX}{path}", "--size", "64x64"], capsys)
    assert str(path) in err and "recognises no architecture" in err
    err = _fails(["complexity", "--models", f"{PREFIX}{tmp_path / 'none.pth'}", "--size", "64x64"], capsys)
    assert "none.pth: no such file" in err


def test_not_same_size_rgb_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("spandrel")
    from spandrel.architectures.Compact import Compact

    grey = tmp_path / "grey.pth"
    _save_nafnet(grey, channels=1)
    err = _fails(["complexity", "--models", f"{PREFIX}{grey}", "--size", "64x64"], capsys)
    assert "1 -> 1 channels" in err and str(grey) in err
    upscaler = tmp_path / "x2.pth"
    torch.save(Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=2).state_dict(), upscaler)
    err = _fails(["complexity", "--models", f"{PREFIX}{upscaler}", "--size", "64x64"], capsys)
    assert "scale 2" in err and "same-size restoration" in err


def test_complexity_cli(nafnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = _saved_params(nafnet)
    assert main(["complexity", "--models", f"{PREFIX}{nafnet}", "--size", "64x64", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["model"] == get_spec(f"{PREFIX}{nafnet}").name
    assert row["params"]["declared"] == row["params"]["used"] == net
    assert row["macs"]["fvcore"] > 0


def _saved_params(path: Path) -> int:
    return sum(t.numel() for t in torch.load(path, weights_only=True).values())


def test_latency_cli(nafnet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["latency", "--models", f"{PREFIX}{nafnet}", "--size", "32x32", "--threads", "1"]
    argv += ["--warmup", "0", "--repeats", "2", "--min-repeats", "1", "--format", "json"]
    assert main(argv) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["model"] == get_spec(f"{PREFIX}{nafnet}").name
    assert row["median_ms"] > 0


def test_evaluate_cli_scores_the_files_weights(
    nafnet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["evaluate", "--models", f"{PREFIX}{nafnet}", "--dataset", "synthetic", "--split", "tiny"]
    argv += ["--limit", "1", "--lpips", "off", "--out", str(tmp_path / "out"), "--format", "json"]
    assert main(argv) == 0  # not refused as "random weights": the file is the weights
    (row,) = json.loads(capsys.readouterr().out)
    spec = get_spec(f"{PREFIX}{nafnet}")
    assert row["model"] == spec.name
    assert row["weights"] == f"tiny_nafnet.pth@{spec.name.rpartition('@')[2]}"
    assert math.isfinite(row["psnr"])


def test_run_config_keys_and_scores_the_file(nafnet: Path) -> None:
    from deblurbench.config import load_config
    from deblurbench.runner import quality_weights

    typed = f"{PREFIX}{nafnet}"
    config = load_config(None, models=[typed], weights={typed: str(nafnet)})
    name = get_spec(typed).name
    assert config.models == (name,) and set(config.weights) == {name}
    assert quality_weights(load_config(None, models=[typed]), name, "synthetic") == str(nafnet.absolute())
