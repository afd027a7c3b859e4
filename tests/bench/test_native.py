"""The compiled SSIM / PSNR kernel: built here, equal to the torch code, checks values, falls back cleanly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from deblurbench.bench import metrics, native

needs_native = pytest.mark.skipif(not native.available(), reason="no working C compiler here")


@pytest.fixture
def fresh_library(monkeypatch: pytest.MonkeyPatch):
    """Forget the loaded kernel before and after, so a test can change how it is found."""
    native._library.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    native._library.cache_clear()


def _pair(
    shape: tuple[int, ...], seed: int, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    pred = metrics.quantize(torch.rand(*shape, generator=gen)).to(dtype)
    target = metrics.quantize(0.6 * pred.float() + 0.4 * torch.rand(*shape, generator=gen)).to(dtype)
    return pred, target


def test_the_kernel_builds_where_a_compiler_is(fresh_library: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With a C compiler on PATH the kernel must build and load: a broken source fails here."""
    if shutil.which(native._compiler()) is None:
        pytest.skip(f"no {native._compiler()} on PATH")
    fresh_library.setenv("DEBLURBENCH_CACHE", str(tmp_path))
    assert native.available()
    built = list((tmp_path / "native").glob("ssim_*.so"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    native._library.cache_clear()
    assert native.available() and built[0].stat().st_mtime_ns == stamp  # reused, not rebuilt


@needs_native
@pytest.mark.parametrize(
    "shape",
    [(1, 3, 11, 11), (2, 3, 37, 53), (1, 3, 26, 26), (3, 3, 64, 29), (1, 3, 90, 140), (2, 1, 45, 300)],
    ids=str,
)
@pytest.mark.parametrize("pad,mixed", [(0, False), (5, True), (5, False)], ids=["valid", "matlab", "padded"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_kernel_sums_equal_the_torch_code(
    shape: tuple[int, ...], pad: int, mixed: bool, dtype: torch.dtype, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per (image, channel) sums, interior sums included, to 1e-10 relative; many small blocks too."""
    pred, target = _pair(shape, sum(shape) + pad, dtype)
    if min(shape[2:]) + 2 * pad < 11:
        pytest.skip("smaller than the window")
    mix = metrics._channel_mix(shape[1], torch.device("cpu")) if mixed else None
    expected, expected_inner = metrics._ssim_sums_torch(pred, target, 1.0, pad, mix, interior=pad > 0)
    for ring_bytes, min_rows in [(native._RING_BYTES, native._MIN_BAND_ROWS), (4096, 1)]:
        monkeypatch.setattr(native, "_RING_BYTES", ring_bytes)  # 4096: blocks of a few columns,
        monkeypatch.setattr(native, "_MIN_BAND_ROWS", min_rows)  # and bands of a few rows
        sums, inner, bad = native.ssim_sums(pred, target, metrics._taps(), 1.0, pad, mix, interior=pad > 0)
        assert bad == (0, 0)
        assert torch.allclose(sums, expected, rtol=1e-10, atol=1e-12)
        if pad > 0 and min(shape[2:]) >= 11:
            assert torch.allclose(inner, expected_inner, rtol=1e-10, atol=1e-12)


@needs_native
def test_block_split_is_exact_at_its_seams(monkeypatch: pytest.MonkeyPatch) -> None:
    """_blocks covers every output row and column exactly once, for any split."""
    for out_h, out_w, channels, images, workers in [
        (710, 1270, 3, 1, 2),
        (1, 1, 1, 1, 8),
        (37, 513, 1, 3, 4),
    ]:
        for ring_bytes in (native._RING_BYTES, 4096):
            monkeypatch.setattr(native, "_RING_BYTES", ring_bytes)
            covered = torch.zeros(out_h, out_w, dtype=torch.int64)
            for r0, r1, j0, j1 in native._blocks(out_h, out_w, channels, images, workers):
                covered[r0:r1, j0:j1] += 1
            assert bool((covered == 1).all())


@needs_native
def test_threads_do_not_change_the_numbers() -> None:
    pred, target = _pair((2, 3, 120, 90), 7)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = metrics.ssim_conventions(pred, target), metrics.psnr(pred, target)
        torch.set_num_threads(max(2, before))
        many = metrics.ssim_conventions(pred, target), metrics.psnr(pred, target)
    finally:
        torch.set_num_threads(before)
    for convention, value in one[0].items():
        assert torch.allclose(value, many[0][convention], rtol=0, atol=1e-13)
    assert torch.allclose(one[1], many[1], rtol=0, atol=1e-10)


@needs_native
def test_psnr_sse_equals_the_torch_code(monkeypatch: pytest.MonkeyPatch) -> None:
    pred, target = _pair((3, 3, 33, 47), 8, torch.float64)
    fast = metrics.psnr(pred, target)
    monkeypatch.setattr(native, "available", lambda: False)
    slow = metrics.psnr(pred, target)
    assert torch.allclose(fast, slow, rtol=0, atol=1e-10)


@pytest.mark.parametrize("backend", ["native", "torch"])
@pytest.mark.parametrize("which", ["pred", "target"])
@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.25])
def test_bad_values_are_one_line_errors_naming_the_image(
    backend: str, which: str, bad: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel checks values while it reads them; the error is the same as the torch check's."""
    if backend == "native" and not native.available():
        pytest.skip("no working C compiler here")
    if backend == "torch":
        monkeypatch.setattr(native, "available", lambda: False)
    pred, target = _pair((1, 3, 30, 40), 9)
    (pred if which == "pred" else target)[0, 1, 17, 23] = bad
    calls = [
        lambda: metrics.psnr(pred, target),
        lambda: metrics.ssim(pred, target, convention="skimage"),
        lambda: metrics.ssim(pred, target, convention="matlab"),
        lambda: metrics.ssim_conventions(pred, target),
    ]
    expected = (
        rf"^{which} holds NaN values" if bad != bad else rf"^{which} values span \[.*outside \[0, 1\]: clamp"
    )
    for call in calls:
        with pytest.raises(ValueError, match=expected):
            call()


def test_without_a_compiler_the_torch_code_runs(
    fresh_library: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No compiler: one line on stderr says so, and the metrics give the same numbers (torch code)."""
    pred, target = _pair((1, 3, 40, 40), 10)
    expected = metrics.ssim_conventions(pred, target)
    fresh_library.setenv("DEBLURBENCH_CACHE", str(tmp_path))
    fresh_library.setenv("CC", str(tmp_path / "no-such-cc"))
    native._library.cache_clear()  # loaded above, for the expected numbers
    assert not native.available()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "compiled SSIM kernel unavailable" in lines[0] and "no-such-cc" in lines[0]
    got = metrics.ssim_conventions(pred, target)
    for convention, value in expected.items():
        assert torch.allclose(got[convention], value, rtol=0, atol=1e-12)
    with pytest.raises(RuntimeError, match="not available"):
        native.ssim_sums(pred, target, metrics._taps(), 1.0, 0, None, False)


def test_a_broken_compiler_falls_back_too(
    fresh_library: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "cc"
    fake.write_text("#!/bin/sh\necho 'cc: error: this compiler is broken' >&2\nexit 1\n")
    fake.chmod(0o755)
    fresh_library.setenv("DEBLURBENCH_CACHE", str(tmp_path))
    fresh_library.setenv("CC", str(fake))
    assert not native.available()
    err = capsys.readouterr().err
    assert "could not build _ssim_native.c: cc: error: this compiler is broken" in err
    assert not list((tmp_path / "native").glob("*.so"))  # nothing half-built left behind


def test_it_can_be_switched_off(fresh_library: pytest.MonkeyPatch) -> None:
    fresh_library.setenv("DEBLURBENCH_NATIVE", "0")
    assert not native.available()
