"""The two names ``deblurbench/cli.py`` imports from here, until the cli package imports them itself.

The tables live in modules with one job each: :mod:`.frames` (DataFrames from the store),
:mod:`.display` (display names and frames), :mod:`.marks` (best-value ranks), :mod:`.formats`
(Markdown, LaTeX, HTML, CSV, text), :mod:`.cost`, :mod:`.quality` and :mod:`.paper` (the
tables themselves). Import from those; this module goes once cli imports ``to_text`` from
:mod:`.formats` and ``display_name`` from :mod:`.display`.
"""

from __future__ import annotations

from .display import display_name
from .formats import to_text

__all__ = ["display_name", "to_text"]
