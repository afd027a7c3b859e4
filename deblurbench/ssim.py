"""The SSIM conventions the field uses, one registered entry each, declared once.

On the same images the conventions disagree (by 0.03 on a restored GoPro frame, 0.04-0.09
on real blurry/sharp pairs, up to 0.35 on the synthetic split), so an SSIM is only
meaningful with its convention named. An entry says how its SSIM is computed (window,
channel handling, border, the value range its tool works in), which tool's numbers it
reproduces, and the names under which published figures cite that tool
(:attr:`~deblurbench.models.published.Published.ssim_tool`). Entries this suite computes
are the ``metrics.ssim(convention=NAME)`` conventions and the ``ssim_<NAME>`` columns of
every quality row, in registration order; the others are known so that a published
figure naming them is understood (and said to be not comparable).

Adding a convention is one :func:`register_convention` call here: the metric
(:mod:`deblurbench.bench.metrics`, which computes any entry with the Gaussian 11-tap
window, a ``valid`` or ``replicate`` border and channels ``mean``, ``volume`` or ``luma``),
the store's columns, the quality tables and the claims check pick it up. This module imports
nothing of the package but the generic registry, so that ``models/`` can read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .registry import Registry

# how a convention treats the three colour channels
CHANNELS: Mapping[str, str] = {
    "mean": "SSIM per channel, then the mean over the channels",
    "volume": "the H x W x 3 image as one volume, the window also along the channels (replicate-padded)",
    "luma": "SSIM of BT.601 luma Y as BasicSR computes it ((16 + 65.481 R + 128.553 G + 24.966 B) / 255)",
    "grey": "SSIM of PIL's grey image (convert('L'): ITU-R 601-2 luma, no offset)",
}
# which pixels of the SSIM map are averaged
BORDERS: Mapping[str, str] = {
    "valid": "the filter's valid region: a border of half the window left out",
    "replicate": "every pixel, the image replicate-padded by half the window",
    "zero": "every pixel, the image zero-padded by half the window",
}


@dataclass(frozen=True)
class Window:
    """The window SSIM's local means, variances and covariance are taken in."""

    kind: str  # "gaussian" or "uniform" (scikit-image's default is uniform 7x7)
    size: int  # taps per axis
    sigma: float | None = None  # the Gaussian's standard deviation

    def __post_init__(self) -> None:
        if self.kind not in ("gaussian", "uniform") or (self.kind == "gaussian") != (self.sigma is not None):
            raise ValueError(f"SSIM window {self!r}: gaussian with a sigma, or uniform without")

    def __str__(self) -> str:
        if self.kind == "gaussian":
            return f"Gaussian {self.size}x{self.size}, sigma {self.sigma:g}"
        return f"uniform {self.size}x{self.size}"


GAUSSIAN_11 = Window("gaussian", 11, 1.5)  # Wang et al. 2004: MATLAB ssim, BasicSR, pytorch-ssim


@dataclass(frozen=True)
class SsimConvention:
    """One SSIM convention: how it is computed, what it reproduces, which published tool names mean it.

    ``window`` and ``border`` are None for an SSIM that is not a windowed one (CW-SSIM);
    ``data_range`` is the value range its tool works in (255 for uint8 images): SSIM's
    constants scale with it, so images in [0, 1] with ``data_range=1`` give the same numbers.
    ``preference`` orders the computed conventions for a table that shows one (0 first).
    """

    name: str
    label: str  # as a sentence names it ("CW-SSIM")
    matches: str  # the tool whose numbers it reproduces, with the call
    window: Window | None
    channels: str
    border: str | None
    data_range: float | None
    tools: tuple[str, ...]  # the published ``ssim_tool`` names that mean it
    computed: bool = True
    preference: int | None = None

    def __post_init__(self) -> None:
        if self.channels not in CHANNELS:
            raise ValueError(
                f"SSIM convention {self.name!r}: channels {self.channels!r}, use one of {', '.join(CHANNELS)}"
            )
        if self.border is not None and self.border not in BORDERS:
            raise ValueError(
                f"SSIM convention {self.name!r}: border {self.border!r}, use one of {', '.join(BORDERS)}"
            )
        if self.computed and not (self.name.isidentifier() and self.preference is not None):
            raise ValueError(
                f"computed SSIM convention {self.name!r}: needs a name that can be a column (ssim_<name>) "
                "and a preference"
            )


SSIM: Registry[SsimConvention] = Registry("SSIM convention", ordered=True)


def register_convention(convention: SsimConvention) -> SsimConvention:
    """Add ``convention`` to :data:`SSIM`; a tool name another convention already claims is refused."""
    for tool in convention.tools:
        if convention_of_tool(tool) is not None:
            raise ValueError(f"SSIM tool {tool!r} already means convention {convention_of_tool(tool).name!r}")
    return SSIM.add(convention.name, convention)


def computed_conventions() -> tuple[str, ...]:
    """The conventions this suite computes, in registration order (the quality rows' column order)."""
    return tuple(name for name in SSIM.names() if SSIM.get(name).computed)


def preference_order() -> tuple[str, ...]:
    """The computed conventions in the order a table that shows one SSIM picks the first stored."""
    return tuple(sorted(computed_conventions(), key=lambda name: SSIM.get(name).preference))


def published_tools() -> tuple[str, ...]:
    """Every published SSIM tool name a convention claims."""
    return tuple(tool for name in SSIM.names() for tool in SSIM.get(name).tools)


def convention_of_tool(tool: str) -> SsimConvention | None:
    """The convention a published SSIM tool name means; None for "" (the source does not say)."""
    return next((SSIM.get(n) for n in SSIM.names() if tool in SSIM.get(n).tools), None)


register_convention(
    SsimConvention(
        name="skimage",
        label="scikit-image",
        matches="skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, "
        "use_sample_covariance=False, channel_axis=-1)",
        window=GAUSSIAN_11,
        channels="mean",
        border="valid",
        data_range=1.0,
        tools=("skimage",),
        preference=1,
    )
)
register_convention(
    SsimConvention(
        name="matlab",
        label="MATLAB",
        matches="MATLAB ssim(pred, target) on uint8 RGB images (the image a volume, an 11x11x11 "
        "Gaussian window), as the GoPro/HIDE scripts of MPRNet, Restormer and LMFN; NAFNet's ssim3d",
        window=GAUSSIAN_11,
        channels="volume",
        border="replicate",
        data_range=255.0,
        tools=("matlab",),
        preference=0,  # first: most deblurring papers report it
    )
)
register_convention(
    SsimConvention(
        name="basicsr",
        label="BasicSR",
        matches="BasicSR calculate_ssim(crop_border=0, test_y_channel=False) on 0-255 images: "
        "skimage's numbers on RGB (its options are ssim()'s crop_border and test_y_channel)",
        window=GAUSSIAN_11,
        channels="mean",
        border="valid",
        data_range=255.0,
        tools=("basicsr",),
        preference=2,
    )
)
register_convention(
    SsimConvention(
        name="cw-ssim",
        label="CW-SSIM",
        matches="pyssim SSIM(pred).cw_ssim_value(target): complex wavelet SSIM of the grey images "
        "(Ricker wavelets, widths 1-30)",
        window=None,
        channels="grey",
        border=None,
        data_range=None,
        tools=("cw-ssim",),
        computed=False,
    )
)
register_convention(
    SsimConvention(
        name="pytorch-ssim",
        label="pytorch-ssim",
        matches="pytorch_ssim.ssim(pred, target) (Po-Hsun-Su/pytorch-ssim): conv2d with padding 5, "
        "the mean of the map",
        window=GAUSSIAN_11,
        channels="mean",
        border="zero",
        data_range=1.0,
        tools=("pytorch-ssim",),
        computed=False,
    )
)
