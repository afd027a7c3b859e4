"""The input sizes the field reports at, declared once.

Deblurring papers give parameters and MACs at a 256x256 crop and run GoPro's full 720x1280
frames; the report's headline table, the runner's defaults and the claims check read these.
"""

from __future__ import annotations

Size = tuple[int, int]

HEADLINE: Size = (256, 256)  # MACs and latency in the headline table; comparisons with no stated size
LARGE: Size = (720, 1280)  # a GoPro frame (H x W): the large size of the report
# where a published cost that states no size is sought (one size per printed table): the sizes the
# field reports at first, the others only where neither fits any figure of the table
SEARCH_TIERS: tuple[tuple[Size, ...], ...] = ((HEADLINE, LARGE), ((512, 512), (1024, 1024)))
SEARCH: tuple[Size, ...] = tuple(size for tier in SEARCH_TIERS for size in tier)


def label(size: Size) -> str:
    """``(720, 1280)`` -> ``'720x1280'``."""
    return f"{size[0]}x{size[1]}"
