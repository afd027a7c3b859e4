"""Restorer: [0, 1] RGB in and out around a registered network, any size, dtype, device."""

from __future__ import annotations

import pytest
import torch

import deblurbench as db
from deblurbench.models.restorer import pad_to, padded_size, parse_dtype


@pytest.fixture(scope="module")
def lmfn() -> db.Restorer:
    torch.manual_seed(0)
    return db.Restorer("lmfn")


@pytest.mark.parametrize("shape", [(1, 3, 97, 131), (2, 3, 64, 64), (3, 20, 30), (1, 3, 1, 1)])
def test_any_size_returns_input_size(lmfn: db.Restorer, shape: tuple[int, ...]) -> None:
    x = torch.rand(shape)
    y = lmfn(x)
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_model_is_the_bare_module(lmfn: db.Restorer) -> None:
    assert type(lmfn.model).__name__ == "RFDN"
    assert lmfn.spec.name == "lmfn"


def test_range_conversion_matches_bare_module_on_accepted_size() -> None:
    restorer = db.Restorer("lmfn", dtype=torch.float64, clamp=False)
    x = torch.rand(1, 3, 64, 80, dtype=torch.float64)
    with torch.no_grad():
        expected = restorer.model(x * 255.0) / 255.0
    assert torch.allclose(restorer(x), expected, rtol=0, atol=1e-12)


def test_clamp_false_returns_unclamped_values() -> None:
    restorer = db.Restorer("lmfn", clamp=False)
    with torch.no_grad():
        restorer.model.add_mean.bias.fill_(400.0)  # push the output above 255
    y = restorer(torch.rand(1, 3, 64, 64))
    assert float(y.max()) > 1.0
    clamped = db.Restorer(restorer.model, clamp=True)
    assert float(clamped(torch.rand(1, 3, 64, 64)).max()) <= 1.0


def test_padding_is_cropped_away_not_leaking_size() -> None:
    restorer = db.Restorer("lmfn")
    x = torch.rand(1, 3, 70, 70)
    assert padded_size(restorer.spec, 70, 70) == (80, 80)
    # The top-left of a padded run equals the padded input run directly, cropped.
    padded = pad_to(x, 80, 80)
    with torch.no_grad():
        direct = restorer.spec.interface(restorer.model, padded)[..., :70, :70].clamp(0, 1)
    assert torch.allclose(restorer(x), direct)


def test_pad_to_uses_replicate_when_image_is_too_small_for_reflect() -> None:
    x = torch.arange(4.0).view(1, 1, 2, 2)
    y = pad_to(x, 5, 5)
    assert y.shape == (1, 1, 5, 5)
    assert torch.equal(y[0, 0, 4], torch.tensor([2.0, 3.0, 3.0, 3.0, 3.0]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
def test_dtypes_on_cpu(dtype: str) -> None:
    restorer = db.Restorer("lmfn", dtype=dtype)
    assert next(restorer.model.parameters()).dtype == parse_dtype(dtype)
    x = torch.rand(1, 3, 64, 64)
    y = restorer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert torch.isfinite(y).all()


def test_bad_inputs_have_clear_errors(lmfn: db.Restorer) -> None:
    with pytest.raises(ValueError, match=r"RGB tensor \(N, 3, H, W\)"):
        lmfn(torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="divide by 255"):
        lmfn(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    with pytest.raises(ValueError, match="unknown dtype 'int8'"):
        db.Restorer("lmfn", dtype="int8")
    with pytest.raises(ValueError, match="not from create_model"):
        db.Restorer(torch.nn.Conv2d(3, 3, 1))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_requested_without_cuda() -> None:
    with pytest.raises(ValueError, match="CUDA is not available"):
        db.Restorer("lmfn", device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_cuda_matches_cpu(dtype: str) -> None:
    x = torch.rand(1, 3, 97, 131)
    cpu = db.Restorer("lmfn")
    gpu = db.Restorer(db.create_model("lmfn"), device="cuda", dtype=dtype)
    gpu.model.load_state_dict(cpu.model.state_dict())
    y = gpu(x.cuda()).cpu()
    assert y.shape == x.shape
    tol = 1e-4 if dtype == "float32" else 5e-2
    assert (y - cpu(x)).abs().max() < tol
