"""SSIM conventions as registered entries: what derives from them, and a new one as one entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import torch

from deblurbench import ssim as declared
from deblurbench.bench import metrics, native
from deblurbench.models.published import SSIM_TOOLS, Published
from deblurbench.ssim import SSIM, SsimConvention, Window, convention_of_tool, register_convention


def test_the_computed_conventions_and_their_order_derive_from_the_entries() -> None:
    assert metrics.SSIM_CONVENTIONS == ("skimage", "matlab", "basicsr")  # the ssim_* column order
    assert metrics.SSIM_PREFERENCE == ("matlab", "skimage", "basicsr")
    assert set(SSIM_TOOLS) == {"", "matlab", "skimage", "basicsr", "cw-ssim", "pytorch-ssim"}
    assert convention_of_tool("matlab").name == "matlab" and convention_of_tool("") is None
    assert not convention_of_tool("cw-ssim").computed and not convention_of_tool("pytorch-ssim").computed


def test_each_computed_convention_at_its_tools_data_range() -> None:
    """SSIM's constants scale with the data range: the tool's range gives the [0, 1] numbers."""
    gen = torch.Generator().manual_seed(4)
    x, y = torch.rand(2, 1, 3, 24, 30, generator=gen, dtype=torch.float64)
    for name in metrics.SSIM_CONVENTIONS:
        scale = SSIM.get(name).data_range
        scaled = metrics.ssim(x * scale, y * scale, data_range=scale, convention=name)
        assert torch.allclose(scaled, metrics.ssim(x, y, convention=name), rtol=0, atol=1e-12), name


def test_a_published_figure_names_a_declared_tool() -> None:
    with pytest.raises(ValueError, match="published ssim_tool 'ms-ssim': use one of , skimage, matlab"):
        Published("ssim", 0.9, "", "a source", ssim_tool="ms-ssim")


def test_conventions_not_computed_are_refused_by_name() -> None:
    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match=r"'cw-ssim' \(CW-SSIM\) is not computed here: use one of skimage"):
        metrics.ssim(x, x, convention="cw-ssim")
    with pytest.raises(ValueError, match="unknown SSIM convention 'ms-ssim'"):
        metrics.check_conventions(("ms-ssim",))


def test_an_entry_is_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="channels 'rgb'"):
        SsimConvention("x", "x", "x", Window("gaussian", 11, 1.5), "rgb", "valid", 1.0, ("x",), preference=3)
    with pytest.raises(ValueError, match="a name that can be a column"):
        SsimConvention("x-y", "x", "x", Window("gaussian", 11, 1.5), "mean", "valid", 1.0, (), preference=3)
    with pytest.raises(ValueError, match="gaussian with a sigma"):
        Window("uniform", 7, 1.5)
    with pytest.raises(ValueError, match="SSIM tool 'skimage' already means convention 'skimage'"):
        register_convention(replace(SSIM.get("skimage"), name="skimage2"))


@pytest.fixture
def added() -> Iterator[list[str]]:
    """Conventions a test registers, removed again after it."""
    names: list[str] = []
    yield names
    for name in names:
        SSIM.remove(name)


def _add(added: list[str], **fields) -> str:
    entry = SsimConvention(**{"matches": "a test", "data_range": 1.0, "tools": (), "preference": 9, **fields})
    register_convention(entry)
    added.append(entry.name)
    return entry.name


@pytest.mark.parametrize("backend", ["native", "torch"])
def test_a_new_convention_is_one_entry(
    added: list[str], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry in the kernels' terms is computed, alone and beside the others, with no other change."""
    if backend == "native" and not native.available():
        pytest.skip("no working C compiler here: the compiled kernel is not built")
    if backend == "torch":
        monkeypatch.setattr(native, "available", lambda: False)
    window = Window("gaussian", 11, 1.5)
    luma = _add(added, name="luma_valid", label="Y", window=window, channels="luma", border="valid")
    padded = _add(
        added, name="rgb_padded", label="padded", window=window, channels="mean", border="replicate"
    )
    assert declared.computed_conventions()[-2:] == (luma, padded)
    gen = torch.Generator().manual_seed(7)
    pred = metrics.quantize(torch.rand(2, 3, 29, 41, generator=gen))
    target = metrics.quantize(0.6 * pred + 0.4 * torch.rand(2, 3, 29, 41, generator=gen))
    y = metrics.ssim(pred, target, convention="basicsr", test_y_channel=True)
    assert torch.allclose(metrics.ssim(pred, target, convention=luma), y, rtol=0, atol=1e-12)
    for wanted in ((padded, "skimage"), ("skimage", "matlab", luma, "basicsr")):
        shared = metrics.ssim_conventions(pred, target, wanted)
        for name in wanted:
            alone = metrics.ssim(pred, target, convention=name)
            assert torch.allclose(shared[name], alone, rtol=0, atol=1e-12), (wanted, name)


def test_an_entry_the_kernels_cannot_compute_is_refused(added: list[str]) -> None:
    name = _add(
        added, name="uniform7", label="u", window=Window("uniform", 7), channels="mean", border="valid"
    )
    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(
        ValueError, match="uniform 7x7 window, valid border, mean channels; the kernels compute"
    ):
        metrics.ssim(x, x, convention=name)
