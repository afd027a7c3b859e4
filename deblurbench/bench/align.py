"""Alignment protocols of the real-blur benchmarks: RealBlur (ECC homography) and Köhler (best frame, shift).

RealBlur: the RealBlur repository's ``evaluation_RealBlur_ecc.py`` (reused as
``evaluate_RealBlur.py`` by MPRNet and Restormer), step by step in numpy/OpenCV:
scale the prediction's intensity to the ground truth, estimate a homography from
the grey ground truth to the grey prediction with ``cv2.findTransformECC``
(100 iterations, eps 0, Gaussian filter size 5), warp the prediction (cubic,
inverse map, reflect border) and an all-ones mask (nearest, constant 0), then PSNR
over the valid pixels and SSIM (scikit-image, Gaussian window) masked, cropped by
5 pixels and normalised by the mask. The official script pins scikit-image 0.17.2,
which computed SSIM in float64; it is given float64 here for the same reason.

Köhler et al. (ECCV 2012), ``eval_image.m``: for each recorded sharp frame, scale
the intensity, find an integer translation by cross-correlation of the channel
means (``dftregistration`` with upsampling 1; here scikit-image's
``phase_cross_correlation`` with ``normalization=None``, the same plain
correlation), shift the prediction and a ones mask with zero fill, mask the frame,
and take PSNR on the 0-255 scale of the luminance (``metrix_mux`` converts RGB to
Y = 0.299 R + 0.587 G + 0.114 B; its MSE averages over every pixel, masked ones
included). The image's score is the best frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

_ECC_ITERATIONS = 100
_ECC_GAUSS_SIZE = 5
_SSIM_PAD = 5  # (win_size - 1) // 2 with win_size = 2 * int(3.5 * 1.5 + 0.5) + 1
_KOHLER_LUMA = (0.299, 0.587, 0.114)


def _to_hwc(image: np.ndarray | torch.Tensor, name: str, dtype: type) -> np.ndarray:
    """An RGB image as an H x W x 3 numpy array in [0, 1] of ``dtype``.

    Accepts a tensor (3, H, W) or (1, 3, H, W) in [0, 1], or an array H x W x 3
    (uint8, or float in [0, 1]).
    """
    if isinstance(image, torch.Tensor):
        t = image.detach()
        if t.dim() == 4 and t.shape[0] == 1:
            t = t[0]
        if t.dim() != 3 or t.shape[0] != 3:
            raise ValueError(f"{name}: expected a tensor (3, H, W), got {tuple(image.shape)}")
        array = t.permute(1, 2, 0).cpu().numpy()
    else:
        array = np.asarray(image)
        if array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"{name}: expected an array (H, W, 3), got {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(dtype) / dtype(255)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name}: dtype {array.dtype}; expected uint8 or float in [0, 1]")
    if not (array.min() >= 0 and array.max() <= 1):
        raise ValueError(f"{name}: values outside [0, 1]")
    return array.astype(dtype)


def _intensity_match(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``z`` scaled by the least-squares factor onto ``x``: (sum x z / sum z z) z."""
    zz = np.sum(z * z)
    if zz == 0:
        raise ValueError("prediction is all zeros: no intensity to match")
    return (np.sum(x * z) / zz) * z


def realblur_align(
    pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """RealBlur's ``image_align``: (warped prediction, masked target, mask, 3x3 warp), float32 H x W x 3."""
    z = _to_hwc(pred, "pred", np.float32)
    x = _to_hwc(target, "target", np.float32)
    if z.shape != x.shape:
        raise ValueError(f"pred {z.shape} and target {x.shape} differ in shape")
    zs = _intensity_match(z, x)
    warp = _ecc_homography(x, zs)
    zr, cr = _warp_with_mask(zs, warp)
    return zr * cr, x * cr, cr, warp


def _ecc_homography(x: np.ndarray, zs: np.ndarray) -> np.ndarray:
    """The script's ECC homography from grey ``x`` (ground truth) to grey ``zs`` (scaled prediction);
    RuntimeError, one line, when it does not converge."""
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, _ECC_ITERATIONS, 0)
    try:
        _, warp = cv2.findTransformECC(
            cv2.cvtColor(x, cv2.COLOR_RGB2GRAY),
            cv2.cvtColor(zs, cv2.COLOR_RGB2GRAY),
            np.eye(3, dtype=np.float32),
            cv2.MOTION_HOMOGRAPHY,
            criteria,
            None,
            _ECC_GAUSS_SIZE,
        )
    except cv2.error as err:
        message = " ".join(str(err).split())
        raise RuntimeError(f"ECC alignment failed: {message}") from None
    return warp


def _warp_with_mask(zs: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``zs`` warped by the inverse of ``warp`` (cubic, reflect border) and the mask of pixels it covers."""
    import cv2

    size = (zs.shape[1], zs.shape[0])
    zr = cv2.warpPerspective(
        zs, warp, size, flags=cv2.INTER_CUBIC + cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )
    cr = cv2.warpPerspective(
        np.ones_like(zs, dtype=np.float32),
        warp,
        size,
        flags=cv2.INTER_NEAREST + cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return zr, cr


def _masked_psnr(target: np.ndarray, pred: np.ndarray, mask: np.ndarray) -> float:
    err = np.sum((target - pred) ** 2, dtype=np.float64) / np.sum(mask)
    return float(10 * np.log10(1.0 / err)) if err > 0 else float("inf")


def _masked_ssim(target: np.ndarray, pred: np.ndarray, mask: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    _, ssim_map = structural_similarity(
        target.astype(np.float64),
        pred.astype(np.float64),
        channel_axis=2,
        gaussian_weights=True,
        use_sample_covariance=False,
        data_range=1.0,
        full=True,
    )
    p = _SSIM_PAD
    ssim_map = (ssim_map * mask)[p:-p, p:-p]
    per_channel = ssim_map.sum(axis=(0, 1)) / mask[p:-p, p:-p].sum(axis=(0, 1))
    return float(np.mean(per_channel))


def realblur_psnr_ssim(
    pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor
) -> tuple[float, float]:
    """PSNR and SSIM after RealBlur's ECC alignment, as the official script computes them.

    ``pred`` and ``target``: RGB, tensor (3, H, W) or array H x W x 3, in [0, 1] or
    uint8; pass the 8-bit output (the script reads PNGs). Raises RuntimeError when
    ECC does not converge.
    """
    zr, xr, cr, _ = realblur_align(pred, target)
    return _masked_psnr(xr, zr, cr), _masked_ssim(xr, zr, cr)


def _shift_zero(image: np.ndarray, shift: Sequence[int]) -> np.ndarray:
    """``image`` moved by integer (rows, cols), vacated pixels 0: out[r + dr, c + dc] = image[r, c]."""
    out = np.zeros_like(image)
    dr, dc = shift
    h, w = image.shape[:2]
    if abs(dr) >= h or abs(dc) >= w:
        return out
    src_r = slice(max(0, -dr), h - max(0, dr))
    dst_r = slice(max(0, dr), h - max(0, -dr))
    src_c = slice(max(0, -dc), w - max(0, dc))
    dst_c = slice(max(0, dc), w - max(0, -dc))
    out[dst_r, dst_c] = image[src_r, src_c]
    return out


def kohler_frame_psnr(pred: np.ndarray, frame: np.ndarray) -> tuple[float, tuple[int, int]]:
    """Köhler PSNR of a 0-255 float64 prediction against one 0-255 float64 sharp frame, and the shift used."""
    from skimage.registration import phase_cross_correlation

    zs = _intensity_match(pred, frame)
    shift, _, _ = phase_cross_correlation(
        frame.mean(axis=2), zs.mean(axis=2), upsample_factor=1, normalization=None
    )
    shift_rc = (int(np.rint(shift[0])), int(np.rint(shift[1])))
    mask = _shift_zero(np.ones_like(zs), shift_rc)
    zr = _shift_zero(zs, shift_rc)
    xr = frame * mask
    luma = np.asarray(_KOHLER_LUMA)
    mse = np.mean((xr @ luma - zr @ luma) ** 2)
    return (float(10 * np.log10(255.0**2 / mse)) if mse > 0 else float("inf")), shift_rc


def kohler_psnr(
    pred: np.ndarray | torch.Tensor, frames: Sequence[np.ndarray | torch.Tensor] | np.ndarray | torch.Tensor
) -> tuple[float, int]:
    """Köhler benchmark PSNR: the best over the recorded sharp ``frames``, and that frame's index.

    ``pred``: RGB, tensor (3, H, W) or array H x W x 3 (uint8, or float in [0, 1]);
    pass the 8-bit output, as the benchmark's script requires uint8. ``frames``: a
    sequence of such images, an array (F, H, W, 3) or a tensor (F, 3, H, W).
    """
    z = _to_hwc(pred, "pred", np.float64) * 255.0
    if len(frames) == 0:
        raise ValueError("kohler_psnr needs at least one sharp frame")
    best, best_index = -np.inf, -1
    for index, frame in enumerate(frames):
        x = _to_hwc(frame, f"frames[{index}]", np.float64) * 255.0
        if x.shape != z.shape:
            raise ValueError(f"frames[{index}] {x.shape} and pred {z.shape} differ in shape")
        value, _ = kohler_frame_psnr(z, x)
        if value > best:
            best, best_index = value, index
    return float(best), best_index


__all__ = ["kohler_frame_psnr", "kohler_psnr", "realblur_align", "realblur_psnr_ssim"]
