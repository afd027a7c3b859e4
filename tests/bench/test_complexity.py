"""Complexity: parameters declared/used and MACs per counter, against the LMFN manifest."""

from __future__ import annotations

import time

import pytest
import torch

import deblurbench as db

from reference import load_manifest


@pytest.fixture(scope="module")
def lmfn_256() -> dict:
    return db.complexity("lmfn", (256, 256))


def test_fvcore_matches_manifest(lmfn_256: dict) -> None:
    flops = load_manifest("lmfn")["flops"]
    assert lmfn_256["macs"]["fvcore"] == flops["fvcore_total"] == 4_493_002_752


def test_ptflops_pytorch_backend_matches_manifest(lmfn_256: dict) -> None:
    assert lmfn_256["macs"]["ptflops_pytorch"] == load_manifest("lmfn")["flops"]["ptflops_pytorch_macs"]


def test_torch_flop_counter_converted_to_macs(lmfn_256: dict) -> None:
    # the official path adds the x255 / /255 mapping, which the counter does not charge
    expected = load_manifest("lmfn")["flops"]["torch_flop_counter_flops"]
    assert lmfn_256["raw"]["torch_flop_counter"] == expected
    assert lmfn_256["macs"]["torch_flop_counter"] == expected // 2


def test_counters_agree_within_a_percent(lmfn_256: dict) -> None:
    values = list(lmfn_256["macs"].values())
    assert max(values) / min(values) < 1.01


def test_params_declared_used_unused(lmfn_256: dict) -> None:
    params = lmfn_256["params"]
    assert params["declared"] == params["trainable"] == 1_247_707
    assert params["unused"] == 23_903
    assert params["used"] == 1_247_707 - 23_903
    assert lmfn_256["unused_modules"] == sorted(load_manifest("lmfn")["flops"]["fvcore_uncalled_modules"])


def test_skipped_ops_reported_per_counter(lmfn_256: dict) -> None:
    skipped = lmfn_256["skipped"]
    assert "leaky_relu_" in skipped["fvcore"] and "sigmoid" in skipped["fvcore"]
    assert "upsample_bilinear2d" in skipped["torch_flop_counter"]
    assert "convolution" not in skipped["torch_flop_counter"]
    assert skipped["ptflops_pytorch"]["MeanShift"] == 2  # a Conv2d subclass ptflops has no hook for


def test_large_sizes_use_meta_device_only() -> None:
    started = time.perf_counter()
    result = db.complexity("lmfn", (4320, 7680))  # a real forward here would need ~100 GB
    assert time.perf_counter() - started < 60
    assert result["meta"] == {
        "torch_flop_counter": True,
        "ptflops_aten": True,
        "fvcore": False,
        "ptflops_pytorch": True,
    }
    assert result["macs"]["fvcore"] is None and "cannot use the meta device" in result["notes"]["fvcore"]
    # cost grows with the pixel count: 4320x7680 has 506.25x the pixels of 256x256
    small = db.complexity("lmfn", (256, 256), counters=("torch_flop_counter",))
    ratio = result["macs"]["torch_flop_counter"] / small["macs"]["torch_flop_counter"]
    assert 495 < ratio < 510  # not exact: border effects of strided and unpadded convolutions


def test_sizes_are_padded_to_what_the_network_accepts() -> None:
    result = db.complexity("lmfn", (100, 70), counters=("torch_flop_counter",))
    assert result["input_size"] == [112, 80]


def test_unknown_counter_rejected() -> None:
    with pytest.raises(ValueError, match="unknown counter"):
        db.complexity("lmfn", (64, 64), counters=("flopz",))


def test_ptflops_chatter_stays_off_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    # One module reached under two names (as MPRNet's shared PReLU is) makes ptflops print()
    # a warning to stdout, which must hold nothing but data under --format json.
    from deblurbench.bench.complexity import _ptflops

    act = torch.nn.PReLU()
    shared = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), act, torch.nn.Sequential(act))
    macs = _ptflops(shared, (1, 3, 8, 8), backend="pytorch")
    assert macs >= 3 * 4 * 9 * 64
    assert capsys.readouterr().out == ""


def test_counters_are_one_table_and_the_readme_lists_each() -> None:
    from pathlib import Path

    from deblurbench.bench.counters import COUNTERS

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    for name in COUNTERS.names():
        counter = COUNTERS.get(name)
        (row,) = [r for r in rows if r.startswith(f"| `{name}`")]
        assert counter.unit in row and ("yes" if counter.meta else "no") in row.split("|")[3]
        assert counter.to_macs(10) == int(10 * counter.macs_per_unit)
    result = db.complexity("lmfn", (64, 64))
    assert set(result.macs) == set(COUNTERS.names()) == set(result.meta)


def test_records_keep_the_dict_shape_for_earlier_callers() -> None:
    result = db.complexity("lmfn", (64, 64), counters=("torch_flop_counter",))
    assert result["params"]["declared"] == result.params_declared == 1_247_707
    assert result.to_dict()["size"] == [64, 64] and result["macs"] == dict(result.macs)


@pytest.mark.parametrize("name", ["lmfn", "deblurganv2_mobilenet", "restormer"])
def test_ptflops_aten_counted_in_the_census_pass_equals_its_own_pass(name: str) -> None:
    from deblurbench.bench.complexity import OfficialPath
    from deblurbench.bench.counters import ptflops_macs

    with torch.device("meta"):
        model = db.create_model(name)
    spec = db.get_spec(name)
    path = OfficialPath(model, spec).train(spec.test_mode == "train")
    merged = db.complexity(model, (256, 256), counters=("ptflops_aten",), real_forward=False)
    assert merged.macs["ptflops_aten"] == ptflops_macs(path, (1, 3, 256, 256), backend="aten")


@pytest.mark.parametrize("name", ["lmfn", "stripformer", "deblurganv2_mobilenet"])
def test_ptflops_pytorch_on_the_meta_device_equals_its_real_forward(name: str) -> None:
    # Unshielded, the meta kernels' own torch.add/mul calls would be charged: LMFN +2.3%,
    # Stripformer +49%; deblurganv2_mobilenet's official path is in train mode. Its count rides the
    # census pass (the census and torch's counter run under it whichever counters are asked for).
    from deblurbench.bench.complexity import OfficialPath
    from deblurbench.bench.counters import ptflops_macs

    model, spec = db.create_model(name), db.get_spec(name)
    real = ptflops_macs(OfficialPath(model, spec).train(spec.test_mode == "train"), (1, 3, 64, 64), "pytorch")
    with torch.device("meta"):
        meta_model = db.create_model(name)
    counted = db.complexity(meta_model, (64, 64), real_forward=False)
    assert counted.meta["ptflops_pytorch"] and counted.macs["ptflops_pytorch"] == real
