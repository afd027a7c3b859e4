"""Reported figures beside measured ones (no network is run)."""

from __future__ import annotations

import pytest

from deblurbench.reports.claims import relative_difference, reported_beside


def fabricated(model: str, size: list[int], params: int, fvcore: int | None, torch_macs: int) -> dict:
    return {
        "model": model,
        "size": size,
        "params": {"declared": params},
        "macs": {"fvcore": fvcore, "torch_flop_counter": torch_macs},
    }


def test_hinet_reported_macs_compared_at_their_resolution() -> None:
    # HINet's spec reports 88.7M parameters and 170.7 GMACs at 256x256
    row = reported_beside(fabricated("hinet", [256, 256], 88_668_806, 157_600_000_000, 157_000_000_000))
    assert row["reported_params"] == 88_700_000
    assert row["params_diff"] == pytest.approx((88_668_806 - 88_700_000) / 88_700_000)
    assert row["reported_gmacs"] == pytest.approx(170.7)
    assert row["gmacs_diff"] == pytest.approx(157.6 / 170.7 - 1)


def test_other_resolution_is_not_compared() -> None:
    row = reported_beside(fabricated("hinet", [720, 1280], 88_668_806, None, 10**12))
    assert row["reported_gmacs"] is None and row["gmacs_diff"] is None


def test_falls_back_to_torch_counter_when_fvcore_did_not_run() -> None:
    row = reported_beside(fabricated("hinet", [256, 256], 1, None, 170_700_000_000))
    assert row["gmacs_diff"] == pytest.approx(0.0)


def test_nothing_reported() -> None:
    row = reported_beside(fabricated("lmfn", [256, 256], 1_247_707, 4_493_002_752, 4_490_905_600))
    assert row["reported_params"] is None and row["params_diff"] is None
    assert "not recorded" in row["reported_source"]


def test_relative_difference() -> None:
    assert relative_difference(110, 100) == pytest.approx(0.1)
    assert relative_difference(None, 100) is None and relative_difference(1, 0) is None


# ---- the claims report over a fabricated store (tests/reports/conftest.py)


def _claim(frame, network: str, quantity: str):
    rows = frame[(frame["Network"] == network) & frame["Quantity"].str.startswith(quantity)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_claims_flag_a_fabricated_parameter_mismatch(store) -> None:
    from deblurbench.reports.claims import FLAG, claims_frame

    frame = claims_frame(store)
    # NAFNet-width32 is stored with 20.0M parameters against the 17.1M its spec reports
    nafnet = _claim(frame, "NAFNet-GoPro-width32", "Params")
    assert nafnet["Flag"] == FLAG and nafnet["Deviation"] == "+17.0%"
    assert nafnet["Ratio (measured / reported)"] == pytest.approx(20.0 / 17.1)
    assert _claim(frame, "HINet", "Params")["Flag"] == "ok"
    hinet_macs = _claim(frame, "HINet", "GMACs @256x256")
    assert hinet_macs["Flag"] == "ok" and "(fvcore)" in hinet_macs["Measured"]
    assert "LMFN" not in set(frame["Network"])  # its spec reports nothing: nothing to set beside


def test_claims_say_which_timing_a_paper_runtime_matches(store) -> None:
    from deblurbench.reports.claims import claims_frame

    runtime = _claim(claims_frame(store), "MIMO-UNet", "Runtime (s)")
    # README 0.008 s: the unsynchronised 8.5 ms matches, the synchronised 130 ms does not
    assert "UNSYNCHRONISED" in runtime["Flag"]
    assert "synchronised" in runtime["Measured"] and "unsynchronised" in runtime["Measured"]
    assert runtime["Quantity"].endswith("@720x1280")


def test_claims_psnr_within_and_beyond_tolerance(store, make_quality_rows) -> None:
    from deblurbench.reports.claims import FLAG, claims_frame

    store.put(make_quality_rows("mimo_unet", "retrained.pth", "gopro", 30.0))
    frame = claims_frame(store)
    official = _claim(frame, "MIMO-UNet", "PSNR (dB) gopro [MIMO-UNet.pkl]")
    assert official["Flag"] == "ok" and official["Deviation"] == "-0.03 dB"
    retrained = _claim(frame, "MIMO-UNet", "PSNR (dB) gopro [retrained.pth]")
    assert retrained["Flag"] == FLAG
    ssim = _claim(frame, "MIMO-UNet", "SSIM gopro [MIMO-UNet.pkl]")
    assert "(" in ssim["Measured"]  # the closest convention is named


def test_lmfn_claim_line_by_line(store) -> None:
    from deblurbench.reports.claims import lmfn_claims

    table, lines = lmfn_claims(store)
    assert list(table["Baseline"]) == ["MIMO-UNet", "NAFNet-GoPro-width32", "HINet"]  # no reference methods
    assert table["LMFN fewer params"].str.startswith("yes").all()
    assert table["LMFN less computation"].str.startswith("yes").all()
    assert "LMFN faster on CPU" in table
    text = "\n".join(lines)
    assert "Fewer parameters than: 3 of 3 baselines." in text
    assert "lower than MIMO-UNet by 0.70 dB" in text


def test_lmfn_claim_without_lmfn(tmp_path) -> None:
    from deblurbench.bench.store import Store
    from deblurbench.reports.claims import lmfn_claims

    table, lines = lmfn_claims(Store(tmp_path))
    assert table.empty and "not measured" in lines[0]


def test_runtime_size_from_note() -> None:
    from deblurbench.reports.claims import runtime_size

    assert runtime_size("README: RTX 2080 Ti, 1280x720, FP32") == (720, 1280)
    assert runtime_size("GPU, asynchronous timing") is None
