"""Alignment protocols: RealBlur's ECC homography and Köhler's best-frame, best-shift PSNR."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage
from skimage import data
from skimage.metrics import structural_similarity

from deblurbench.bench import align, metrics


def _to_u8(image: np.ndarray) -> np.ndarray:
    return np.floor(np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    """A 128 x 160 RGB crop, float32 in [0, 1]."""
    return data.astronaut()[100:228, 150:310].astype(np.float32) / 255


# A small homography: ~2.5 px / -1.5 px shift, a slight shear and rotation, a touch of perspective.
HOMOGRAPHY = np.array([[1.0, 0.004, 2.5], [-0.003, 1.0, -1.5], [1e-5, 0.0, 1.0]], dtype=np.float32)


def test_realblur_recovers_a_known_homography(scene: np.ndarray) -> None:
    size = (scene.shape[1], scene.shape[0])
    moved = cv2.warpPerspective(scene, HOMOGRAPHY, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    pred = _to_u8(0.9 * moved)  # also darker: the intensity matching has work to do
    target = _to_u8(scene)
    before = float(
        metrics.psnr(
            torch.from_numpy(pred).permute(2, 0, 1) / 255.0, torch.from_numpy(target).permute(2, 0, 1) / 255.0
        )[0]
    )
    psnr, ssim = align.realblur_psnr_ssim(pred, target)
    assert psnr > before + 15 and psnr > 35
    assert 0.97 < ssim <= 1
    _, _, mask, warp = align.realblur_align(pred, target)
    assert np.allclose(warp[:2], HOMOGRAPHY[:2], atol=0.1)  # the warp maps target to prediction coordinates
    assert mask.min() == 0 and mask.max() == 1  # the shifted border is masked out


def test_realblur_accepts_tensors_like_arrays(scene: np.ndarray) -> None:
    pred = _to_u8(ndimage.shift(scene, (1.0, -2.0, 0), order=1, mode="nearest"))
    target = _to_u8(scene)
    from_arrays = align.realblur_psnr_ssim(pred, target)
    from_tensors = align.realblur_psnr_ssim(
        torch.from_numpy(pred).permute(2, 0, 1).float() / 255,
        torch.from_numpy(target).permute(2, 0, 1)[None] / 255.0,
    )
    assert from_arrays == pytest.approx(from_tensors, abs=1e-9)


def test_realblur_identical_images(scene: np.ndarray) -> None:
    psnr, ssim = align.realblur_psnr_ssim(scene, scene)
    assert psnr > 60 and ssim == pytest.approx(1.0, abs=1e-6)


def test_realblur_masked_ssim_is_scikit_image_with_a_full_mask(scene: np.ndarray) -> None:
    """With nothing masked, the masked, 5-pixel-cropped mean is scikit-image's own mean SSIM."""
    other = np.clip(scene + 0.05 * np.sin(np.arange(scene.size)).reshape(scene.shape), 0, 1).astype(
        np.float32
    )
    mask = np.ones_like(scene)
    expected = structural_similarity(
        scene.astype(np.float64),
        other.astype(np.float64),
        channel_axis=2,
        gaussian_weights=True,
        use_sample_covariance=False,
        data_range=1.0,
    )
    assert align._masked_ssim(scene, other, mask) == pytest.approx(expected, abs=1e-12)


def test_realblur_failure_is_a_one_line_error() -> None:
    flat = np.full((48, 48, 3), 0.5, dtype=np.float32)
    noise = np.random.RandomState(0).rand(48, 48, 3).astype(np.float32)
    with pytest.raises(RuntimeError, match="ECC alignment failed") as info:
        align.realblur_psnr_ssim(noise, flat)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="differ in shape"):
        align.realblur_psnr_ssim(flat, flat[:40])


def _blurred(image: np.ndarray, length: int) -> np.ndarray:
    return ndimage.uniform_filter1d(image, size=length, axis=1, mode="nearest")


def test_kohler_picks_the_right_frame_and_shift(scene: np.ndarray) -> None:
    """Frames along a shaky exposure: different blur and position; the prediction is frame 2, moved and darker.

    The intensity is matched before the shift is found (as in ``eval_image.m``), so a
    large shift biases the scale factor; the test keeps it small, as for a real result.
    """
    frames = [
        np.roll(_blurred(scene, length), shift, axis=(0, 1))
        for length, shift in [(9, (0, 0)), (5, (2, 1)), (1, (-1, 3)), (3, (4, -2))]
    ]
    frames_u8 = [_to_u8(f) for f in frames]
    pred = _to_u8(0.85 * np.roll(frames[2], (2, -1), axis=(0, 1)))
    best, index = align.kohler_psnr(pred, frames_u8)
    assert index == 2
    others = [
        align.kohler_frame_psnr(pred.astype(float), f.astype(float))[0]
        for i, f in enumerate(frames_u8)
        if i != 2
    ]
    assert best > max(others) + 5
    _, shift = align.kohler_frame_psnr(pred.astype(float), frames_u8[2].astype(float))
    assert shift == (-2, 1)  # the shift that registers the prediction onto the frame
    stacked = torch.from_numpy(np.stack(frames_u8)).permute(0, 3, 1, 2).float() / 255
    assert align.kohler_psnr(torch.from_numpy(pred).permute(2, 0, 1) / 255.0, stacked) == pytest.approx(
        (best, 2)
    )


def test_kohler_psnr_is_on_luminance_over_the_whole_image(scene: np.ndarray) -> None:
    """No shift, no scaling: plain 0-255 PSNR of Y = 0.299 R + 0.587 G + 0.114 B."""
    target = _to_u8(scene).astype(np.float64)
    pred = target.copy()
    pred[10:20, 10:20, 0] += 30  # a red patch: luminance error 0.299 * 30
    scale = np.sum(target * pred) / np.sum(pred * pred)
    y = (scale * pred - target) @ np.array([0.299, 0.587, 0.114])
    expected = 10 * np.log10(255**2 / np.mean(y**2))
    value, shift = align.kohler_frame_psnr(pred, target)
    assert shift == (0, 0) and value == pytest.approx(expected, rel=1e-12)


def test_kohler_bad_inputs(scene: np.ndarray) -> None:
    with pytest.raises(ValueError, match="at least one"):
        align.kohler_psnr(scene, [])
    with pytest.raises(ValueError, match="differ in shape"):
        align.kohler_psnr(scene, [scene[:100]])
    with pytest.raises(ValueError, match="outside"):
        align.kohler_psnr(scene * 2, [scene])
