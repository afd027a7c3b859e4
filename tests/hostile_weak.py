"""Hostile rows of the weak cases (issue 23's list): each fails before its fix."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

from hostile import Case

from deblurbench.cli import main


class SaidError(Exception):
    """A command's exit code and its stderr, raised so a row can check a command run after a set-up."""


def _after(setup: Callable[[Path], object], *argv: str, code: int = 2) -> Callable[[Path], None]:
    """A row's call: ``setup(world)``, then the command; raises :class:`SaidError` with its one stderr line."""

    def call(world: Path) -> None:
        setup(world)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            got = main([a.replace("{w}", str(world)) for a in argv])
        text = err.getvalue()
        if got == code and text.count("\n") == 1:
            raise SaidError(text.strip())
        raise AssertionError(f"exit {got}, stderr {text!r}")

    return call


def _symlink_loop(world: Path) -> None:
    (world / "wd").mkdir()
    (world / "wd" / "fftformer_GoPro.pth").symlink_to(world / "wd" / "fftformer_GoPro.pth")


CASES = [
    Case(
        "a symlink loop named like an official checkpoint is said, not listed as missing",
        call=_after(_symlink_loop, "weights", "--weights-dir", "{w}/wd", "--models", "fftformer", code=1),
        code=SaidError,
        line="fftformer_GoPro.pth: a symlink loop",
    ),
]
