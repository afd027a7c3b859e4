"""Which registered network a checkpoint is: its keys and shapes against every network's, built on meta.

Every registered network is built once per process on the meta device (no memory) for its
state-dict keys and shapes. A file is read as :func:`~.checkpoint.read_checkpoint` reads it for
loading (zip files memory-mapped, so listing shapes reads no weights); a folder through the
folder readers of the networks that have one (DMPHN's per-module files). Verdicts:

- **exact**: same keys, same shapes (every such network is named: twins such as NAFNet and its
  TLC name share a state dict);
- **fits**: no registered configuration matches, but the nearest network built with other
  integer constructor options (the ``--model-opt`` ones, e.g. ``width=16``) matches exactly;
- **nearest**: the network with the most key names in common (as a share of the names in either),
  then the fewest missing + unexpected + mis-shaped keys, then the larger fraction of its
  parameter elements matched; with the counts and example keys;
- **none**: no network shares a single key name with the file.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint import CheckpointError, drop_instance_norm_stats, read_checkpoint
from .registry import check_checkpoint_files, create_model, get_spec, list_models

EXACT, FITS, NEAREST, NONE, UNREADABLE = "exact", "fits", "nearest", "none", "unreadable"
EXAMPLES = 3  # example keys shown per kind of mismatch
MAX_ROUNDS = 3  # options changed one at a time, at most this many in all

Shape = tuple[int, ...]
Shapes = dict[str, Shape]
Options = tuple[tuple[str, int], ...]  # constructor overrides, hashable for the build cache


@functools.cache
def _built(name: str, options: Options = ()) -> nn.Module | None:
    """``name`` built on the meta device with ``options`` (None if its constructor refuses them)."""
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a trial value may give zero-sized layers, which torch warns of
            return create_model(name, **dict(options))
    except (TypeError, ValueError, RuntimeError, ZeroDivisionError, AssertionError, IndexError, KeyError):
        return None


def network_shapes(name: str, options: Options = ()) -> Shapes | None:
    """The state-dict keys and shapes of ``name`` built with ``options``; None if it cannot be built so."""
    model = _built(name, options)
    return None if model is None else {k: tuple(v.shape) for k, v in model.state_dict().items()}


@dataclass(frozen=True)
class Comparison:
    """One network (with constructor ``options``) against a checkpoint's keys and shapes."""

    network: str
    options: Options
    missing: tuple[str, ...]  # the network's keys the file lacks
    unexpected: tuple[str, ...]  # the file's keys the network lacks
    misshaped: tuple[str, ...]  # "key (file shape) vs (network shape)"
    shared_keys: int  # the network's keys the file holds, whatever their shape
    matched_elements: int  # parameter and buffer elements of the keys that match in name and shape
    network_elements: int

    @property
    def mismatches(self) -> int:
        """Missing + unexpected + mis-shaped keys: the nearest network has the fewest."""
        return len(self.missing) + len(self.unexpected) + len(self.misshaped)

    @property
    def exact(self) -> bool:
        """Same keys and same shapes."""
        return self.mismatches == 0

    @property
    def fraction(self) -> float:
        """The share of the network's elements whose key and shape the file has (ties between nearest)."""
        return self.matched_elements / self.network_elements if self.network_elements else 0.0

    @property
    def overlap(self) -> float:
        """Key names in common over key names in either (1: the same names, 0: none in common)."""
        either = len(self.missing) + len(self.unexpected) + self.shared_keys
        return self.shared_keys / either if either else 0.0

    def rank(self) -> tuple[float, int, float, str, Options]:
        """Sort key: the most key names in common (as a share of both), then the fewest mismatches,
        then the largest matched fraction, then the name.

        Mismatches alone would make a small unrelated network (a few missing keys, the file's all
        unexpected) nearer than the network the file is a variant of.
        """
        return (-self.overlap, self.mismatches, -self.fraction, self.network, self.options)

    def as_dict(self) -> dict[str, Any]:
        """Plain values: counts, example keys of each kind and the matched fraction."""
        return {
            "network": self.network,
            "options": dict(self.options),
            "missing": len(self.missing),
            "unexpected": len(self.unexpected),
            "misshaped": len(self.misshaped),
            "key_overlap": round(self.overlap, 6),
            "matched_fraction": round(self.fraction, 6),
            "missing_examples": list(self.missing[:EXAMPLES]),
            "unexpected_examples": list(self.unexpected[:EXAMPLES]),
            "misshaped_examples": list(self.misshaped[:EXAMPLES]),
        }


def compare(name: str, state: Shapes, options: Options = ()) -> Comparison | None:
    """``state`` against network ``name`` built with ``options`` (None if it cannot be built so).

    InstanceNorm running statistics that the network keeps none of are ignored, as loading does.
    """
    model = _built(name, options)
    if model is None:
        return None
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    state, _ = drop_instance_norm_stats(model, state)
    matched = [k for k in own if k in state and state[k] == own[k]]
    return Comparison(
        network=name,
        options=options,
        missing=tuple(k for k in own if k not in state),
        unexpected=tuple(k for k in state if k not in own),
        misshaped=tuple(f"{k} {state[k]} vs {own[k]}" for k in own if k in state and state[k] != own[k]),
        shared_keys=sum(k in state for k in own),
        matched_elements=sum(_elements(own[k]) for k in matched),
        network_elements=sum(_elements(s) for s in own.values()),
    )


def _elements(shape: Shape) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


# ---- options that would make a network fit ----


def int_options(name: str) -> tuple[str, ...]:
    """The integer constructor options of ``name``'s class (through ``*args``/``**kwargs`` to its bases)."""
    model = _built(name)
    if model is None:
        return ()
    found: dict[str, None] = {}
    for cls in type(model).__mro__:
        if cls is nn.Module or "__init__" not in vars(cls):
            continue
        try:
            params = list(inspect.signature(cls.__init__, eval_str=True).parameters.values())[1:]
        except (NameError, TypeError, ValueError):
            break
        found.update((p.name, None) for p in params if p.annotation is int)
        if not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            break
    return tuple(found)


_INDEX = re.compile(r"(?<=\.)\d+(?=\.)")


def _widths(comparison: Comparison, state: Shapes) -> set[int]:
    """Values a width option may take: the file's sizes where the first mis-shaped keys (in the
    network's order) differ from the network's."""
    own = network_shapes(comparison.network, comparison.options) or {}
    values: set[int] = set()
    for entry in comparison.misshaped[:EXAMPLES]:
        key = entry.split(" ", 1)[0]
        values.update(f for f, n in zip(state[key], own[key], strict=False) if f != n)
    return {v for v in values if v >= 1}


def _counts(comparison: Comparison, option: str, keys: int) -> set[int] | None:
    """Values a count option (blocks, levels) may take; None if ``option`` is no count.

    A count changes the number of keys: two trial builds (``option`` = 2 and 3) give the keys per
    unit, and the value that gives the file's ``keys`` (a Sequential's block count shifts the indices
    of the layers after it, so it cannot always be read off the names); also one more than an index
    of an unexpected key, and an index of a missing key.
    """
    two, three = (network_shapes(comparison.network, _with(comparison.options, option, v)) for v in (2, 3))
    if two is None or three is None or len(two) == len(three):
        return None
    values = set()
    step, rest = len(three) - len(two), keys - len(two)
    if rest % step == 0:
        values.add(2 + rest // step)
    for key in comparison.unexpected:
        values.update(int(i) + 1 for i in _INDEX.findall(key))
    for key in comparison.missing:
        values.update(int(i) for i in _INDEX.findall(key))
    return {v for v in values if v >= 1}


def fit_options(name: str, state: Shapes) -> Comparison | None:
    """Integer options of ``name`` under which it matches ``state`` exactly, or None.

    Greedy: from the registered configuration, change the one option that most lowers the mismatch
    count (a count option to a value read off the key names or the key count, any other to a size
    read off the first mis-shaped keys), at most :data:`MAX_ROUNDS` times; a fit is reported only
    when the network rebuilt with those options matches exactly.
    """
    names = int_options(name)
    best = compare(name, state)
    if best is None or not names:
        return None
    for _ in range(MAX_ROUNDS):
        loadable = len(state) - len(drop_instance_norm_stats(_built(name, best.options), state)[1])
        widths = _widths(best, state)
        values = {option: _counts(best, option, loadable) for option in names}
        trials = [
            compare(name, state, _with(best.options, option, value))
            for option in names
            for value in sorted(widths if values[option] is None else values[option])
        ]
        better = min((t for t in trials if t is not None), key=_progress, default=None)
        if better is None or better.mismatches >= best.mismatches:
            return None
        best = better
        if best.exact:
            return best
    return None


def _progress(c: Comparison) -> tuple[int, float, Options]:
    """The search's order: fewest mismatches, then the largest matched fraction."""
    return (c.mismatches, -c.fraction, c.options)


def _with(options: Options, option: str, value: int) -> Options:
    return tuple(sorted({**dict(options), option: value}.items()))


# ---- reading a checkpoint ----


def folder_readers() -> dict[str, Callable[[Path], Mapping[str, Any]]]:
    """The networks whose official checkpoint is a folder, and the reader of each."""
    readers = {}
    for name in list_models():
        spec = get_spec(name)
        if spec.checkpoint_kind == "directory" and spec.checkpoint_reader is not None:
            readers[name] = spec.checkpoint_reader
    return readers


def read_shapes(path: Path) -> list[Shapes]:
    """The keys and shapes ``path`` holds, unwrapped as loading unwraps it (one per reading of a folder).

    A file gives one reading; a folder one per network folder reader that accepts it. Raises a
    one-line :class:`CheckpointError` naming the path when nothing can read it.
    """
    if not path.exists():
        what = "a symlink that leads nowhere" if path.is_symlink() else "no such file or directory"
        raise CheckpointError(f"{path}: {what}")
    check_checkpoint_files(path)
    if not path.is_dir():
        return [_shapes(read_checkpoint(path, mmap=True))]
    readings, reasons = [], []
    for name, reader in folder_readers().items():
        try:
            readings.append(_shapes(reader(path)))
        except (CheckpointError, FileNotFoundError, OSError) as exc:
            reasons.append(f"{name}: {exc}")
    if not readings:
        why = "; ".join(reasons) or "no registered network's checkpoint is a folder"
        raise CheckpointError(f"{path}: a folder that no network's folder reader accepts ({why})")
    return list({tuple(sorted(r.items())): r for r in readings}.values())


def _shapes(state: Mapping[str, Any]) -> Shapes:
    return {k: tuple(v.shape) for k, v in state.items()}


# ---- the verdict ----


@dataclass(frozen=True)
class Identification:
    """What one checkpoint is: the verdict, the networks it names and how they compare."""

    path: Path
    verdict: str
    matches: tuple[Comparison, ...] = ()  # the exact / fitting / nearest networks, same counts
    keys: int = 0  # keys in the file (the largest reading of a folder)
    error: str = ""
    ranking: tuple[Comparison, ...] = field(default=(), repr=False)  # every network, nearest first
    file_keys: tuple[str, ...] = ()  # the file's first keys, to show when nothing is near

    @property
    def detail(self) -> str:
        """Why: the error, the example mismatched keys, or what a fit differs in as registered."""
        if self.error:
            return self.error
        if self.verdict == NONE:
            return f"no registered network has any of its {self.keys} key names (e.g. {', '.join(self.file_keys)})"
        if self.verdict == FITS:
            registered = {c.network: c for c in self.ranking}[self.matches[0].network]
            return f"as registered: {_examples(registered)}"
        return _examples(self.matches[0]) if self.matches else ""

    @property
    def options(self) -> str:
        """The options that make the named networks fit, as ``key=value`` (one set, or per network)."""
        sets = {_options_text(c.options) for c in self.matches}
        if len(sets) == 1:
            return sets.pop()
        return "; ".join(f"{c.network}: {_options_text(c.options)}" for c in self.matches)

    def row(self) -> dict[str, Any]:
        """One table row: file, verdict, networks, options, counts and example keys."""
        first = self.matches[0] if self.matches else None
        return {  # "" where a count does not apply (an unreadable file, no network near)
            "file": str(self.path),
            "verdict": self.verdict,
            "networks": ", ".join(c.network for c in self.matches),
            "options": self.options,
            "keys": "" if self.error else self.keys,
            "missing": len(first.missing) if first else "",
            "unexpected": len(first.unexpected) if first else "",
            "misshaped": len(first.misshaped) if first else "",
            "matched": f"{first.fraction:.1%}" if first else "",
            "detail": self.detail,
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``--format json``: the row's facts and every named network's comparison."""
        return {
            "file": str(self.path),
            "verdict": self.verdict,
            "keys": self.keys if not self.error else None,
            "error": self.error or None,
            "detail": self.detail,
            "matches": [c.as_dict() for c in self.matches],
        }


def _options_text(options: Options) -> str:
    return " ".join(f"{k}={v}" for k, v in options)


def _examples(c: Comparison) -> str:
    parts = []
    for label, items in (("missing", c.missing), ("unexpected", c.unexpected), ("mis-shaped", c.misshaped)):
        if items:
            more = f", ... ({len(items)} in all)" if len(items) > EXAMPLES else ""
            parts.append(f"{label}: {', '.join(items[:EXAMPLES])}{more}")
    return "; ".join(parts)


def identify(path: str | Path, networks: Iterable[str] | None = None) -> Identification:
    """Which of ``networks`` (default every registered one) the checkpoint at ``path`` is.

    An unreadable file (missing, not a checkpoint, a pickle that could run code, ...) is an
    ``unreadable`` verdict with its one-line reason, never an exception.
    """
    path = Path(path)
    try:
        readings = read_shapes(path)
    except CheckpointError as exc:
        return Identification(path, UNREADABLE, error=str(exc))
    keys = max(len(r) for r in readings)
    best: dict[str, tuple[Comparison, Shapes]] = {}  # per network, the reading it is nearest to
    for state in readings:
        for name in list_models() if networks is None else networks:
            c = compare(name, state)
            if c is not None and (name not in best or c.rank() < best[name][0].rank()):
                best[name] = (c, state)
    ranking = tuple(sorted((c for c, _ in best.values()), key=Comparison.rank))
    exact = tuple(c for c in ranking if c.exact)
    if exact:
        return Identification(path, EXACT, exact, keys, ranking=ranking)
    if not ranking or not ranking[0].overlap:
        examples = tuple(sorted({k for r in readings for k in r})[:EXAMPLES])
        return Identification(path, NONE, keys=keys, ranking=ranking, file_keys=examples)
    top = ranking[0]
    nearest = tuple(c for c in ranking if c.rank()[:3] == top.rank()[:3])
    fits = _fits({c.network: best[c.network][1] for c in nearest})
    if fits:
        return Identification(path, FITS, fits, keys, ranking=ranking)
    return Identification(path, NEAREST, nearest, keys, ranking=ranking)


def _fits(nearest: Mapping[str, Shapes]) -> tuple[Comparison, ...]:
    """The nearest networks that fit with other options; twins (same registered keys and shapes)
    are searched once and the options found confirmed on each."""
    found: dict[tuple[tuple[str, Shape], ...], Comparison | None] = {}
    fits = []
    for name, state in nearest.items():
        architecture = tuple((network_shapes(name) or {}).items())
        if architecture not in found:
            found[architecture] = fit_options(name, state)
        searched = found[architecture]
        fit = searched and compare(name, state, searched.options)
        if fit and fit.exact:
            fits.append(fit)
    return tuple(fits)
