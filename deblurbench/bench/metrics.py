"""Image quality metrics: PSNR, SSIM in the field's conventions, LPIPS; batched, CPU and CUDA.

Inputs are RGB tensors (N, 3, H, W) or (3, H, W), floating point in [0, data_range];
every metric returns one float64 value per image, shape (N,).

SSIM conventions are the computed entries of :mod:`deblurbench.ssim` (``skimage``,
``matlab``, ``basicsr``, ...): each says its window, channel handling and border, and this
module computes any entry with the Gaussian 11-tap window (sigma 1.5): border ``valid``
(the filter's valid region, so no padding is needed) or ``replicate`` (padded, every pixel
averaged), channels ``mean`` (per channel, then averaged), ``volume`` (MATLAB's: the
H x W x 3 image filtered as a volume, also along the channel axis) or ``luma`` (BT.601 Y,
as BasicSR's ``test_y_channel``). ``crop_border`` and ``test_y_channel`` are options on top
of any convention (BasicSR's).

SSIM is computed in float64 (the variance terms ``E[x^2] - E[x]^2`` cancel badly in
float32). On CPU a small compiled kernel (:mod:`.native`) filters, mixes and sums each
row while it is in cache, and checks the value range on the way; elsewhere (CUDA, or
no C compiler) the torch code writes the Gaussian filter as banded matrix products.
Both give the same numbers to ~1e-13. ``ssim_conventions`` gives several conventions
from one pass: a ``replicate`` convention filters the padded image, whose interior holds
the maps of the ``valid`` ``mean`` ones (``matlab``'s pass holds ``skimage``'s).

LPIPS uses the ``lpips`` package and never downloads: its linear layers ship with
the package, its backbone comes from torchvision's cache file; without that file
LPIPS is NaN (missing), never 0, and one line says which file to put where.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..ssim import SSIM, SsimConvention, Window, computed_conventions, preference_order
from . import native

SSIM_CONVENTIONS: tuple[str, ...] = computed_conventions()  # the ssim_<name> columns, in this order
# The convention a table shows when it shows one: matlab first, as most deblurring papers report it.
SSIM_PREFERENCE: tuple[str, ...] = preference_order()
LPIPS_NETS: tuple[str, ...] = ("alex", "vgg", "squeeze")

_SIGMA = 1.5
_RADIUS = 5  # int(3.5 * 1.5 + 0.5): scikit-image's truncate 3.5, MATLAB's ceil(3 * 1.5), BasicSR's 11 taps
_TAPS = 2 * _RADIUS + 1
_WINDOW = Window("gaussian", _TAPS, _SIGMA)  # the one window the kernels compute
_CHANNELS = ("mean", "volume", "luma")  # the channel handlings computed
_PAD = {"valid": 0, "replicate": _RADIUS}  # each computed border: the replicate padding it filters
_ROW_TILE = 8  # output rows per banded product (vertical pass)
_COL_TILE = 16  # output columns per banded product (horizontal pass)
_STRIP_ELEMENTS = 1 << 20  # float64 elements per strip buffer (8 MiB): bounds memory; fewer, larger strips

# BasicSR's rgb2ycbcr (y_only) on [0, 1] RGB, output in [16, 235] / 255.
_Y_WEIGHTS = (65.481, 128.553, 24.966)
_Y_OFFSET = 16.0


# ----------------------------------------------------------------------------- inputs


def _check_pair(
    pred: Tensor, target: Tensor, data_range: float, check_values: bool = True
) -> tuple[Tensor, Tensor]:
    """Validate a prediction/target pair; return both as (N, 3, H, W).

    ``check_values=False`` leaves the value range to the caller (the compiled kernel
    checks it while it reads, which saves a pass over both images).
    """
    for name, x in (("pred", pred), ("target", target)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if not x.is_floating_point():
            raise ValueError(f"{name} has dtype {x.dtype}: expected floating point in [0, {data_range:g}]")
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    if pred.device != target.device:
        raise ValueError(f"pred is on {pred.device} and target on {target.device}: use one device")
    if pred.dim() == 3:
        pred, target = pred.unsqueeze(0), target.unsqueeze(0)
    if pred.dim() != 4 or pred.shape[1] != 3:
        raise ValueError(f"expected RGB (N, 3, H, W) or (3, H, W), got {tuple(pred.shape)}")
    if pred.shape[0] == 0 or pred.shape[2] == 0 or pred.shape[3] == 0:
        raise ValueError(f"empty input of shape {tuple(pred.shape)}")
    if not data_range > 0:
        raise ValueError(f"data_range={data_range}: must be positive")
    if check_values:
        _check_values(pred, target, data_range)
    return pred, target


def _check_values(pred: Tensor, target: Tensor, data_range: float) -> None:
    """Raise a one-line ValueError if either image has values outside [0, data_range] or NaN."""
    for name, x in (("pred", pred), ("target", target)):
        lo, hi = torch.aminmax(x)
        lo, hi = float(lo), float(hi)
        if lo != lo or hi != hi:  # clamping keeps NaN: say what it is
            raise ValueError(
                f"{name} holds NaN values: a metric of NaN means nothing; fix what produced them"
            )
        if not (lo >= 0 and hi <= data_range):
            raise ValueError(
                f"{name} values span [{lo:g}, {hi:g}], outside [0, {data_range:g}]: clamp (and quantize) first"
            )


def _native(x: Tensor) -> bool:
    """Whether the compiled CPU kernel computes this input's PSNR / SSIM (else the torch code)."""
    return x.device.type == "cpu" and native.available()


def _raise_if_bad(bad: tuple[int, int], pred: Tensor, target: Tensor, data_range: float) -> None:
    """After the compiled kernel counted bad values on its way: raise the usual one-line error."""
    if any(bad):
        _check_values(pred, target, data_range)
        raise ValueError(
            f"pred or target has values outside [0, {data_range:g}] or NaN: clamp (and quantize) first"
        )


def check_conventions(conventions: Sequence[str]) -> None:
    """Raise a one-line ValueError naming the computed SSIM conventions if any given one is not one."""
    for name in conventions:
        _convention(name)


def _convention(name: str) -> SsimConvention:
    """The computed convention ``name`` (:mod:`deblurbench.ssim`); a one-line ValueError otherwise."""
    known = computed_conventions()
    if name not in SSIM:
        raise ValueError(f"unknown SSIM convention {name!r}: use one of {', '.join(known)}")
    entry = SSIM.get(name)
    if not entry.computed:
        raise ValueError(
            f"SSIM convention {name!r} ({entry.label}) is not computed here: use one of {', '.join(known)}"
        )
    if entry.window != _WINDOW or entry.border not in _PAD or entry.channels not in _CHANNELS:
        raise ValueError(
            f"SSIM convention {name!r}: {entry.window} window, {entry.border} border, {entry.channels} "
            f"channels; the kernels compute the {_WINDOW} window, borders {', '.join(_PAD)}, channels "
            f"{', '.join(_CHANNELS)}"
        )
    return entry


def _check_crop(crop_border: int, height: int, width: int) -> None:
    if not isinstance(crop_border, int) or crop_border < 0:
        raise ValueError(f"crop_border={crop_border!r}: must be a non-negative integer")
    if 2 * crop_border >= min(height, width):
        raise ValueError(f"crop_border={crop_border} leaves nothing of a {height}x{width} image")


def _prepare(
    pred: Tensor,
    target: Tensor,
    data_range: float,
    crop_border: int,
    test_y_channel: bool,
    to_float64: bool = True,
) -> tuple[Tensor, Tensor, bool]:
    """Checked, cropped, optionally Y-converted (N, C, H, W) pair; float64 if ``to_float64`` or Y-converted.

    Third value: whether the value range is left to the compiled kernel (CPU, no crop,
    RGB: the kernel then reads every value given), so that the caller must check its counts.
    """
    deferred = isinstance(pred, Tensor) and _native(pred) and not crop_border and not test_y_channel
    pred, target = _check_pair(pred, target, data_range, check_values=not deferred)
    _check_crop(crop_border, pred.shape[2], pred.shape[3])
    if crop_border:
        b = crop_border
        pred, target = pred[..., b:-b, b:-b], target[..., b:-b, b:-b]
    if to_float64 or test_y_channel:
        pred, target = pred.to(torch.float64), target.to(torch.float64)
    if test_y_channel:
        pred, target = rgb_to_y(pred, data_range), rgb_to_y(target, data_range)
    return pred, target, deferred


def rgb_to_y(x: Tensor, data_range: float = 1.0) -> Tensor:
    """BT.601 luma of (N, 3, H, W) RGB in [0, data_range], as BasicSR's ``test_y_channel`` computes it."""
    w = torch.tensor(_Y_WEIGHTS, dtype=x.dtype, device=x.device).view(1, 3, 1, 1) / 255.0
    return (x * w).sum(dim=1, keepdim=True) + _Y_OFFSET / 255.0 * data_range


def quantize(x: Tensor, data_range: float = 1.0) -> Tensor:
    """Clamp to [0, data_range] and round to 8 bits, as saving a PNG and reading it back would.

    Rounds half up (``floor(255 x + 0.5)``), as torchvision's ``save_image`` and the
    RealBlur script's ``im2uint8`` do; keeps the dtype and device.
    """
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise ValueError("quantize expects a floating-point torch.Tensor")
    scale = 255.0 / data_range
    return torch.floor(x.clamp(0, data_range) * scale + 0.5) / scale


# ----------------------------------------------------------------------------- PSNR


def psnr(
    pred: Tensor,
    target: Tensor,
    data_range: float = 1.0,
    crop_border: int = 0,
    test_y_channel: bool = False,
) -> Tensor:
    """Peak signal-to-noise ratio in dB per image, shape (N,); identical images give inf.

    The mean squared error is over all channels and pixels (after ``crop_border`` and,
    with ``test_y_channel``, on BT.601 Y as BasicSR's ``calculate_psnr``).
    """
    p, t, deferred = _prepare(pred, target, data_range, crop_border, test_y_channel, to_float64=False)
    n_img, channels, height, width = p.shape
    if _native(p):
        sse, bad = native.sse(p, t, data_range)
        if deferred:
            _raise_if_bad(bad, pred, target, data_range)
        mse = sse / (channels * height * width)
        return 10.0 * torch.log10(data_range**2 / mse)
    rows = max(1, min(height, _STRIP_ELEMENTS // (4 * width)))
    buf = torch.empty(rows * width, dtype=torch.float64, device=p.device)
    sse = torch.zeros(n_img, dtype=torch.float64, device=p.device)
    for i in range(n_img):
        for c in range(channels):
            for r0 in range(0, height, rows):
                n = min(rows, height - r0)
                d = buf[: n * width]
                d.view(n, width).copy_(p[i, c, r0 : r0 + n])  # exact float64
                d.view(n, width).sub_(t[i, c, r0 : r0 + n])
                sse[i] += torch.dot(d, d)
    mse = sse / (channels * height * width)
    return 10.0 * torch.log10(data_range**2 / mse)


# ----------------------------------------------------------------------------- SSIM


@functools.lru_cache(maxsize=64)
def _band(n: int, device: torch.device) -> Tensor:
    """(n + 10, n) float64 matrix whose column j holds the 11-tap Gaussian at rows j..j+10."""
    k = torch.arange(-_RADIUS, _RADIUS + 1, dtype=torch.float64)
    g = torch.exp(-(k**2) / (2 * _SIGMA**2))
    g /= g.sum()
    band = torch.zeros(n + _TAPS - 1, n, dtype=torch.float64)
    cols = torch.arange(n)
    for tap in range(_TAPS):
        band[cols + tap, cols] = g[tap]
    return band.to(device)


@functools.lru_cache(maxsize=8)
def _channel_mix(channels: int, device: torch.device) -> Tensor:
    """(C, C) matrix: the 11-tap Gaussian along the channel axis with replicate padding."""
    g = _taps()
    mix = torch.zeros(channels, channels, dtype=torch.float64)
    for out in range(channels):
        for tap in range(_TAPS):
            mix[out, min(max(out + tap - _RADIUS, 0), channels - 1)] += g[tap]
    return mix.to(device)


def _filter_rows(m: Tensor, out: Tensor) -> None:
    """Valid 11-tap Gaussian along dim 0 of a contiguous (R, L) matrix into ``out`` (R - 10, L)."""
    rows, width = m.shape
    n = rows - (_TAPS - 1)
    full = n // _ROW_TILE
    if full:
        tile = _ROW_TILE
        windows = m.as_strided((full, tile + _TAPS - 1, width), (tile * width, width, 1))
        weights = _band(tile, m.device).t().expand(full, tile, tile + _TAPS - 1)
        torch.bmm(weights, windows, out=out[: full * tile].view(full, tile, width))
    done = full * _ROW_TILE
    if done < n:
        torch.mm(_band(n - done, m.device).t(), m[done:], out=out[done:])


def _filter_cols(v: Tensor, out: Tensor) -> None:
    """Valid 11-tap Gaussian along dim 1 of a contiguous (R, L) matrix into ``out`` (k, R, t).

    Output columns come in tiles of t (``out``'s last size, at most L - 10); when t does
    not divide L - 10 the last tile overlaps the one before it (:func:`_column_spans`
    says which of its columns are repeats).
    """
    rows, width = v.shape
    n = width - (_TAPS - 1)
    tile = out.shape[2]
    full = n // tile
    windows = v.as_strided((full, rows, tile + _TAPS - 1), (tile, width, 1))
    band = _band(tile, v.device)
    torch.bmm(windows, band.expand(full, tile + _TAPS - 1, tile), out=out[:full])
    if full < out.shape[0]:
        torch.mm(v[:, n - tile :], band, out=out[full])


def _col_tiles(out_w: int) -> tuple[int, int]:
    tile = min(_COL_TILE, out_w)
    return -(-out_w // tile), tile


def _column_spans(out_w: int, tiles_w: int, col_tile: int, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """(tile, first, stop) column ranges to zero so that each output column in [lo, hi) counts once.

    The last tile overlaps the one before it when ``col_tile`` does not divide ``out_w``: its
    leading columns are counted by the earlier tile. Only edge tiles get spans.
    """
    spans = []
    for t in range(tiles_w):
        start = min(t * col_tile, out_w - col_tile)
        first_new = t * col_tile  # columns before it belong to an earlier tile
        keep_from = min(max(lo, first_new) - start, col_tile)
        keep_to = max(min(hi - start, col_tile), 0)
        if keep_from >= keep_to:
            spans.append((t, 0, col_tile))
            continue
        if keep_from > 0:
            spans.append((t, 0, keep_from))
        if keep_to < col_tile:
            spans.append((t, keep_to, col_tile))
    return spans


def _zero_columns(num: Tensor, spans: list[tuple[int, int, int]]) -> None:
    for t, first, stop in spans:
        num[t, ..., first:stop] = 0


def _ssim_map_into(o: Tensor, c1: Tensor, scratch: Tensor) -> tuple[Tensor, Tensor]:
    """In place on the four filtered maps ``o`` (x, y, C1 + C2 + x^2 + y^2, C1 + C2 + 2xy): (num, den)."""
    ux, uy, den, num = o[:, 0], o[:, 1], o[:, 2], o[:, 3]
    n1 = torch.addcmul(c1, ux, uy, value=2, out=scratch[: ux.numel()].view(ux.shape))  # 2 ux uy + C1
    num.sub_(n1).mul_(n1)  # (2 vxy + C2)(2 ux uy + C1)
    d1 = torch.addcmul(c1, ux, ux, out=ux).addcmul_(uy, uy)  # ux^2 + uy^2 + C1
    den.sub_(d1).mul_(d1)  # (vx + vy + C2)(ux^2 + uy^2 + C1)
    return num, den


def _ssim_sums(
    x: Tensor, y: Tensor, data_range: float, pad: int, mix: Tensor | None, interior: bool = False
) -> tuple[Tensor, Tensor | None, tuple[int, int]]:
    """Sums of the SSIM map per (image, channel): the compiled kernel on CPU where it works, else torch.

    Arguments and the first two results as in :func:`_ssim_sums_torch`; third: the counts
    of ``x`` and ``y`` values outside [0, data_range] or NaN (the kernel's; (0, 0) from torch,
    whose callers check values first).
    """
    if _native(x):
        return native.ssim_sums(x, y, _taps(), data_range, pad, mix, interior)
    return (*_ssim_sums_torch(x, y, data_range, pad, mix, interior), (0, 0))


def _taps() -> Tensor:
    """The 11 Gaussian weights (sigma 1.5, normalised), float64 on the CPU."""
    return _band(1, torch.device("cpu"))[:, 0]


def _ssim_sums_torch(
    x: Tensor, y: Tensor, data_range: float, pad: int, mix: Tensor | None, interior: bool = False
) -> tuple[Tensor, Tensor | None]:
    """Sums of the SSIM map per (image, channel), shape (N, C), over the output region (torch, any device).

    ``pad``: replicate padding on H and W (5 for ``matlab``, else 0); ``mix``: a (C, C)
    filter along the channel axis (``matlab``) or None. Works in float64 strips of
    rows (any floating input dtype, converted strip by strip) with four filtered
    maps: x, y, C1 + C2 + x^2 + y^2 and C1 + C2 + 2xy (the filter's weights sum to 1,
    so the constant passes through); the SSIM map is accumulated in one buffer and
    summed once per group. Without ``mix``, images and channels are taken one
    plane at a time when all of them together would not fit the strip budget.

    ``interior`` (with ``pad``) also returns the sums of the unpadded, unmixed maps over
    the image's valid region, which is ``skimage``'s SSIM: the 2-D filtering of the padded
    image holds it, so ``matlab`` and ``skimage`` come from one pass. Second value: those
    sums, or None.
    """
    n_img, channels = x.shape[:2]
    interior = interior and pad > 0
    if pad:  # replicate padding, once (index_select along W is slow on CPU)
        x = torch.nn.functional.pad(x, (pad, pad, pad, pad), mode="replicate")
        y = torch.nn.functional.pad(y, (pad, pad, pad, pad), mode="replicate")
    sums = torch.zeros(n_img, channels, dtype=torch.float64, device=x.device)
    inner_sums = torch.zeros_like(sums) if interior else None
    groups, planes = _plane_groups(x, y, mix)
    work = _strip_work(x, pad, planes, mix, interior, data_range)
    for xg, yg, idx in groups:
        for r0 in range(0, work.out_h, work.strip):
            _ssim_strip(work, xg, yg, r0)
        sums[idx] = _drain(work.acc, xg.shape[:2])
        if work.inner_acc is not None:
            inner_sums[idx] = _drain(work.inner_acc, xg.shape[:2])
    return sums, inner_sums


_Group = tuple[Tensor, Tensor, tuple[slice, slice]]


def _plane_groups(x: Tensor, y: Tensor, mix: Tensor | None) -> tuple[list[_Group], int]:
    """(x, y, index into the (N, C) sums) groups and planes per group: all at once, or one plane at a
    time when all planes' strips would not fit the budget (only without ``mix``, which needs every channel)."""
    n_img, channels, _h, in_w = x.shape
    planes = n_img * channels
    if mix is None and planes > 1 and 4 * planes * in_w * (_ROW_TILE + _TAPS - 1) > _STRIP_ELEMENTS:
        groups = [
            (x[i : i + 1, c : c + 1], y[i : i + 1, c : c + 1], (slice(i, i + 1), slice(c, c + 1)))
            for i in range(n_img)
            for c in range(channels)
        ]
        return groups, 1
    return [(x, y, (slice(None), slice(None)))], planes


@dataclass
class _StripWork:
    """What every strip of one :func:`_ssim_sums_torch` call shares: sizes, reused buffers, constants."""

    out_h: int
    in_w: int
    pad: int
    strip: int  # output rows per strip
    planes: int  # images x channels per group
    tiles_w: int
    col_tile: int
    mix: Tensor | None
    maps: Tensor  # (4, strip + 10, planes * in_w): the input maps, then the horizontal pass's output
    cols_out: Tensor  # (tiles_w, 4 * strip * planes, col_tile), on the same memory as ``maps``
    filtered: Tensor  # (4, strip, planes * in_w): the vertical pass's output
    scratch: Tensor  # for the SSIM map's first factors
    acc: Tensor  # (tiles_w, strip, planes, col_tile): the SSIM map summed per position
    inner_acc: Tensor | None  # the same over the unpadded image's valid region (``interior``)
    spans: list[tuple[int, int, int]]
    inner_spans: list[tuple[int, int, int]]
    c1: Tensor
    c12: Tensor


def _strip_rows(planes: int, in_w: int, out_h: int) -> int:
    """Output rows per strip: as many whole row tiles as the strip budget holds (at least one), at most ``out_h``."""
    per_row = 4 * planes * in_w
    strip = max(_ROW_TILE, (_STRIP_ELEMENTS // per_row - (_TAPS - 1)) // _ROW_TILE * _ROW_TILE)
    return min(strip, out_h)


def _strip_work(
    x: Tensor, pad: int, planes: int, mix: Tensor | None, interior: bool, data_range: float
) -> _StripWork:
    """Sizes, constants and the buffers every strip reuses (so that a strip stays in cache), for padded ``x``."""
    f64 = {"dtype": torch.float64, "device": x.device}
    out_h, in_w = x.shape[2] - (_TAPS - 1), x.shape[3]
    out_w = in_w - (_TAPS - 1)
    tiles_w, col_tile = _col_tiles(out_w)
    strip = _strip_rows(planes, in_w, out_h)
    # three buffers: the input maps, then the horizontal pass's output; the vertical pass's output, then scratch
    map_size = 4 * (strip + _TAPS - 1) * planes * in_w
    col_size = 4 * tiles_w * strip * planes * col_tile
    buf = torch.empty(max(map_size, col_size), **f64)
    filtered = torch.empty(4, strip, planes * in_w, **f64)
    if interior and mix is None:  # the unmixed maps in ``filtered`` are read again after the interior pass
        scratch = torch.empty(col_size // 4, **f64)
    else:
        scratch = filtered.view(-1)[: col_size // 4]  # 4 in_w > tiles_w col_tile
    acc = torch.zeros(tiles_w, strip, planes, col_tile, **f64)
    return _StripWork(
        out_h, in_w, pad, strip, planes, tiles_w, col_tile, mix,
        maps=buf[:map_size].view(4, strip + _TAPS - 1, planes * in_w),
        cols_out=buf[:col_size].view(tiles_w, 4 * strip * planes, col_tile),
        filtered=filtered,
        scratch=scratch,
        acc=acc,
        inner_acc=torch.zeros_like(acc) if interior else None,
        spans=_column_spans(out_w, tiles_w, col_tile, 0, out_w),
        inner_spans=_column_spans(out_w, tiles_w, col_tile, pad, out_w - pad),
        c1=torch.tensor((0.01 * data_range) ** 2, **f64),
        c12=torch.tensor((0.01 * data_range) ** 2 + (0.03 * data_range) ** 2, **f64),
    )  # fmt: skip


def _ssim_strip(w: _StripWork, xg: Tensor, yg: Tensor, r0: int) -> None:
    """Output rows r0.. of one group: build the four maps, filter them, add the SSIM map to the sums."""
    c = xg.shape[1]
    n_out = min(w.strip, w.out_h - r0)
    n_in = n_out + _TAPS - 1
    m = w.maps[:, :n_in]
    _fill_maps(m, xg[:, :, r0 : r0 + n_in], yg[:, :, r0 : r0 + n_in], w.c12)
    f = w.filtered[:, :n_out]
    for k in range(4):
        _filter_rows(m[k], f[k])
    flat = f.reshape(-1, w.in_w)
    # the maps of the main sums: with ``mix`` also filtered along the channel axis (now, before
    # the interior pass's ``scratch`` may reuse ``f``)
    main = flat if w.mix is None else torch.matmul(w.mix, f.reshape(-1, c, w.in_w)).view(-1, w.in_w)
    o = w.cols_out[:, : 4 * n_out * w.planes]
    shape = (w.tiles_w, 4, n_out, w.planes, w.col_tile)
    if w.inner_acc is not None:  # rows of the unpadded image's valid region within this strip
        lo, hi = max(w.pad - r0, 0), min(w.out_h - w.pad - r0, n_out)
        if lo < hi:
            _filter_cols(flat, o)
            _add_ssim_map(o.view(shape)[:, :, lo:hi], w.inner_acc[:, lo:hi], w.inner_spans, w.c1, w.scratch)
    _filter_cols(main, o)
    _add_ssim_map(o.view(shape), w.acc[:, :n_out], w.spans, w.c1, w.scratch)


def _fill_maps(m: Tensor, xs: Tensor, ys: Tensor, c12: Tensor) -> None:
    """The four maps to filter, (4, rows, N C W): x, y, C1 + C2 + x^2 + y^2 and C1 + C2 + 2xy, in float64."""
    n_in, (n, c, _rows, in_w) = m.shape[1], xs.shape
    m[0].view(n_in, n, c, in_w).copy_(xs.permute(2, 0, 1, 3))  # (rows, N, C, W), exact float64
    m[1].view(n_in, n, c, in_w).copy_(ys.permute(2, 0, 1, 3))
    torch.addcmul(c12, m[0], m[0], out=m[2]).addcmul_(m[1], m[1])  # C1 + C2 + x^2 + y^2
    torch.addcmul(c12, m[0], m[1], value=2, out=m[3])  # C1 + C2 + 2 x y


def _add_ssim_map(
    o: Tensor, acc: Tensor, spans: list[tuple[int, int, int]], c1: Tensor, scratch: Tensor
) -> None:
    """Add the SSIM map of the filtered maps ``o`` to ``acc``, each output column counted once (``spans``)."""
    num, den = _ssim_map_into(o, c1, scratch)
    _zero_columns(num, spans)
    acc.addcdiv_(num, den)


def _drain(acc: Tensor, group: torch.Size) -> Tensor:
    """A group's sums per (image, channel) from its accumulated SSIM map, which is then reset for the next group."""
    tiles_w, strip, _planes, col_tile = acc.shape
    sums = acc.view(tiles_w, strip, *group, col_tile).sum(dim=(0, 1, 4))
    acc.zero_()
    return sums


def ssim(
    pred: Tensor,
    target: Tensor,
    data_range: float = 1.0,
    convention: str = "skimage",
    crop_border: int = 0,
    test_y_channel: bool = False,
) -> Tensor:
    """Structural similarity per image, shape (N,), in one of ``SSIM_CONVENTIONS`` (:mod:`deblurbench.ssim`).

    ``crop_border`` removes that many pixels from each edge first (BasicSR's option;
    5 for DeepDeblur's recommendation); ``test_y_channel`` computes SSIM on BT.601 Y
    (for ``matlab`` that is MATLAB's 2-D ``ssim`` of the grey image), as a ``luma``
    convention always does.
    """
    entry = _convention(convention)
    luma = test_y_channel or entry.channels == "luma"
    x, y, deferred = _prepare(pred, target, data_range, crop_border, luma, to_float64=False)
    _n, channels, height, width = x.shape
    pad = _PAD[entry.border]
    if min(height, width) + 2 * pad < _TAPS:
        raise ValueError(f"SSIM ({convention}) needs at least {_TAPS}x{_TAPS} pixels, got {height}x{width}")
    mix = _channel_mix(channels, x.device) if entry.channels == "volume" and channels > 1 else None
    sums, _, bad = _ssim_sums(x, y, data_range, pad, mix)
    if deferred:
        _raise_if_bad(bad, pred, target, data_range)
    count = (height + 2 * pad - (_TAPS - 1)) * (width + 2 * pad - (_TAPS - 1)) * channels
    return sums.sum(dim=1) / count


def ssim_conventions(
    pred: Tensor,
    target: Tensor,
    conventions: Sequence[str] = SSIM_CONVENTIONS,
    data_range: float = 1.0,
) -> dict[str, Tensor]:
    """SSIM per image in each of ``conventions`` (no crop): ``{convention: Tensor (N,)}``.

    The same values as :func:`ssim` convention by convention, in less time: conventions
    computed alike (the same border and channels: ``basicsr`` and ``skimage``) share one
    value, and the filtering of a ``replicate`` convention's padded image holds the maps of
    the ``valid`` ``mean`` ones in its interior, so both come from one pass.
    """
    how = {name: _method(_convention(name)) for name in conventions}
    padded = {m for m in how.values() if m[0] == "replicate" and m[1] != "luma"}
    inner = [name for name, m in how.items() if m == ("valid", "mean")]
    if len(padded) != 1 or not inner:
        return {c: ssim(pred, target, data_range, convention=c) for c in conventions}
    (outer,) = padded
    x, y, deferred = _prepare(pred, target, data_range, 0, False, to_float64=False)
    _n, channels, height, width = x.shape
    if min(height, width) < _TAPS:
        raise ValueError(f"SSIM ({inner[0]}) needs at least {_TAPS}x{_TAPS} pixels, got {height}x{width}")
    mix = _channel_mix(channels, x.device) if outer[1] == "volume" and channels > 1 else None
    volume, interior, bad = _ssim_sums(x, y, data_range, _RADIUS, mix, interior=True)
    if deferred:
        _raise_if_bad(bad, pred, target, data_range)
    values = {
        outer: volume.sum(dim=1) / (height * width * channels),
        ("valid", "mean"): interior.sum(dim=1) / ((height - _TAPS + 1) * (width - _TAPS + 1) * channels),
    }
    return {
        c: values[how[c]] if how[c] in values else ssim(pred, target, data_range, convention=c)
        for c in conventions
    }


def _method(entry: SsimConvention) -> tuple[str, str]:
    """What decides a computed convention's number: its border and its channel handling."""
    return entry.border, entry.channels


# ----------------------------------------------------------------------------- LPIPS

_LPIPS_MODELS: dict[tuple[str, str, bool], nn.Module] = {}
_LPIPS_WARNED: set[str] = set()


def _backbone_url(net: str) -> str:
    from torchvision import models

    weights = {
        "alex": models.AlexNet_Weights.IMAGENET1K_V1,
        "vgg": models.VGG16_Weights.IMAGENET1K_V1,
        "squeeze": models.SqueezeNet1_1_Weights.IMAGENET1K_V1,
    }[net]
    return weights.url


def lpips_backbone_path(net: str = "alex") -> Path:
    """Where torchvision's cache keeps the backbone LPIPS needs (``$TORCH_HOME/hub/checkpoints``)."""
    if net not in LPIPS_NETS:
        raise ValueError(f"unknown LPIPS net {net!r}: use one of {', '.join(LPIPS_NETS)}")
    return Path(torch.hub.get_dir()) / "checkpoints" / _backbone_url(net).rsplit("/", 1)[-1]


def lpips_available(net: str = "alex") -> bool:
    """Whether the backbone weights LPIPS needs are in torchvision's cache."""
    return lpips_backbone_path(net).is_file()


def _missing_line(net: str) -> str:
    path = lpips_backbone_path(net)
    return (
        f"LPIPS not computed (recorded as missing): backbone weights {path.name} not found; "
        f"put {_backbone_url(net)} at {path} (or set TORCH_HOME)"
    )


def load_lpips(
    net: str = "alex", device: str | torch.device = "cpu", random_backbone: bool = False
) -> nn.Module | None:
    """The LPIPS module (cached per net, device, backbone), or None when the backbone file is absent.

    Never downloads: the backbone is built randomly initialised (``pnet_rand``) and
    then loaded from torchvision's cache file with ``weights_only=True``; the linear
    layers come from the ``lpips`` package. ``random_backbone=True`` skips the load
    and keeps the random backbone: for testing the plumbing only, values are meaningless.
    """
    import lpips as lpips_pkg

    path = lpips_backbone_path(net)
    device = torch.device(device)
    key = (net, str(device), random_backbone)
    if key in _LPIPS_MODELS:
        return _LPIPS_MODELS[key]
    if not random_backbone and not path.is_file():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchvision's deprecation notes on `pretrained`
        model = lpips_pkg.LPIPS(pretrained=False, net=net, pnet_rand=True, verbose=False)
    _load_linear(model, net, Path(lpips_pkg.__file__).parent / "weights" / "v0.1" / f"{net}.pth")
    if not random_backbone:
        _load_backbone(model.net, net, path)
    model = model.eval().requires_grad_(False).to(device)
    _LPIPS_MODELS[key] = model
    return model


def _load_linear(model: nn.Module, net: str, linear: Path) -> None:
    """Load the ``lpips`` package's linear layers (``lin<k>``) into ``model``, refusing a file that does not fit."""
    state = torch.load(linear, map_location="cpu", weights_only=True)
    expected = {k for k in model.state_dict() if k.startswith("lin") and not k.startswith("lins.")}
    if set(state) != expected:
        raise RuntimeError(
            f"LPIPS linear layers in {linear} do not match the {net} model's {sorted(expected)}"
        )
    model.load_state_dict(state, strict=False)  # lin<k> only; lins.<k> are the same modules


def _load_backbone(features_net: nn.Module, net: str, path: Path) -> None:
    """Load torchvision's ``features.<i>.*`` weights into lpips's ``slice<k>.<i>.*`` modules."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    slice_of = {
        index: slice_name
        for slice_name, block in features_net.named_children()
        for index, _ in block.named_children()
    }
    mapped = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "features" and parts[1] in slice_of:
            mapped[".".join([slice_of[parts[1]], *parts[1:]])] = value
    features_net.load_state_dict(mapped, strict=True)


def lpips(pred: Tensor, target: Tensor, net: str = "alex", *, random_backbone: bool = False) -> Tensor:
    """LPIPS distance per image, shape (N,) (lower is better); NaN when the backbone is missing.

    Inputs in [0, 1] are scaled to [-1, 1] as the package expects and passed as
    ``LPIPS(in0=pred, in1=target)``. A missing backbone prints one line (once per
    net) naming the file and where to put it. ``random_backbone``: see ``load_lpips``.
    """
    pred, target = _check_pair(pred, target, 1.0)
    model = load_lpips(net, pred.device, random_backbone)
    if model is None:
        if net not in _LPIPS_WARNED:
            _LPIPS_WARNED.add(net)
            print(_missing_line(net), file=sys.stderr)
        return torch.full((pred.shape[0],), float("nan"), dtype=torch.float64, device=pred.device)
    with torch.inference_mode():
        value = model(pred.float() * 2 - 1, target.float() * 2 - 1)
    return value.flatten().to(torch.float64)


# ----------------------------------------------------------------------------- all together


def quality(
    pred: Tensor,
    target: Tensor,
    *,
    convention: str = "skimage",
    quantized: bool = True,
    crop_border: int = 0,
    test_y_channel: bool = False,
    lpips_net: str | None = "alex",
) -> dict[str, Any]:
    """PSNR, SSIM and LPIPS of a batch, with the settings that produced them.

    ``quantized`` (default) rounds both images to 8 bits first, as saved PNGs would
    be (idempotent on a target read from an 8-bit file). LPIPS is None when
    ``lpips_net`` is None and NaN when its backbone is missing (``lpips_status``
    says which). Returns ``{"psnr", "ssim", "lpips": Tensor (N,) or None,
    "ssim_convention", "quantized", "crop_border", "test_y_channel", "lpips_net",
    "lpips_status"}``.
    """
    check_conventions((convention,))
    pred, target = _check_pair(pred, target, 1.0)
    if quantized:
        pred, target = quantize(pred), quantize(target)
    psnr_value = psnr(pred, target, crop_border=crop_border, test_y_channel=test_y_channel)
    ssim_value = ssim(
        pred, target, convention=convention, crop_border=crop_border, test_y_channel=test_y_channel
    )
    lpips_value, lpips_status = _lpips_and_status(pred, target, lpips_net)
    return {
        "psnr": psnr_value,
        "ssim": ssim_value,
        "lpips": lpips_value,
        "ssim_convention": convention,
        "quantized": quantized,
        "crop_border": crop_border,
        "test_y_channel": test_y_channel,
        "lpips_net": lpips_net,
        "lpips_status": lpips_status,
    }


def _lpips_and_status(pred: Tensor, target: Tensor, lpips_net: str | None) -> tuple[Tensor | None, str]:
    """LPIPS for :func:`quality` and what it is: ``"off"`` (None), ``"ok"`` or ``"missing weights"`` (NaN)."""
    if lpips_net is None:
        return None, "off"
    value = lpips(pred, target, lpips_net)
    return value, "ok" if lpips_available(lpips_net) else "missing weights"


__all__ = [
    "LPIPS_NETS",
    "SSIM_CONVENTIONS",
    "SSIM_PREFERENCE",
    "check_conventions",
    "load_lpips",
    "lpips",
    "lpips_available",
    "lpips_backbone_path",
    "psnr",
    "quality",
    "quantize",
    "rgb_to_y",
    "ssim",
    "ssim_conventions",
]
