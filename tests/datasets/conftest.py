"""Fake dataset trees in the real layouts, made of tiny PNGs written by the tests themselves."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


class Fakes:
    """Writers for tiny images (good and broken) and for whole fake dataset trees."""

    def __init__(self) -> None:
        self._count = 0

    def pixels(self, height: int = 6, width: int = 8) -> np.ndarray:
        """Distinct random uint8 RGB pixels for every call."""
        self._count += 1
        return np.random.default_rng(self._count).integers(0, 256, (height, width, 3), dtype=np.uint8)

    def png(
        self, path: Path, pixels: np.ndarray | None = None, *, height: int = 6, width: int = 8
    ) -> np.ndarray:
        """Write an 8-bit RGB PNG; returns its pixels."""
        pixels = self.pixels(height, width) if pixels is None else pixels
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(path)
        return pixels

    def pair(
        self, blur: Path, sharp: Path, *, height: int = 6, width: int = 8
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.png(blur, height=height, width=width), self.png(sharp, height=height, width=width)

    # broken files ------------------------------------------------------------------------
    @staticmethod
    def truncate(path: Path, keep: float = 0.6) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    def grey(self, path: Path, height: int = 6, width: int = 8) -> None:
        Image.fromarray(self.pixels(height, width)[..., 0]).save(path)

    def rgba(self, path: Path, *, opaque: bool, height: int = 6, width: int = 8) -> np.ndarray:
        rgb = self.pixels(height, width)
        alpha = np.full((height, width, 1), 255, np.uint8)
        if not opaque:
            alpha[0, 0, 0] = 10
        Image.fromarray(np.concatenate([rgb, alpha], axis=2), mode="RGBA").save(path)
        return rgb

    @staticmethod
    def png16(path: Path, height: int = 6, width: int = 8) -> None:
        """A 16-bit RGB PNG written by hand (Pillow cannot write one): Pillow reads it as mode RGB."""
        data = np.random.default_rng(99).integers(0, 65536, (height, width, 3)).astype(">u2")
        raw = b"".join(b"\x00" + data[y].tobytes() for y in range(height))

        def chunk(tag: bytes, body: bytes) -> bytes:
            return (
                struct.pack(">I", len(body))
                + tag
                + body
                + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
            )

        header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
        path.write_bytes(
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )

    # trees ------------------------------------------------------------------------------
    def gopro(self, root: Path, scenes: dict[str, int] | None = None, split: str = "test") -> Path:
        """GOPRO_Large/<split>/<scene>/{blur,blur_gamma,sharp}/000001.png ..."""
        for scene, count in (scenes or {"GOPR0384_11_00": 2, "GOPR0385_11_01": 2}).items():
            for i in range(1, count + 1):
                for folder in ("blur", "blur_gamma", "sharp"):
                    self.png(root / split / scene / folder / f"{i:06d}.png")
        return root

    def hide(self, root: Path) -> Path:
        """HIDE_dataset with 2 close-ups, 1 long-shot and 1 training pair (GT holds all four)."""
        names = {
            "test/test-close-ups": ["1fromGOPR0950", "2fromGOPR0950"],
            "test/test-long-shot": ["7fromGOPR1081"],
        }
        names["train"] = ["3fromGOPR0972"]
        for folder, stems in names.items():
            for stem in stems:
                self.pair(root / folder / f"{stem}.png", root / "GT" / f"{stem}.png")
        return root

    def realblur(
        self, root: Path, letter: str = "J", scenes: tuple[str, ...] = ("scene230", "scene050")
    ) -> Path:
        """The official list file (with the trailing spaces) and its images."""
        folder = {
            "J": "RealBlur-J_ECC_IMCORR_centroid_itensity_ref",
            "R": "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref",
        }[letter]
        lines = []
        for scene in scenes:
            for k in (7, 2):
                gt, blur = f"{folder}/{scene}/gt/gt_{k}.png", f"{folder}/{scene}/blur/blur_{k}.png"
                self.pair(root / blur, root / gt)
                lines.append(f"{gt} {blur} ")
        (root / f"RealBlur_{letter}_test_list.txt").write_text("\n".join(lines) + "\n\n")
        return root

    def kohler(
        self,
        root: Path,
        shots: tuple[tuple[int, int], ...] = ((1, 1), (1, 2)),
        frames: int = 5,
        flat: bool = False,
    ) -> Path:
        """Blurry<i>_<j>.png in the root; GroundTruth<i>_<j>_<k>.png under Image<i>/Kernel<j>/ (or flat)."""
        for i, j in shots:
            self.png(root / f"Blurry{i}_{j}.png")
            where = root if flat else root / f"Image{i}" / f"Kernel{j}"
            for k in range(1, frames + 1):
                self.png(where / f"GroundTruth{i}_{j}_{k}.png")
        return root


@pytest.fixture
def fake() -> Fakes:
    return Fakes()


def as_uint8(tensor) -> np.ndarray:
    return (tensor.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


@pytest.fixture
def to_uint8():
    return as_uint8
