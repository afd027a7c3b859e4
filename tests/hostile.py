"""The hostile-input table's pieces: the world of small files every case may use, and the Case row.

The table itself is ``tests/test_hostile.py``'s ``CASES`` plus the ``CASES`` of every
``tests/hostile_*.py`` module (one per topic, so that rows added side by side do not collide).

Each :class:`Case` runs against a fresh ``world`` (a few small files made here) and checks:
the exit code (or the exception type of an API call), that the error output is exactly one
line holding ``line``, and that every path in ``unchanged`` holds the same bytes afterwards
(``absent`` paths must not exist). The next hostile input is one more row. Cases that need
a store to be examined afterwards have a ``then`` check.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from deblurbench.bench.store import Store


def _png(path: Path, seed: int, fmt: str = "PNG") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format=fmt)


def make_world(root: Path) -> Path:
    """Small files every case may point at."""
    for i in range(2):
        _png(root / "pair" / "blur" / f"{i}.png", i)
        _png(root / "pair" / "sharp" / f"{i}.png", 10 + i)
    _png(root / "twin" / "blur" / "0.png", 1)
    _png(root / "twin" / "sharp" / "0.png", 1)  # byte-identical to its blurred image
    _png(root / "twin" / "blur" / "1.png", 2)
    _png(root / "twin" / "sharp" / "1.png", 3)
    _png(root / "jpeg" / "blur" / "0.png", 4, fmt="JPEG")  # a JPEG named .png
    _png(root / "jpeg" / "sharp" / "0.png", 5)
    (root / "file.txt").write_text("a regular file, not a directory\n")
    (root / "empty.txt").write_text("")
    (root / "text.pth").write_text("hello, I am not a checkpoint\n")
    (root / "big").mkdir()
    with open(root / "big" / "huge.pth", "wb") as handle:  # sparse: costs no disk
        handle.truncate(5 * 2**30)
    (root / "notutf8.toml").write_bytes('out = "r\xe9sultats"\n'.encode("latin-1"))
    db = sqlite3.connect(root / "theirs.sqlite")
    db.execute("CREATE TABLE runs (id INTEGER, what TEXT)")
    db.commit()
    db.close()
    return root


def _with_nan(x: torch.Tensor) -> torch.Tensor:
    x[0, 1, 5, 7] = math.nan
    return x


@dataclass(frozen=True)
class Case:
    """One hostile input: a CLI argv (``{w}`` is the world) or an API call, and what must follow."""

    name: str
    argv: tuple[str, ...] = ()
    call: Callable[[Path], Any] | None = None
    code: int | type[BaseException] = 2
    line: str = ""
    unchanged: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    then: Callable[[Path], None] | None = None
    stdout: Callable[[str], None] | None = None  # a check of what it printed


def _quality_rows(world: Path) -> set[str]:
    return set(Store(world / "out").frame("quality")["image_id"])


def _failures(world: Path) -> list[str]:
    return list(Store(world / "out").frame("failures")["error"])


EVALUATE = ("evaluate", "--lpips", "off", "--out", "{w}/out")
