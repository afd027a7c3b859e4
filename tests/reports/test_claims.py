"""Published figures against measured ones: units checked, verdicts with reasons (no network is run here
except on the meta device)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from deblurbench.bench.records import ComplexityRecord
from deblurbench.cli import main
from deblurbench.models.published import Published
from deblurbench.reports.claims import (
    CHECKS,
    DEVIATES,
    NOT_COMPARABLE,
    REPRODUCED,
    Measured,
    claims_frame,
    subject_claims,
)

SRC = "test source"


def cost(
    model: str, params: int, macs: dict[str, int], size: tuple[int, int] = (256, 256)
) -> ComplexityRecord:
    return ComplexityRecord(
        model=model, height=size[0], width=size[1], params_declared=params, params_trainable=params, macs=macs
    )


def check(figure: Published, model: str, *records: ComplexityRecord):
    return CHECKS[figure.quantity](figure, model, Measured.of(records))


def test_parameter_count_as_printed_allows_its_rounding() -> None:
    hinet = cost("hinet", 88_668_806, {})
    assert check(Published("params", 88.7, "M", SRC), "hinet", hinet).verdict == REPRODUCED
    assert (
        check(Published("params", 20, "M", SRC), "hinet", cost("hinet", 20_460_000, {})).verdict == REPRODUCED
    )
    wrong = check(Published("params", 17.1, "M", SRC), "hinet", cost("hinet", 20_000_000, {}))
    assert wrong.verdict == DEVIATES and wrong.difference == "+17.0%"


def test_model_size_in_mb_is_tried_as_weights_and_as_millions_of_parameters() -> None:
    # LFDN's "Model Size (MB) 1.25" is LMFN's parameter count in millions; its float32 weights are 4.99 MB
    lmfn = cost("lmfn", 1_247_707, {})
    result = check(Published("model_size", 1.25, "MB", SRC, printed="Model Size (MB)"), "lmfn", lmfn)
    assert result.verdict == DEVIATES
    assert "parameter count in millions (1.248 M)" in result.reason and "4.99 MB" in result.reason
    # DMPHN's 21.7 in the same table is a file size: 5,424,393 x 4 bytes
    dmphn = cost("dmphn_1_2_4", 5_424_393, {})
    result = check(Published("model_size", 21.7, "MB", SRC, printed="Model Size (MB)"), "dmphn_1_2_4", dmphn)
    assert result.verdict == REPRODUCED and "float32 weights" in result.reason


def test_macs_at_the_stated_size_by_the_closest_counter() -> None:
    hinet = cost("hinet", 1, {"fvcore": 157_600_000_000, "torch_flop_counter": 157_600_000_000})
    result = check(Published("macs", 170.7, "G", SRC, size=(256, 256)), "hinet", hinet)
    assert result.verdict == DEVIATES and result.difference == "-7.7%"
    assert check(Published("macs", 157.6, "G", SRC, size=(256, 256)), "hinet", hinet).verdict == REPRODUCED


def test_flops_are_read_both_ways_and_the_size_is_searched_when_unstated() -> None:
    sizes = {(256, 256): 2.71e9, (512, 512): 10.83e9, (720, 1280): 38.94e9, (1024, 1024): 43.34e9}
    records = [cost("deblurganv2_mobilenet", 1, {"torch_flop_counter": int(v)}, s) for s, v in sizes.items()]
    found = check(Published("flops", 43.75, "G", SRC, printed="FLOPS"), "deblurganv2_mobilenet", *records)
    assert found.verdict == REPRODUCED and "1024x1024" in found.measured
    assert "1 FLOP per multiply-add" in found.reason and "found by search" in found.reason
    doubled = check(Published("flops", 21.66, "G", SRC, size=(512, 512)), "deblurganv2_mobilenet", *records)
    assert doubled.verdict == REPRODUCED and "2 FLOPs per multiply-add" in doubled.reason
    none = check(Published("flops", 411.34, "G", SRC), "deblurganv2_mobilenet", *records)
    assert none.verdict == NOT_COMPARABLE and "no size stated" in none.reason


def test_runtime_is_not_comparable_across_devices_and_says_which_timing_it_resembles(store) -> None:
    figure = Published("runtime", 0.008, "s", SRC, size=(720, 1280), device="Titan Xp", sync=False)
    result = CHECKS["runtime"](figure, "mimo_unet", Measured(store))
    assert result.verdict == NOT_COMPARABLE
    assert "devices differ" in result.reason and "closer to the unsynchronised timing" in result.reason
    assert "synchronised" in result.measured and "unsynchronised" in result.measured
    untimed = CHECKS["runtime"](figure, "restormer", Measured(store))
    assert untimed.verdict == NOT_COMPARABLE and "not timed here" in untimed.reason


def test_quality_against_the_store_in_the_named_ssim_convention(store, make_quality_rows) -> None:
    psnr = CHECKS["psnr"](Published("psnr", 31.73, "dB", SRC, dataset="gopro"), "mimo_unet", Measured(store))
    assert psnr.verdict == REPRODUCED and psnr.difference == "-0.03 dB"
    ssim = CHECKS["ssim"](
        Published("ssim", 0.951, "", SRC, dataset="gopro", ssim_tool="matlab"), "mimo_unet", Measured(store)
    )
    assert "(matlab)" in ssim.measured and "the convention the authors name" in ssim.reason
    gamma = Published("psnr", 31.73, "dB", SRC, dataset="gopro", variant="blur_gamma")
    assert CHECKS["psnr"](gamma, "mimo_unet", Measured(store)).verdict == NOT_COMPARABLE  # only blur stored
    store.put(
        [
            replace(r, variant="blur=blur_gamma", psnr=28.0)
            for r in make_quality_rows("mimo_unet", "x", "gopro", 28)
        ]
    )
    assert CHECKS["psnr"](gamma, "mimo_unet", Measured(store)).verdict == DEVIATES
    cw = Published("ssim", 0.9, "", SRC, dataset="gopro", ssim_tool="cw-ssim")
    assert CHECKS["ssim"](cw, "mimo_unet", Measured(store)).verdict == NOT_COMPARABLE


def test_every_published_figure_of_a_measured_network_is_a_row(store) -> None:
    frame = claims_frame(store)
    assert set(frame["Verdict"]) <= {REPRODUCED, DEVIATES, NOT_COMPARABLE}
    lmfn = frame[frame["model"] == "lmfn"]
    assert len(lmfn) >= 12 and set(lmfn["Reported by"]) == {"the authors (as LFDN)"}
    sizes = lmfn[lmfn["Figure"] == "model size"]
    assert (sizes["Verdict"] == DEVIATES).all() and sizes["Reason"].str.contains("in millions").all()
    assert frame["Source"].str.len().min() > 10


def test_subject_claim_line_by_line(store) -> None:
    table, lines = subject_claims(store)
    assert list(table["Baseline"]) == ["MIMO-UNet", "NAFNet-GoPro-width32", "HINet"]  # no reference methods
    assert table["LMFN fewer params"].str.startswith("yes").all()
    assert table["LMFN less computation"].str.startswith("yes").all()
    text = "\n".join(lines)
    assert "Fewer parameters than: 3 of 3 baselines." in text
    assert "Published GoPro PSNR (31.54 dB, the authors as LFDN)" in text


def test_subject_claim_about_another_network(store) -> None:
    table, _ = subject_claims(store, subject="mimo_unet")
    assert "MIMO-UNet fewer params" in table.columns and "LMFN" in set(table["Baseline"])


def test_subject_claim_without_the_subject(tmp_path: Path) -> None:
    from deblurbench.bench.store import Store

    table, lines = subject_claims(Store(tmp_path))
    assert table.empty and "not measured" in lines[0]


def test_claims_command_counts_on_the_spot(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["claims", "--models", "lmfn,dmphn_1_2_4", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    lmfn = [r for r in payload["figures"] if r["model"] == "lmfn" and r["Figure"] == "model size"]
    assert lmfn and all(r["Verdict"] == DEVIATES for r in lmfn)
    (row,) = payload["claim"]
    assert row["Baseline"] == "DMPHN-1-2-4" or row["Baseline"].startswith("DMPHN")
    assert row["LMFN fewer params"].startswith("yes")


def test_claims_command_out_must_hold_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "--models", "lmfn", "--out", str(tmp_path / "none")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_a_model_size_printed_as_millions_of_parameters_is_said() -> None:
    # the MPRNet maintainer's "21.7 Million" for DMPHN is its float32 weights' size in MB
    dmphn = cost("dmphn_1_2_4", 5_424_393, {})
    result = check(Published("params", 21.7, "M", SRC, printed="21.7 Million"), "dmphn_1_2_4", dmphn)
    assert result.verdict == DEVIATES and "float32 weights' size in MB (21.70 MB)" in result.reason


def test_a_count_of_the_parameters_used_is_reproduced_as_such() -> None:
    # Open Model Zoo's 2.1083 M for DeblurGAN-v2 MobileNet: the used parameters, not the 3.3 M declared
    record = replace(cost("deblurganv2_mobilenet", 3_312_707, {}), params_used=2_106_627)
    result = check(Published("params", 2.1083, "M", SRC), "deblurganv2_mobilenet", record)
    assert result.verdict == REPRODUCED and "the parameters the forward uses" in result.reason
