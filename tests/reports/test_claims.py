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
