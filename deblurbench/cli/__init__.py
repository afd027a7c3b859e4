"""``deblurbench`` sub-commands. Thin: parse, call the library, print.

Every command that prints a table takes ``--format table|json|csv``; with json
or csv nothing but the data goes to stdout. Bad input gives one line on stderr
naming the value and what is allowed, and exit code 2.

One module per command (``train``'s is :mod:`deblurbench.train.cli`), each with an
``add_parser(sub)`` that adds its parser (flags from the options' declarations, see
:mod:`deblurbench.options`) and sets ``func``: a function that maps the arguments to one
library call and prints. :data:`COMMANDS` lists them in ``--help`` order; they are imported
when the parser is built, so that no command module (nor ``train``) is imported with this
package. Errors and exit codes: :mod:`.errors`; shared arguments and printing: :mod:`.args`.
"""

from __future__ import annotations

import argparse
import gc
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

from .errors import EXIT_USAGE, Parser, UsageError, one_line

# "module:function adding the command's parser", in --help order
COMMANDS = (
    "deblurbench.cli.models:add_parser",
    "deblurbench.cli.complexity:add_parser",
    "deblurbench.cli.latency:add_parser",
    "deblurbench.cli.datasets:add_parser",
    "deblurbench.cli.synth:add_parser",
    "deblurbench.cli.evaluate:add_parser",
    "deblurbench.cli.run:add_parser",
    "deblurbench.cli.report:add_parser",
    "deblurbench.cli.claims:add_parser",
    "deblurbench.cli.weights:add_parser",
    "deblurbench.train.cli:add_train_parser",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    from ..version import __version__

    parser = Parser(prog="deblurbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"deblurbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for entry in COMMANDS:
        module, _, function = entry.partition(":")
        getattr(import_module(module), function)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deblurbench`` console script."""

    def command() -> int:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)

    previous = warnings.formatwarning
    warnings.formatwarning = _one_line_warning(previous)
    try:
        return one_line(command)
    finally:
        warnings.formatwarning = previous


def console() -> None:
    """The ``deblurbench`` console script and ``python -m deblurbench``: :func:`main`, then exit with its code.

    The process ends here, so what is alive now is frozen out of the garbage collector first: the
    interpreter's collections at exit would walk every object of torch, torch._dynamo and pandas
    (about a CPU-second a process, every torchrun rank included) only to free memory the process
    hands back anyway. Exit handlers still run and objects are still released by reference count;
    only garbage held in reference cycles is left unfinalised, so nothing may need a collection to
    close: what must close at exit registers an exit handler (the store: ``Store._connected``).
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _one_line_warning(fallback: Callable[..., str]) -> Callable[..., str]:
    """Our own warnings (a plugin that failed to load, ...) as their one line, without file and source line."""

    def format_warning(message: Warning | str, category: type[Warning], *rest: Any, **kw: Any) -> str:
        text = str(message)
        return f"{text}\n" if text.startswith("deblurbench") else fallback(message, category, *rest, **kw)

    return format_warning


__all__ = ["COMMANDS", "EXIT_USAGE", "UsageError", "build_parser", "console", "main"]
