"""Fixtures over the fabricated results store of ``tests/fabricated.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fabricated import fabricate, quality_rows

from deblurbench.bench.records import QualityRecord
from deblurbench.bench.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The fabricated store, in ``tmp_path/out``."""
    return fabricate(tmp_path / "out")


@pytest.fixture
def make_quality_rows() -> Callable[..., list[QualityRecord]]:
    """:func:`quality_rows`, for tests that add rows of their own."""
    return quality_rows


@pytest.fixture(scope="session")
def fabricated() -> Callable[..., Store]:
    """:func:`fabricate`, for fixtures of a wider scope."""
    return fabricate
