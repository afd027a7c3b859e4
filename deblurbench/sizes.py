"""The input sizes the field reports at, declared once, and how a size is written and read.

Deblurring papers give parameters and MACs at a 256x256 crop and run GoPro's full 720x1280
frames; the report's headline table, the runner's defaults and the claims check read these.
"""

from __future__ import annotations

import re
from typing import Any

Size = tuple[int, int]

HEADLINE: Size = (256, 256)  # MACs and latency in the headline table; comparisons with no stated size
LARGE: Size = (720, 1280)  # a GoPro frame (H x W): the large size of the report
# where a published cost that states no size is sought (one size per printed table): the sizes the
# field reports at first, the others only where neither fits any figure of the table
SEARCH_TIERS: tuple[tuple[Size, ...], ...] = ((HEADLINE, LARGE), ((512, 512), (1024, 1024)))
SEARCH: tuple[Size, ...] = tuple(size for tier in SEARCH_TIERS for size in tier)

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX×,]\s*(\d+))?\s*$")


def label(size: Size) -> str:
    """``(720, 1280)`` -> ``'720x1280'``."""
    return f"{size[0]}x{size[1]}"


def pixels(size: Size) -> int:
    """``(720, 1280)`` -> 921600: how much work a size is next to another."""
    return size[0] * size[1]


def parse_size(text: str | int | Size | list[int]) -> Size:
    """``'256x256'``, ``'720x1280'``, ``'256'`` (square) or ``(H, W)`` -> ``(H, W)``."""
    if isinstance(text, (tuple, list)) and len(text) == 2 and all(_is_int(v) for v in text):
        height, width = int(text[0]), int(text[1])
    elif _is_int(text):
        height = width = int(text)
    else:
        match = _SIZE.match(str(text))
        if not match:
            raise ValueError(
                f"size {text!r} is malformed: expected HxW such as {label(HEADLINE)} or {label(LARGE)}"
            )
        height = int(match.group(1))
        width = int(match.group(2) or match.group(1))
    if height < 1 or width < 1:
        raise ValueError(f"size {text!r}: height and width must be positive")
    return height, width


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
