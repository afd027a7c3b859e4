"""What several commands share: --models, --size, --format, KEY=VALUE options, the dataset
source flags, the store an --out names, and printing a table or its JSON records."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bench.store import Store
from ..config import MODELS_HELP, RunConfig
from ..options import add_arguments, build, given, integer, key_values, option, optional, path, same_as, text
from ..sizes import HEADLINE, Size, label, parse_size
from .errors import UsageError

FORMATS = ("table", "json", "csv")
SubParsers = Any  # argparse's private _SubParsersAction


def add_format(p: argparse.ArgumentParser, formats: Sequence[str] = FORMATS) -> None:
    """``--format table|json|csv``: a table for people, or the data alone on stdout."""
    p.add_argument("--format", choices=formats, default=formats[0], help="output format")


def add_models(p: argparse.ArgumentParser, help: str = MODELS_HELP, plugins: bool = True) -> None:
    """``--models a,b --models c``, and (``plugins``) ``--plugins``: the plugins' networks too by default."""
    p.add_argument("--models", action="append", help=help)
    if plugins:
        add_arguments(p, RunConfig, "plugins")


def add_sizes(p: argparse.ArgumentParser) -> None:
    """``--size HxW``, repeatable."""
    p.add_argument("--size", action="append", help=f"HxW, repeatable (default {label(HEADLINE)})")


def names_arg(values: list[str] | None) -> list[str]:
    """``--models a,b --models c`` -> ``['a', 'b', 'c']``; ``--models ""`` is an error, not "all"."""
    from ..options import names

    chosen = names(values)
    if values is not None and not chosen:
        raise UsageError(
            f"--models {' '.join(map(repr, values))}: no names; name networks (e.g. --models lmfn), "
            "or leave --models out to mean every one"
        )
    return chosen


def models_arg(args: argparse.Namespace) -> list[str]:
    """The networks --models names, each checked and under its registry name (``spandrel:PATH`` ->
    ``spandrel:ABSPATH@SHA12``); default, or ``all``: the built-in ones, and with --plugins the
    plugins' too. A reference method has nothing to count."""
    from ..bench.references import is_reference
    from ..models import get_spec, list_models

    chosen = names_arg(args.models)
    if not chosen or chosen == ["all"]:
        return list_models(plugins=given(RunConfig, args).get("plugins", False))
    for name in chosen:
        if is_reference(name):
            raise UsageError(
                f"--models {name}: {name} is a reference method, not a network: it has no parameters, "
                "MACs or latency to measure ('deblurbench evaluate' scores it)"
            )
    return [get_spec(name).name for name in chosen]  # raises with the nearest names


def checked_grid(args: argparse.Namespace) -> tuple[list[str], list[Size]]:
    """The networks and sizes of --models / --size, every pair checked before any work."""
    from ..runner import check_size

    models = models_arg(args)
    sizes = [parse_size(v) for v in args.size] if args.size else [HEADLINE]
    for model in models:
        for size in sizes:
            check_size(model, size)
    return models, sizes


def _dataset_options(items: list[str] | None) -> dict[str, Any]:
    return key_values(items, "--opt", "part=long-shot")


@dataclass(frozen=True)
class DatasetSource:
    """Which copy of a dataset and which of its pairs: the flags ``evaluate`` and ``datasets check`` share."""

    root: Path | None = option(
        None,
        optional(path),
        "a directory path",
        help="your copy of the dataset (not for synthetic)",
        flag="--root",
    )
    split: str = option("test", text, "a split name", help="split (default {default})", flag="--split")
    blur: str | None = option(
        None,
        optional(text),
        "a folder, or a GoPro variant",
        help="folder: the blurred images' folder; gopro: blur or blur_gamma",
        flag="--blur",
    )
    sharp: str | None = option(
        None, optional(text), "a folder", help="folder: the sharp images' folder", flag="--sharp"
    )
    opt: dict[str, Any] = option(
        dict,
        dict,
        "dataset options KEY=VALUE",
        help="dataset option KEY=VALUE, repeatable (e.g. part=long-shot)",
        flag="--opt",
        cli=_dataset_options,
    )
    limit: int | None = option(
        None, optional(integer(1)), "an integer >= 1", help="only the first N pairs", flag="--limit"
    )

    @classmethod
    def add_arguments(cls, p: argparse.ArgumentParser) -> None:
        """--root, --split, --blur, --sharp, --opt and --limit."""
        add_arguments(p, cls)

    @classmethod
    def of(cls, args: argparse.Namespace) -> DatasetSource:
        """The source the parsed flags name."""
        return build(cls, given(cls, args))

    def options(self) -> dict[str, Any]:
        """The dataset's own options: ``--opt``'s, then ``--blur`` and ``--sharp`` where given."""
        named = {"blur": self.blur, "sharp": self.sharp}
        return {**self.opt, **{k: v for k, v in named.items() if v is not None}}

    def open(self, name: str) -> Any:
        """Dataset ``name`` from this source, validated on open."""
        from ..datasets import open_dataset

        return open_dataset(name, root=self.root, split=self.split, limit=self.limit, **self.options())

    def check(self, name: str, decode: bool) -> Any:
        """Dataset ``name``'s copy validated, every problem listed (a :class:`CheckReport`)."""
        from ..datasets import check_dataset

        return check_dataset(
            name, root=self.root, split=self.split, decode=decode, limit=self.limit, **self.options()
        )


@dataclass(frozen=True)
class Output:
    """``--out DIR``: the output directory holding the results store (``evaluate``, ``report``)."""

    out: Path = same_as(
        RunConfig,
        "out",
        help=f"output directory holding {Store.FILENAME} (default ./{{default}})",
        flag="--out",
    )

    @classmethod
    def of(cls, args: argparse.Namespace) -> Path:
        """The directory --out names (default ./deblurbench-out)."""
        return build(cls, given(cls, args)).out


def existing_store(out: Path) -> Any:
    """The store of an output directory that must already hold one (read, never created)."""
    from ..jobs import open_store

    if not (out / Store.FILENAME).is_file():
        what = "no such directory" if not out.is_dir() else f"no {Store.FILENAME} in it"
        raise UsageError(f"--out {out}: {what}; run 'deblurbench run --out {out}' first, or leave --out out")
    return open_store(out)


def records(frame: Any) -> list[dict[str, Any]]:
    """A frame as records for :func:`print_json`: a missing cell (NaN) as None; an infinity stays, for its note."""
    if frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


#: why a non-finite value of a named field is null in JSON (any other: what the number was)
_NOTES = {("psnr", math.inf): "infinite: identical images"}


def _note(key: str, value: float) -> str:
    """Why ``value`` (not finite) is written as null."""
    if math.isnan(value):
        return "not a number"
    return _NOTES.get((key, value), "infinite" if value > 0 else "negative infinite")


def _plain(value: Any) -> Any:
    """``value`` as strict-JSON data: numpy scalars as Python ones, a non-finite number as None."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            item = item.item() if hasattr(item, "item") and getattr(item, "ndim", None) == 0 else item
            if isinstance(item, float) and not math.isfinite(item):
                out[str(key)] = None
                out[f"{key}_note"] = _note(str(key), item)
            else:
                out[str(key)] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_text(data: Any) -> str:
    """``data`` as strict JSON (no NaN or Infinity tokens): the one way a command writes ``--format json``."""
    return json.dumps(_plain(data), indent=2, default=str, allow_nan=False)


def print_json(data: Any) -> None:
    """Print ``data`` as strict JSON on stdout (see :func:`json_text`)."""
    print(json_text(data))


def table_text(frame: Any) -> str:
    """A frame as a text table, numbers to 4 significant digits."""
    from ..reports.formats import to_text

    return to_text(frame, "table", floatfmt=".4g")


def emit(rows: list[dict[str, Any]], table: Any, fmt: str) -> None:
    """``rows`` as JSON (``--format json``), or ``table`` as a text table or CSV."""
    from ..reports.formats import to_text

    if fmt == "json":
        print_json(rows)
    else:
        print(to_text(table, fmt, floatfmt=".4g"), end="" if fmt == "csv" else "\n")
