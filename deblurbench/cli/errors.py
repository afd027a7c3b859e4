"""Bad input and failures as one line on stderr and an exit code, never a traceback.

A :class:`UsageError` (bad command-line input) is printed as it is; a library error (a value
that cannot work, an unknown name, a checkpoint that does not fit, a file that cannot be read)
as ``deblurbench: error: ...``. Both exit with :data:`EXIT_USAGE`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class UsageError(Exception):
    """Bad input from the command line: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with a bad argument as one :class:`UsageError` line, not usage and a traceback."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def one_line(command: Callable[[], int]) -> int:
    """Run ``command``; its exit code, or each failure as one line on stderr and its exit code."""
    from ..models import CheckpointError
    from ..registry import UnknownNameError

    try:
        code = command()
        sys.stdout.flush()  # a closed pipe is found here, not at exit as "Exception ignored"
        return code
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as Unix tools do
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, UnknownNameError, CheckpointError, FileNotFoundError, MemoryError) as exc:
        print(f"deblurbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a place that cannot be read or written: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"deblurbench: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("deblurbench: interrupted; finished results are in the store", file=sys.stderr)
        return EXIT_INTERRUPTED


def _discard_stdout() -> None:
    """Point stdout at the null device, so the interpreter's own flush at exit has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (a test's stream): nothing to point
        pass
