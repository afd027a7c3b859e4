"""Fixtures over the fabricated results store of ``tests/fabricated.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from fabricated import fabricate, quality_rows
from matplotlib.backends.backend_agg import FigureCanvasAgg

from deblurbench.bench.records import QualityRecord
from deblurbench.bench.store import Store
from deblurbench.reports import plots


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The fabricated store, in ``tmp_path/out``."""
    return fabricate(tmp_path / "out")


@pytest.fixture
def make_quality_rows() -> Callable[..., list[QualityRecord]]:
    """:func:`quality_rows`, for tests that add rows of their own."""
    return quality_rows


@pytest.fixture(scope="session")
def fabricated() -> Callable[..., Store]:
    """:func:`fabricate`, for fixtures of a wider scope."""
    return fabricate


# The 20 registered networks as measured on this suite's main job (parameters, fvcore GMACs at
# 256x256) with the GoPro PSNR their authors or a comparison table publish; where none is
# published a nearby value is filled in, and NAFNet with and without TLC share one PSNR, so
# that twins (rows at identical coordinates) appear in every plot.
NETWORK_ROWS = [
    ("LMFN", 1.247707, 4.493, 31.54),
    ("DeblurGAN-v2 (MobileNet)", 3.312707, 2.761, 28.17),
    ("DMPHN (1-2-4)", 5.424393, 48.859, 30.21),
    ("MIMO-UNet", 6.807171, 63.706, 31.73),
    ("SRN-DeblurNet (color)", 6.881251, 83.503, 30.10),
    ("DMPHN (1-2-4-8)", 7.232524, 65.146, 30.32),
    ("SRN-DeblurNet", 8.056609, 268.296, 30.19),
    ("DeblurGAN", 11.378179, 49.682, 28.70),
    ("DeepDeblur", 11.721321, 335.946, 30.40),
    ("MIMO-UNet+", 16.107651, 150.679, 32.45),
    ("FFTformer", 16.560474, 131.463, 34.21),
    ("NAFNet-GoPro-width32", 17.111907, 15.971, 32.87),
    ("NAFNet-GoPro-width32 + TLC", 17.111907, 15.971, 32.87),
    ("Stripformer", 19.708611, 155.033, 33.08),
    ("MPRNet", 20.127073, 760.018, 32.66),
    ("Restormer", 26.126644, 154.882, 32.92),
    ("DeblurGAN-v2 (Inception-ResNet-v2)", 60.929291, 17.584, 29.55),
    ("NAFNet-GoPro-width64", 67.888835, 63.085, 33.71),
    ("NAFNet-GoPro-width64 + TLC", 67.888835, 63.085, 33.71),
    ("HINet", 88.668806, 157.605, 32.77),
]
MACS_COLUMN = "GMACs @256x256 (fvcore)"
PSNR_COLUMN = "PSNR (dB) gopro"


@pytest.fixture
def networks() -> pd.DataFrame:
    """:data:`NETWORK_ROWS` as the summary and paper tables name their columns."""
    return pd.DataFrame(NETWORK_ROWS, columns=["Network", "Params (M)", MACS_COLUMN, PSNR_COLUMN])


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[plt.Figure]:
    """The figures the plot functions save, in order, kept for a test to look into (still saved).

    Each is given a canvas again after ``save`` closes it, so that it can be drawn and measured.
    """
    figures: list[plt.Figure] = []
    save = plots.save

    def keep(fig: plt.Figure, path: Path) -> list[Path]:
        written = save(fig, path)
        FigureCanvasAgg(fig)
        figures.append(fig)
        return written

    monkeypatch.setattr(plots, "save", keep)
    return figures
