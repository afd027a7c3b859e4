"""Metrics: PSNR/SSIM against scikit-image and the stored fixtures, batching, quantisation, LPIPS plumbing.

Every test runs twice: on the compiled CPU kernel and on the torch code (the CUDA path
and the fallback where no C compiler works).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from deblurbench.bench import metrics, native

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metrics"
REFERENCE = json.loads((FIXTURES / "ssim_reference.json").read_text())
CASES = [case["name"] for case in REFERENCE["cases"]]


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only; main() is not run
    return module


MAKER = _load_maker()


@pytest.fixture(autouse=True, params=["native", "torch"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which code computes PSNR / SSIM on CPU: the compiled kernel, or the torch code."""
    if request.param == "native" and not native.available():
        pytest.skip("no working C compiler here: the compiled kernel is not built")
    if request.param == "torch":
        monkeypatch.setattr(native, "available", lambda: False)
    return request.param


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).double() / 255


@pytest.fixture(scope="module", params=CASES)
def case(request) -> dict:
    """One fixture case with its uint8 images rebuilt and checked against the stored hashes."""
    entry = next(c for c in REFERENCE["cases"] if c["name"] == request.param)
    target, pred = MAKER.make_pair(entry["name"])
    assert MAKER.sha256(target) == entry["sha256_target"], "fixture target image changed: regenerate"
    assert MAKER.sha256(pred) == entry["sha256_pred"], "fixture prediction image changed: regenerate"
    return {**entry, "target": target, "pred": pred}


def _skimage_ssim(pred: np.ndarray, target: np.ndarray) -> float:
    return structural_similarity(
        target.astype(np.float64) / 255,
        pred.astype(np.float64) / 255,
        channel_axis=2,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=1.0,
    )


# ----------------------------------------------------------------------------- SSIM conventions


@pytest.mark.parametrize("crop", [0, 5])
def test_skimage_convention_matches_scikit_image(case: dict, crop: int) -> None:
    pred, target = case["pred"], case["target"]
    ours = metrics.ssim(_tensor(pred), _tensor(target), convention="skimage", crop_border=crop)
    if crop:
        pred, target = pred[crop:-crop, crop:-crop], target[crop:-crop, crop:-crop]
    assert abs(float(ours[0]) - _skimage_ssim(pred, target)) < 1e-6


def test_matlab_convention_matches_fixture(case: dict) -> None:
    ours = metrics.ssim(_tensor(case["pred"]), _tensor(case["target"]), convention="matlab")
    assert abs(float(ours[0]) - case["ssim_matlab"]) < 1e-6


def test_basicsr_convention_matches_fixture(case: dict) -> None:
    pred, target = _tensor(case["pred"]), _tensor(case["target"])
    plain = metrics.ssim(pred, target, convention="basicsr")
    y_crop = metrics.ssim(pred, target, convention="basicsr", crop_border=4, test_y_channel=True)
    assert abs(float(plain[0]) - case["ssim_basicsr"]) < 1e-6
    assert abs(float(y_crop[0]) - case["ssim_basicsr_crop4_y"]) < 1e-6


def test_basicsr_psnr_matches_fixture(case: dict) -> None:
    pred, target = _tensor(case["pred"]), _tensor(case["target"])
    assert abs(float(metrics.psnr(pred, target)[0]) - case["psnr_basicsr"]) < 1e-9
    y_crop = metrics.psnr(pred, target, crop_border=4, test_y_channel=True)
    assert abs(float(y_crop[0]) - case["psnr_basicsr_crop4_y"]) < 1e-9


def test_conventions_differ_and_are_bounded(case: dict) -> None:
    pred, target = _tensor(case["pred"]), _tensor(case["target"])
    values = {c: float(metrics.ssim(pred, target, convention=c)[0]) for c in metrics.SSIM_CONVENTIONS}
    assert abs(values["skimage"] - values["basicsr"]) < 1e-12  # same numbers on RGB, by construction
    assert values["matlab"] > values["skimage"]  # the 3-D window also averages across channels
    assert all(-1 <= v <= 1 for v in values.values())


def test_ssim_of_identical_images_is_one() -> None:
    x = torch.rand(2, 3, 24, 31, dtype=torch.float64)
    for convention in metrics.SSIM_CONVENTIONS:
        assert torch.allclose(metrics.ssim(x, x, convention=convention), torch.ones(2, dtype=torch.float64))


def test_tile_remainders_match_scikit_image() -> None:
    """Sizes around the row/column tiles and the strip length, against scikit-image."""
    gen = torch.Generator().manual_seed(0)
    for h, w in [(11, 11), (26, 19), (27, 18), (43, 40), (300, 23)]:
        x = torch.rand(3, h, w, generator=gen, dtype=torch.float64)
        y = (x + 0.1 * torch.rand(3, h, w, generator=gen, dtype=torch.float64)).clamp(0, 1)
        ref = structural_similarity(
            y.permute(1, 2, 0).numpy(),
            x.permute(1, 2, 0).numpy(),
            channel_axis=2,
            gaussian_weights=True,
            use_sample_covariance=False,
            data_range=1.0,
        )
        assert abs(float(metrics.ssim(x, y)[0]) - ref) < 1e-6, (h, w)


def test_data_range_scales_consistently() -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(1, 3, 32, 40, generator=gen, dtype=torch.float64)
    y = torch.rand(1, 3, 32, 40, generator=gen, dtype=torch.float64)
    for convention in metrics.SSIM_CONVENTIONS:
        unit = metrics.ssim(x, y, convention=convention)
        scaled = metrics.ssim(x * 255, y * 255, data_range=255.0, convention=convention)
        assert torch.allclose(unit, scaled, atol=1e-12)
    assert torch.allclose(metrics.psnr(x, y), metrics.psnr(x * 255, y * 255, data_range=255.0))


# ----------------------------------------------------------------------------- PSNR


def test_psnr_matches_scikit_image(case: dict) -> None:
    ours = metrics.psnr(_tensor(case["pred"]), _tensor(case["target"]))
    ref = peak_signal_noise_ratio(case["target"], case["pred"], data_range=255)
    assert abs(float(ours[0]) - ref) < 1e-9


def test_psnr_of_identical_images_is_inf() -> None:
    x = torch.rand(3, 16, 16)
    assert torch.isinf(metrics.psnr(x, x)).all()


# ----------------------------------------------------------------------------- batching


def test_batch_equals_one_at_a_time() -> None:
    gen = torch.Generator().manual_seed(2)
    pred = torch.rand(3, 3, 40, 52, generator=gen)
    target = torch.rand(3, 3, 40, 52, generator=gen)
    for fn in (
        metrics.psnr,
        *(lambda p, t, c=c: metrics.ssim(p, t, convention=c) for c in metrics.SSIM_CONVENTIONS),
    ):
        batched = fn(pred, target)
        assert batched.shape == (3,) and batched.dtype == torch.float64
        singles = torch.cat([fn(pred[i], target[i]) for i in range(3)])
        assert torch.allclose(batched, singles, rtol=0, atol=1e-12)


def test_many_strips_for_a_large_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small strip budget forces many strips; the result must not change."""
    gen = torch.Generator().manual_seed(3)
    pred = torch.rand(2, 3, 70, 45, generator=gen)
    target = torch.rand(2, 3, 70, 45, generator=gen)
    expected = {c: metrics.ssim(pred, target, convention=c) for c in metrics.SSIM_CONVENTIONS}
    monkeypatch.setattr(metrics, "_STRIP_ELEMENTS", 1)
    for convention, value in expected.items():
        assert torch.allclose(metrics.ssim(pred, target, convention=convention), value, rtol=0, atol=1e-12)


def test_ssim_conventions_matches_the_fixtures(case: dict) -> None:
    pred, target = _tensor(case["pred"])[None], _tensor(case["target"])[None]
    values = metrics.ssim_conventions(pred, target)
    assert list(values) == list(metrics.SSIM_CONVENTIONS)
    assert abs(float(values["skimage"][0]) - _skimage_ssim(case["pred"], case["target"])) < 1e-6
    assert abs(float(values["matlab"][0]) - case["ssim_matlab"]) < 1e-6
    assert abs(float(values["basicsr"][0]) - case["ssim_basicsr"]) < 1e-6


@pytest.mark.parametrize(
    "shape",
    [(1, 3, 11, 11), (2, 3, 37, 53), (1, 3, 26, 26), (3, 3, 64, 29), (1, 3, 90, 140)],
    ids=str,
)
@pytest.mark.parametrize("strip_elements", [None, 1], ids=["one-strip", "many-strips"])
def test_ssim_conventions_equals_ssim_one_convention_at_a_time(
    shape: tuple[int, ...], strip_elements: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One shared pass (matlab's padded filtering holds skimage's maps) gives ssim()'s numbers.

    Shapes cover a single column tile, tiles that do not divide the width (an overlapping
    last tile), images narrower than a tile plus the padding, and batches.
    """
    gen = torch.Generator().manual_seed(sum(shape))
    pred = metrics.quantize(torch.rand(*shape, generator=gen))
    target = metrics.quantize(0.7 * pred + 0.3 * torch.rand(*shape, generator=gen))
    if strip_elements is not None:
        monkeypatch.setattr(metrics, "_STRIP_ELEMENTS", strip_elements)
    shared = metrics.ssim_conventions(pred, target)
    for convention in metrics.SSIM_CONVENTIONS:
        alone = metrics.ssim(pred, target, convention=convention)
        assert shared[convention].shape == (shape[0],)
        assert torch.allclose(shared[convention], alone, rtol=0, atol=1e-12), convention


def test_ssim_conventions_subsets_and_errors() -> None:
    gen = torch.Generator().manual_seed(5)
    pred, target = torch.rand(1, 3, 30, 30, generator=gen), torch.rand(1, 3, 30, 30, generator=gen)
    assert list(metrics.ssim_conventions(pred, target, ("matlab",))) == ["matlab"]
    both = metrics.ssim_conventions(pred, target, ("basicsr", "matlab"))
    assert list(both) == ["basicsr", "matlab"]
    alone = metrics.ssim_conventions(pred, target, ("skimage",))["skimage"]
    assert torch.allclose(both["basicsr"], alone, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="unknown SSIM convention 'ms-ssim': use one of skimage"):
        metrics.ssim_conventions(pred, target, ("ms-ssim",))
    with pytest.raises(ValueError, match="needs at least 11x11 pixels"):
        metrics.ssim_conventions(pred[..., :10, :], target[..., :10, :])


# ----------------------------------------------------------------------------- quantisation


def test_quantize_rounds_like_saving_a_png() -> None:
    x = torch.tensor([0.0, 0.5 / 255, 0.49 / 255, 1.5 / 255, 0.999, 1.0, -0.2, 1.3])
    q = metrics.quantize(x)
    codes = np.floor(np.clip(x.numpy(), 0, 1) * 255 + 0.5)
    assert torch.equal(q, torch.from_numpy(codes).float() / 255)
    assert torch.equal(metrics.quantize(q), q)  # idempotent on the 8-bit grid
    assert metrics.quantize(torch.rand(2, 3, 4, 4, dtype=torch.float64)).dtype == torch.float64


def test_quality_quantises_by_default_and_records_it() -> None:
    gen = torch.Generator().manual_seed(4)
    target = metrics.quantize(torch.rand(2, 3, 32, 32, generator=gen))
    pred = (target + 0.003 * torch.randn(2, 3, 32, 32, generator=gen)).clamp(0, 1)  # off the 8-bit grid
    on = metrics.quality(pred, target, lpips_net=None)
    off = metrics.quality(pred, target, quantized=False, lpips_net=None)
    assert on["quantized"] is True and off["quantized"] is False
    assert on["ssim_convention"] == "skimage" and on["lpips"] is None and on["lpips_status"] == "off"
    assert torch.equal(on["psnr"], metrics.psnr(metrics.quantize(pred), target))
    assert torch.equal(off["psnr"], metrics.psnr(pred, target))
    assert not torch.equal(on["psnr"], off["psnr"])
    matlab = metrics.quality(pred, target, convention="matlab", lpips_net=None)
    assert matlab["ssim_convention"] == "matlab"
    assert torch.equal(matlab["ssim"], metrics.ssim(metrics.quantize(pred), target, convention="matlab"))


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("pred", "target", "match"),
    [
        (torch.rand(3, 16, 16), torch.rand(3, 16, 17), "differ in shape"),
        (torch.rand(1, 16, 16), torch.rand(1, 16, 16), "RGB"),
        (torch.rand(16, 16), torch.rand(16, 16), "RGB"),
        (torch.rand(3, 16, 16) + 1, torch.rand(3, 16, 16), "outside"),
        (
            torch.full((3, 16, 16), float("nan")),
            torch.rand(3, 16, 16),
            "NaN values: a metric of NaN means nothing",
        ),
        (torch.zeros(3, 16, 16, dtype=torch.uint8), torch.zeros(3, 16, 16, dtype=torch.uint8), "floating"),
    ],
)
def test_bad_inputs_raise_one_line_value_errors(pred, target, match) -> None:
    for fn in (metrics.psnr, metrics.ssim):
        with pytest.raises(ValueError, match=match) as info:
            fn(pred, target)
        assert "\n" not in str(info.value)


def test_unknown_convention_lists_the_allowed_ones() -> None:
    x = torch.rand(3, 16, 16)
    with pytest.raises(ValueError, match="skimage, matlab, basicsr"):
        metrics.ssim(x, x, convention="pytorch_msssim")


def test_too_small_and_over_cropped() -> None:
    x = torch.rand(3, 10, 40)
    with pytest.raises(ValueError, match="11x11"):
        metrics.ssim(x, x)
    assert metrics.ssim(x, x, convention="matlab").shape == (1,)  # replicate padding: any size works
    with pytest.raises(ValueError, match="crop_border"):
        metrics.psnr(x, x, crop_border=5)
    with pytest.raises(TypeError):
        metrics.psnr(np.zeros((3, 8, 8)), np.zeros((3, 8, 8)))


# ----------------------------------------------------------------------------- LPIPS


@pytest.fixture
def no_lpips_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty TORCH_HOME and fresh LPIPS caches, so nothing can be found (or downloaded) there."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(metrics, "_LPIPS_MODELS", {})
    monkeypatch.setattr(metrics, "_LPIPS_WARNED", set())
    return tmp_path


def test_lpips_missing_backbone_is_nan_with_one_line(no_lpips_state: Path, capsys) -> None:
    x, y = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert (
        metrics.lpips_backbone_path("alex")
        == no_lpips_state / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"
    )
    first, second = metrics.lpips(x, y), metrics.lpips(x, y)
    assert first.shape == (2,) and torch.isnan(first).all() and torch.isnan(second).all()  # missing, never 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1  # printed once
    assert "alexnet-owt-7be5be79.pth" in err[0] and str(no_lpips_state) in err[0]
    assert not any(no_lpips_state.rglob("*.pth"))  # nothing was downloaded
    result = metrics.quality(x, y)
    assert result["lpips_status"] == "missing weights" and torch.isnan(result["lpips"]).all()
    assert torch.isfinite(result["psnr"]).all() and torch.isfinite(result["ssim"]).all()


def test_lpips_plumbing_with_random_backbone(no_lpips_state: Path) -> None:
    """RANDOM, UNTRAINED AlexNet backbone: checks shapes and wiring only; the values mean nothing."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(5)
    x, y = torch.rand(3, 3, 48, 40, generator=gen), torch.rand(3, 3, 48, 40, generator=gen)
    d = metrics.lpips(x, y, random_backbone=True)
    assert d.shape == (3,) and d.dtype == torch.float64 and torch.isfinite(d).all() and (d > 0).all()
    assert torch.allclose(metrics.lpips(x, x, random_backbone=True), torch.zeros(3, dtype=torch.float64))
    singles = torch.cat([metrics.lpips(x[i], y[i], random_backbone=True) for i in range(3)])
    assert torch.allclose(d, singles, atol=1e-6)
    assert metrics.load_lpips(random_backbone=True) is metrics.load_lpips(random_backbone=True)  # cached


def test_lpips_loads_backbone_from_the_cache_file(no_lpips_state: Path) -> None:
    """A stand-in checkpoint (RANDOM weights in torchvision's AlexNet key layout) is loaded key for key."""
    torch.manual_seed(1)
    reference = metrics.load_lpips("alex", random_backbone=True).net.state_dict()
    state = {"features." + k.split(".", 1)[1]: torch.randn_like(v) for k, v in reference.items()}
    state["classifier.1.weight"] = torch.zeros(2, 2)  # the real file has the classifier too: ignored
    path = metrics.lpips_backbone_path("alex")
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    model = metrics.load_lpips("alex")
    assert model is not None and metrics.lpips_available("alex")
    loaded = model.net.state_dict()
    assert torch.equal(loaded["slice1.0.weight"], state["features.0.weight"])
    assert torch.equal(loaded["slice5.10.bias"], state["features.10.bias"])
    x = torch.rand(1, 3, 32, 32)
    assert torch.isfinite(metrics.lpips(x, torch.rand(1, 3, 32, 32))).all()


@pytest.mark.skipif(not metrics.lpips_available("alex"), reason="AlexNet weights not in torchvision's cache")
def test_lpips_with_real_weights() -> None:
    gen = torch.Generator().manual_seed(6)
    x = torch.rand(2, 3, 64, 64, generator=gen)
    assert torch.allclose(metrics.lpips(x, x), torch.zeros(2, dtype=torch.float64), atol=1e-7)
    assert (metrics.lpips(x, x.flip(-1)) > 0).all()


# ----------------------------------------------------------------------------- CUDA


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(case: dict) -> None:
    pred, target = _tensor(case["pred"]).float(), _tensor(case["target"]).float()
    for convention in metrics.SSIM_CONVENTIONS:
        cpu = metrics.ssim(pred, target, convention=convention)
        gpu = metrics.ssim(pred.cuda(), target.cuda(), convention=convention)
        assert gpu.device.type == "cuda" and abs(float(gpu.cpu()[0]) - float(cpu[0])) < 1e-9
    assert (
        abs(float(metrics.psnr(pred.cuda(), target.cuda()).cpu()[0]) - float(metrics.psnr(pred, target)[0]))
        < 1e-9
    )
    assert torch.isfinite(metrics.lpips(pred.cuda(), target.cuda(), random_backbone=True)).all()
