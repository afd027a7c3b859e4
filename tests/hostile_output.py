"""Hostile rows for broken output and tracebacks (issue 23): strict JSON, --out, --config, store faults."""

from __future__ import annotations

import json
from typing import Any

from hostile import Case


def _no_constant(token: str) -> Any:
    raise ValueError(f"not strict JSON: {token}")


def strict(text: str) -> Any:
    """``text`` parsed as strict JSON: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=_no_constant)


def _identical_psnr_is_null_with_a_note(text: str) -> None:
    rows = strict(text)
    assert rows and all(r["psnr"] is None and r["psnr_note"] == "infinite: identical images" for r in rows)


CASES = [
    Case(
        "evaluate --format json of outputs identical to the sharp images: strict JSON, psnr null with a note",
        (
            "evaluate",
            "--lpips",
            "off",
            "--out",
            "{w}/out",
            "--outputs",
            "same={w}/pair/sharp",
            "--dataset",
            "folder",
            "--blur",
            "{w}/pair/blur",
            "--sharp",
            "{w}/pair/sharp",
            "--format",
            "json",
        ),
        code=0,
        stdout=_identical_psnr_is_null_with_a_note,
    ),
]
