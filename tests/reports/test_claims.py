"""Published figures against measured ones: verdicts a referee would sign (no network runs here except
on the meta device)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from deblurbench.bench.records import ComplexityRecord
from deblurbench.cli import main
from deblurbench.models.published import Published, Relative
from deblurbench.models.sources import DEBLURGANV2_GOPRO
from deblurbench.reports.claims import (
    DEVIATES,
    EXPLAINED,
    NOT_COMPARABLE,
    QUANTITIES,
    REPRODUCED,
    SIZE_INFERRED,
    Context,
    Measured,
    check,
    claims_frame,
    infer_table_sizes,
    summary_line,
    verdict_counts,
)
from deblurbench.reports.relative import check_relative
from deblurbench.reports.subject import subject_claims

SRC = "test source"


def cost(
    model: str,
    params: int,
    macs: dict[str, int],
    size: tuple[int, int] = (256, 256),
    conventions: dict[str, int] | None = None,
    miscounted: dict[str, dict[str, int]] | None = None,
) -> ComplexityRecord:
    return ComplexityRecord(
        model=model,
        height=size[0],
        width=size[1],
        params_declared=params,
        params_trainable=params,
        macs=macs,
        conventions=conventions or {},
        miscounted=miscounted or {},
    )


def checked(figure: Published, model: str, *records: ComplexityRecord):
    return check(figure, model, Measured.of(records))


def test_every_published_quantity_has_one_row() -> None:
    from deblurbench.models.published import UNITS

    assert set(QUANTITIES) == set(UNITS)
    assert QUANTITIES["params"].tolerance == 0  # an exact count: by rounding only
    assert QUANTITIES["params"].units == {"": 1.0, "K": 1e3, "M": 1e6}


def test_parameter_count_reproduces_only_by_its_printed_rounding() -> None:
    assert (
        checked(Published("params", 88.7, "M", SRC), "hinet", cost("hinet", 88_668_806, {})).verdict
        == REPRODUCED
    )
    assert (
        checked(Published("params", 20, "M", SRC), "hinet", cost("hinet", 20_460_000, {})).verdict
        == REPRODUCED
    )
    # DeblurGAN: 11.378 M does not round to 11.6 M (a 2% tolerance used to say it did)
    deblurgan = checked(Published("params", 11.6, "M", SRC), "deblurgan", cost("deblurgan", 11_378_179, {}))
    assert deblurgan.verdict == DEVIATES and deblurgan.difference == "-1.9%"
    assert "rounds to it" in deblurgan.reason


def test_a_parameter_count_that_is_a_size_in_mb_or_the_used_parameters_is_explained() -> None:
    dmphn = cost("dmphn_1_2_4", 5_424_393, {})
    result = checked(Published("params", 21.7, "M", SRC, printed="21.7 Million"), "dmphn_1_2_4", dmphn)
    assert result.verdict == EXPLAINED and "float32 weights' size in MB (21.70 MB)" in result.reason
    record = replace(cost("deblurganv2_mobilenet", 3_312_707, {}), params_used=2_106_627)
    used = checked(Published("params", 2.1066, "M", SRC), "deblurganv2_mobilenet", record)
    assert used.verdict == EXPLAINED and "the parameters the forward uses" in used.reason
    # Open Model Zoo's 2.1083 M: the used count (2.1066 M) does not round to it
    assert checked(Published("params", 2.1083, "M", SRC), "deblurganv2_mobilenet", record).verdict == DEVIATES


def test_a_model_size_equal_to_the_parameter_count_is_said_to_equal_it_not_to_be_it() -> None:
    lmfn = cost("lmfn", 1_247_707, {})
    result = checked(Published("model_size", 1.25, "MB", SRC, printed="Model Size (MB)"), "lmfn", lmfn)
    assert result.verdict == EXPLAINED
    assert "equals the parameter count in millions (1.248 M)" in result.reason and "4.99 MB" in result.reason
    assert "does not say" in result.reason
    dmphn = cost("dmphn_1_2_4", 5_424_393, {})
    size = checked(Published("model_size", 21.7, "MB", SRC, printed="Model Size (MB)"), "dmphn_1_2_4", dmphn)
    assert size.verdict == REPRODUCED and "float32 weights" in size.reason


def test_macs_by_the_correct_count_and_a_convention_explained_with_the_correct_count() -> None:
    hinet = cost(
        "hinet", 1, {"torch_flop_counter": 157_600_000_000}, conventions={"output_grid": 170_650_000_000}
    )
    assert checked(Published("macs", 157.6, "G", SRC, size=(256, 256)), "hinet", hinet).verdict == REPRODUCED
    result = checked(Published("macs", 170.7, "G", SRC, size=(256, 256)), "hinet", hinet)
    assert result.verdict == EXPLAINED
    assert "output-grid convention" in result.reason and "8.3% above the correct count" in result.reason
    assert result.measured.startswith("157.60 GMACs") and "(correct count)" in result.measured
    nothing = checked(Published("macs", 120, "G", SRC, size=(256, 256)), "hinet", hinet)
    assert nothing.verdict == DEVIATES


def test_a_counter_artifact_is_explained_not_reproduced() -> None:
    # ptflops-pytorch charges DeblurGAN-v2's encoder at both of its names: 412 G against a correct 274 G
    record = cost(
        "deblurganv2_inception",
        1,
        {"ptflops_pytorch": 412_057_527_888, "torch_flop_counter": 273_931_867_488},
        size=(720, 1280),
        miscounted={
            "ptflops_pytorch": {
                "aliased module counted 2x: fpn.inception.repeat_1 = fpn.enc4.0": 136_000_000_000
            }
        },
    )
    figure = Published("flops", 411.34, "G", SRC, printed="FLOPS", size=(720, 1280))
    result = checked(figure, "deblurganv2_inception", record)
    assert result.verdict == EXPLAINED
    assert "ptflops-pytorch" in result.reason and "aliased module" in result.reason
    assert "50.2% above the correct count" in result.reason


def test_one_size_is_searched_for_a_whole_table() -> None:
    # two rows of one printed table, no size stated: each matches alone at a different size,
    # but only 720x1280 fits both; the match is 'explained (size inferred)'
    sizes = {(256, 256): 1.0, (512, 512): 4.0, (720, 1280): 14.0625, (1024, 1024): 16.0}
    records = [
        cost(m, 1, {"torch_flop_counter": int(base * f * 1e9)}, s, conventions={})
        for m, base in (("deblurganv2_mobilenet", 2.73), ("deblurganv2_inception", 19.4))
        for s, f in sizes.items()
    ]
    mobile = Published("flops", 43.75, "G", DEBLURGANV2_GOPRO.at("column 'MobileNet'"))
    inception = Published("flops", 272.8, "G", DEBLURGANV2_GOPRO.at("column 'Inception'"))
    measured = Measured.of(records)
    chosen = infer_table_sizes(
        [("deblurganv2_mobilenet", mobile), ("deblurganv2_inception", inception)], measured
    )
    assert chosen[mobile] == chosen[inception] == (720, 1280)
    ctx = Context(chosen)
    assert check(inception, "deblurganv2_inception", measured, ctx).verdict == SIZE_INFERRED
    # MobileNet's 43.75 fits 1024x1024 alone, not the table's size: not comparable, never 'deviates'
    alone = check(mobile, "deblurganv2_mobilenet", measured, ctx)
    assert alone.verdict == NOT_COMPARABLE and "the size found for its table" in alone.reason


def test_the_size_counted_is_printed() -> None:
    record = replace(
        cost("deblurganv2_mobilenet", 1, {"torch_flop_counter": 38_936_166_400}, (720, 1280)),
        input_height=736,
        input_width=1280,
    )
    result = checked(Published("flops", 38.9, "G", SRC, size=(720, 1280)), "deblurganv2_mobilenet", record)
    assert "736x1280 (the padded 720x1280)" in result.measured


def test_runtime_is_not_comparable_across_devices_and_says_which_timing_it_resembles(store) -> None:
    figure = Published("runtime", 0.008, "s", SRC, size=(720, 1280), device="Titan Xp", sync=False)
    result = check(figure, "mimo_unet", Measured(store))
    assert result.verdict == NOT_COMPARABLE
    assert "devices differ" in result.reason and "closer to the unsynchronised timing" in result.reason
    untimed = check(figure, "restormer", Measured(store))
    assert untimed.verdict == NOT_COMPARABLE and "not timed here" in untimed.reason


def test_quality_against_the_store_in_the_named_ssim_convention(store, make_quality_rows) -> None:
    psnr = check(Published("psnr", 31.73, "dB", SRC, dataset="gopro"), "mimo_unet", Measured(store))
    assert psnr.verdict == REPRODUCED and psnr.difference == "-0.03 dB"
    ssim = check(
        Published("ssim", 0.951, "", SRC, dataset="gopro", ssim_tool="matlab"), "mimo_unet", Measured(store)
    )
    assert "(matlab)" in ssim.measured and "the convention the authors name" in ssim.reason
    gamma = Published("psnr", 31.73, "dB", SRC, dataset="gopro", variant="blur_gamma")
    assert check(gamma, "mimo_unet", Measured(store)).verdict == NOT_COMPARABLE  # only blur stored
    store.put(
        [
            replace(r, variant="blur=blur_gamma", psnr=28.0)
            for r in make_quality_rows("mimo_unet", "x", "gopro", 28)
        ]
    )
    assert check(gamma, "mimo_unet", Measured(store)).verdict == DEVIATES
    cw = Published("ssim", 0.9, "", SRC, dataset="gopro", ssim_tool="cw-ssim")
    assert check(cw, "mimo_unet", Measured(store)).verdict == NOT_COMPARABLE
    # a tool whose convention is declared but not computed: not comparable, named
    padded = check(replace(cw, ssim_tool="pytorch-ssim"), "mimo_unet", Measured(store))
    assert padded.verdict == NOT_COMPARABLE and "is pytorch-ssim, which is not computed" in padded.reason
    unstated = check(replace(cw, ssim_tool=""), "mimo_unet", Measured(store))
    assert "SSIM tool not stated: the closest convention" in unstated.reason


def test_relative_claims_on_our_counts() -> None:
    records = [
        cost(
            "hinet",
            88_668_806,
            {"torch_flop_counter": 157_600_000_000},
            conventions={"output_grid": 170_650_000_000},
        ),
        cost(
            "mprnet",
            20_127_000,
            {"torch_flop_counter": 759_410_000_000},
            conventions={"output_grid": 760_300_000_000},
        ),
    ]
    measured = Measured.of(records)
    macs = Relative("macs", "mprnet", 0.225, "22.5% of MPRNet's MACs", SRC)
    result = check_relative(macs, "hinet", measured)
    assert result.verdict == EXPLAINED and result.measured == "20.8%" and "output-grid" in result.reason
    fewer = Relative("params", "mprnet", None, "fewer parameters than MPRNet", SRC)
    assert check_relative(fewer, "hinet", measured).verdict == DEVIATES  # 88.7 M is not fewer than 20.1 M
    elsewhere = Relative("macs", "MPRNet-local", 0.084, "8.4% of its computational costs", SRC)
    assert check_relative(elsewhere, "hinet", measured).verdict == NOT_COMPARABLE
    # "fewer parameters than existing methods" names no network: every registered one counted here
    group = Relative("params", "existing methods", None, "a smaller number of parameters", SRC)
    lmfn = Measured.of([*records, cost("lmfn", 1_247_707, {"torch_flop_counter": 4_490_000_000})])
    assert check_relative(group, "lmfn", lmfn).measured == "< 1 for 2 of 2"
    assert check_relative(group, "lmfn", lmfn).verdict == REPRODUCED
    assert check_relative(group, "hinet", lmfn).verdict == DEVIATES  # HINet has more than both others


def test_a_figure_printed_in_several_tables_counts_once(store) -> None:
    frame = claims_frame(store)
    lmfn = frame[(frame["model"] == "lmfn") & (frame["Figure"] == "model size")]
    assert len(lmfn) == 3 and set(lmfn["Verdict"]) == {EXPLAINED}
    counts = verdict_counts(frame)
    assert sum(counts.values()) < len(frame)
    assert "counted once" in summary_line(frame)


def test_every_published_figure_of_a_measured_network_is_a_row(store) -> None:
    frame = claims_frame(store)
    assert {v.split(" (")[0] for v in frame["Verdict"]} <= {REPRODUCED, EXPLAINED, DEVIATES, NOT_COMPARABLE}
    lmfn = frame[frame["model"] == "lmfn"]
    assert len(lmfn) >= 12 and set(lmfn["Reported by"]) == {"the authors (as LFDN)"}
    assert frame["Reference"].str.len().min() > 10
    assert (frame["Source"].str.len() <= 72).all()  # shortened; the full reference beside it


def test_subject_claim_line_by_line(store) -> None:
    table, lines = subject_claims(store)
    assert list(table["Baseline"]) == ["MIMO-UNet", "NAFNet-GoPro-width32", "HINet"]  # no reference methods
    assert table["LMFN fewer params"].str.startswith("yes").all()
    assert table["LMFN less computation"].str.startswith("yes").all()
    text = "\n".join(lines)
    assert "Fewer parameters than: 3 of 3 baselines." in text
    assert "Published GoPro PSNR (31.54 dB, the authors as LFDN)" in text
    # LMFN and MIMO-UNet scored on the same four GoPro images: a paired difference with its interval
    assert "LMFN minus MIMO-UNet = -0.70 dB (95% interval" in text


def test_subject_claim_about_another_network(store) -> None:
    table, _ = subject_claims(store, subject="mimo_unet")
    assert "MIMO-UNet fewer params" in table.columns and "LMFN" in set(table["Baseline"])


def test_subject_claim_without_the_subject(tmp_path: Path) -> None:
    from deblurbench.bench.store import Store

    table, lines = subject_claims(Store(tmp_path))
    assert table.empty and "not measured" in lines[0]


def _strict_json(text: str) -> dict:
    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_claims_command_counts_on_the_spot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./deblurbench-out here
    code = main(["claims", "--models", "lmfn,dmphn_1_2_4", "--format", "json"])
    payload = _strict_json(capsys.readouterr().out)
    assert code == 0
    lmfn = [r for r in payload["figures"] if r["model"] == "lmfn" and r["Figure"] == "model size"]
    assert lmfn and all(r["Verdict"] == EXPLAINED for r in lmfn)
    (row,) = payload["claim"]
    assert row["Baseline"].startswith("DMPHN") and row["LMFN fewer params"].startswith("yes")
    assert sum(payload["counts"].values()) <= len(payload["figures"])


def test_claims_without_a_store_counts_what_it_can_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["claims", "--models", "lmfn", "--out", str(tmp_path / "none")]) == 0
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert "quality and latency need its store" in line
    assert "distinct published figures" in captured.out


def test_claims_reads_the_default_output_directory(
    store, tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").rename(tmp_path / "deblurbench-out")
    assert main(["claims", "--models", "mimo_unet", "--format", "json"]) == 0
    payload = _strict_json(capsys.readouterr().out)
    psnr = [
        r for r in payload["figures"] if r["Figure"].startswith("PSNR gopro") and r["Verdict"] == REPRODUCED
    ]
    assert psnr  # the store's score was read


def test_claims_and_the_report_give_one_answer(
    store, tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from deblurbench.reports.report import write_report

    write_report(store, tmp_path / "out")
    by_network = pd.read_csv(tmp_path / "out" / "tables" / "claims_by_network.csv")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").rename(tmp_path / "deblurbench-out")
    assert main(["claims", "--format", "json"]) == 0
    payload = _strict_json(capsys.readouterr().out)
    assert {r["Network"] for r in payload["networks"]} == set(by_network["Network"])
    for verdict, count in payload["counts"].items():
        assert by_network[verdict].sum() == count


def test_claims_plot_writes_the_claim_figure_and_says_the_verdict_in_words(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["claims", "--models", "lmfn,dmphn_1_2_4", "--plot", str(tmp_path / "claim.png")]) == 0
    assert (tmp_path / "claim.png").stat().st_size > 1000 and (tmp_path / "claim.svg").is_file()
    out = capsys.readouterr().out
    # LMFN: fewer MACs, fewer parameters and a higher published PSNR than DMPHN (1-2-4)
    assert "LMFN is on the Pareto front; it dominates DMPHN (1-2-4)" in out


def test_the_store_is_read_once_for_every_figure_checked(store, monkeypatch) -> None:
    from deblurbench.reports import claims

    reads = {"quality": 0, "latency": 0}
    for name in reads:
        original = getattr(claims, f"{name}_frame")

        def counted(store_, name=name, original=original):
            reads[name] += 1
            return original(store_)

        monkeypatch.setattr(claims, f"{name}_frame", counted)
    measured = Measured(store)
    figures = [
        Published("psnr", 31.73, "dB", SRC, dataset="gopro"),
        Published("ssim", 0.951, "", SRC, dataset="gopro", ssim_tool="matlab"),
        Published("runtime", 0.008, "s", SRC, size=(720, 1280), device="Titan Xp", sync=False),
        Published("runtime", 0.009, "s", SRC, size=(720, 1280), device="Titan Xp", sync=False),
    ]
    verdicts = [check(figure, "mimo_unet", measured).verdict for figure in figures]
    assert reads == {"quality": 1, "latency": 1}  # a report checks ~200 figures: 125 reads became 1
    assert verdicts == [check(figure, "mimo_unet", Measured(store)).verdict for figure in figures]
