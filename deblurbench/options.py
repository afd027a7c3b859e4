"""Every option declared once: its reader, default, help, command-line flag and TOML key.

An option is a field of a frozen dataclass made with :func:`option`. The declaration is the one
place that says what the option is; the command line (:func:`add_arguments`, then :func:`given`)
and configuration files (:func:`from_mapping`) are derived from it, and every value from either
goes through the option's reader, so that a bad value is one line naming the flag or key and what
it expects (a :class:`ConfigError`), before any work starts. Example::

    import argparse
    from dataclasses import dataclass
    from deblurbench.options import add_arguments, boolean, build, from_mapping, given, integer, option, text

    @dataclass(frozen=True)
    class Schedule:
        steps: int = option(1000, integer(1), "an integer >= 1", help="optimiser steps", flag="--steps")
        name: str = option("run", text, "a name", toml=True)  # a file key, no flag
        ema: bool = option(False, boolean, "true or false", help="keep an EMA", flag="--ema")

    parser = argparse.ArgumentParser()
    add_arguments(parser, Schedule)  # --steps STEPS and --ema, with their help
    args = parser.parse_args(["--steps", "50"])
    toml = from_mapping(Schedule, {"name": "a"}, "--config run.toml")  # unknown keys refused
    build(Schedule, toml, given(Schedule, args))  # Schedule(steps=50, name='a', ema=False)

- ``read`` takes a value (from a file, an API call, or a flag after ``parse``) and returns it
  checked and in canonical form, or raises ``ValueError`` saying why; ``expects`` says in a few
  words what it takes ("an integer >= 1").
- ``flag``: the command-line flag (none by default). A ``bool`` option is a switch: a flag that
  turns it on, or off where its default is on (``--no-quantize``). A tuple option's flag is
  repeatable, a fixed-length tuple's (``tuple[float, float]``) takes that many values, and a
  ``bool | None`` option whose default is None is ``--flag/--no-flag`` (None: not given).
  ``const``: the value of the flag given bare (its value is then optional). ``parse`` turns a
  flag's text into the value ``read`` takes (by default the field's type: ``int``, ``float``,
  ``Path``; text stays text); ``cli`` converts what argparse parsed first (``None`` from it
  means "not given"; a ``ValueError`` is reported as the reader's); ``choices``, ``metavar`` and
  ``required`` pass to argparse; ``{default}`` in the help is replaced by the default.
- ``toml``: whether the option is a key of configuration files (its field name).
- :func:`same_as` declares a field as another dataclass's option (same reader, text, default),
  with changes; :func:`derive` builds that dataclass back from such fields.

A flag left out is absent from the parsed arguments (argparse's default is suppressed), so each
layer passed to :func:`build` overrides only what it gives; a flag's value is kept under its
class-qualified name (:func:`dest`), so that a command's other flags are never read as options.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Reader = Callable[[Any], Any]


class ConfigError(ValueError):
    """A configuration value that cannot work; one line naming the key and what it expects."""


@dataclass(frozen=True)
class Option:
    """One option as declared: how a value is read and where it can be given."""

    name: str
    read: Reader
    expects: str
    help: str | None = None
    flag: str | None = None
    toml: bool = False
    parse: Callable[[str], Any] | None = None
    cli: Callable[[Any], Any] | None = None
    choices: Sequence[Any] | None = None
    metavar: str | None = None
    required: bool = False
    const: Any = None
    origin: tuple[type, str] | None = None  # (dataclass, option) this one is declared as (same_as)

    def value(self, given: Any, source: str, key: str | None = None) -> Any:
        """``given`` read as declared; a one-line :class:`ConfigError` naming ``source`` and the key otherwise."""
        try:
            return self.read(given)
        except (ValueError, KeyError, TypeError) as exc:
            reason = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc) or f"got {given!r}"
            raise ConfigError(f"{source}: {key or self.name} expects {self.expects}; {reason}") from None


def option(
    default: Any,
    read: Reader,
    expects: str,
    *,
    help: str | None = None,
    flag: str | None = None,
    toml: bool = False,
    parse: Callable[[str], Any] | None = None,
    cli: Callable[[Any], Any] | None = None,
    choices: Sequence[Any] | None = None,
    metavar: str | None = None,
    required: bool = False,
    const: Any = None,
) -> Any:
    """A dataclass field declaring an option (a callable ``default`` is a default factory;
    ``dataclasses.MISSING``: none, the value must be given)."""
    declared = Option("", read, expects, help, flag, toml, parse, cli, choices, metavar, required, const)
    return _field(default, declared)


def same_as(cls: type, name: str, **changes: Any) -> Any:
    """A field declared as ``cls``'s option ``name`` (reader, text, default), with ``changes``.

    The flag is not taken over (a flag belongs to one command line): give ``flag`` to have one.
    """
    source = next(f for f in fields(cls) if f.name == name)
    default = changes.pop("default", _default(source))
    declared = replace(declaration(source), origin=(cls, name), **{"flag": None, **changes})
    return _field(default, declared)


def _field(default: Any, declared: Option) -> Any:
    kind = {"default_factory": default} if callable(default) else {"default": default}
    metadata = {"option": declared, "read": declared.read, "expects": declared.expects}
    return field(**kind, metadata=metadata)


def _default(f: Field) -> Any:
    return f.default_factory if f.default is MISSING else f.default


def declaration(f: Field) -> Option:
    """The :class:`Option` a field declares, named after the field."""
    return replace(f.metadata["option"], name=f.name)


def options(cls: type) -> dict[str, Option]:
    """Every option ``cls`` declares, by field name, in field order."""
    return {f.name: declaration(f) for f in fields(cls) if "option" in f.metadata}


def default_of(cls: type, name: str) -> Any:
    """The default value of ``cls``'s option ``name`` (None where it has none: it must be given)."""
    f = next(f for f in fields(cls) if f.name == name)
    if f.default is MISSING:
        return None if f.default_factory is MISSING else f.default_factory()
    return f.default


# ----------------------------------------------------------------------------- sources of values


def from_mapping(cls: type, data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The values of a file's table (its TOML keys), each read as declared; unknown keys refused."""
    keys = {name: o for name, o in options(cls).items() if o.toml}
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(keys))}")
    return {k: keys[k].value(v, source) for k, v in data.items()}


def from_values(cls: type, values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The non-None ``values`` (by option name, e.g. keyword arguments), each read as declared."""
    declared = options(cls)
    return {k: declared[k].value(v, source) for k, v in values.items() if v is not None}


def read_option(cls: type, name: str, value: Any, source: str) -> Any:
    """One value of ``cls``'s option ``name``, read as declared (for a flag a command adds itself)."""
    return options(cls)[name].value(value, source)


def dest(cls: type, name: str) -> str:
    """Where argparse keeps ``cls``'s option ``name``: qualified, so that no other flag's value is taken for it."""
    return f"{cls.__qualname__}.{name}"


def given(cls: type, args: argparse.Namespace) -> dict[str, Any]:
    """The options of ``cls`` given on the command line, read as declared; errors name the flag."""
    out = {}
    for name, o in options(cls).items():
        if o.flag is None or not hasattr(args, dest(cls, name)):
            continue
        value = getattr(args, dest(cls, name))
        if o.cli is not None:
            value = Option(name, o.cli, o.expects).value(value, o.flag)
        if value is not None:
            out[name] = o.value(value, o.flag)
    return out


def build(cls: type[T], *layers: Mapping[str, Any]) -> T:
    """``cls`` from its defaults, then each layer of values in turn (later layers win)."""
    values: dict[str, Any] = {}
    for layer in layers:
        values.update(layer)
    return cls(**values)


def derive(cls: type[T], obj: Any) -> T:
    """``cls`` built from the fields of ``obj`` declared :func:`same_as` one of its options."""
    values = {}
    for name, o in options(type(obj)).items():
        if o.origin is not None and o.origin[0] is cls:
            values[o.origin[1]] = getattr(obj, name)
    return cls(**values)


def check(obj: Any, source: str) -> None:
    """Read every option value of the dataclass ``obj`` as declared (values given by an API call)."""
    for name, o in options(type(obj)).items():
        o.value(getattr(obj, name), source)


# ----------------------------------------------------------------------------- the command line


def add_arguments(parser: argparse.ArgumentParser, cls: type, *names: str, **changes: Any) -> None:
    """Add the flags of ``cls``'s options (``names``, in that order; default every one with a flag).

    ``changes`` alter the declarations for this parser only (e.g. ``required=True``).
    """
    declared = options(cls)
    hints = typing.get_type_hints(cls)
    for name in names or [n for n, o in declared.items() if o.flag is not None]:
        o = replace(declared[name], **changes)
        if o.flag is None:
            raise ValueError(f"{cls.__name__}.{name} declares no flag")
        parser.add_argument(o.flag, dest=dest(cls, name), **_argument(o, hints[name], default_of(cls, name)))


def _argument(o: Option, hint: Any, default: Any) -> dict[str, Any]:
    """argparse's keywords for an option: its action, type, choices and text."""
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS}
    if o.help is not None:
        kwargs["help"] = o.help.replace("{default}", str(default))
    base, repeated = _base_type(hint)
    if base is bool and default is None:
        return {**kwargs, "action": argparse.BooleanOptionalAction}
    if base is bool:
        return {**kwargs, "action": "store_false" if default is True else "store_true"}
    length = _fixed_length(hint)
    parse = o.parse or {int: int, float: float, Path: Path}.get(base)
    if parse is not None:
        kwargs["type"] = parse
    if length:
        kwargs["nargs"] = length
    elif repeated:
        kwargs["action"] = "append"
    if o.const is not None:
        kwargs.update(nargs="?", const=o.const)
    if o.choices is not None:
        kwargs["choices"] = o.choices
    else:  # the flag's name, not the field's (``--max-time MAX_TIME`` for ``max_time_s``)
        kwargs["metavar"] = o.metavar or o.flag.lstrip("-").replace("-", "_").upper()
    if o.required:
        kwargs["required"] = True
    return kwargs


def _fixed_length(hint: Any) -> int | None:
    """``tuple[float, float] | None`` -> 2; None for anything else (``tuple[str, ...]`` included)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is tuple:
        return None if Ellipsis in args else len(args)
    return _fixed_length(args[0]) if len(args) == 1 and typing.get_origin(hint) is not None else None


def _base_type(hint: Any) -> tuple[Any, bool]:
    """``int | None`` -> (int, False); ``tuple[str, ...]`` and ``dict[str, ...]`` -> (str, True)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (tuple, list):
        return (args[0] if args else str), True
    if typing.get_origin(hint) in (dict, Mapping):  # NAME=VALUE items, repeated
        return str, True
    if len(args) == 1:
        return _base_type(args[0])
    return hint, False


# ----------------------------------------------------------------------------- readers


def either(names: Sequence[str]) -> str:
    """``('a', 'b', 'c')`` -> ``'a, b or c'``: a choice in words."""
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def text(value: Any) -> str:
    """Non-empty text, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"got {value!r}")
    return value.strip()


def one_of(names: Sequence[str]) -> Reader:
    """A reader of one of ``names``."""

    def read(value: Any) -> str:
        if value not in names:
            raise ValueError(f"got {value!r}")
        return value

    return read


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(minimum: int) -> Reader:
    """A reader of an integer >= ``minimum`` (a bool is not an integer)."""

    def read(value: Any) -> int:
        if not _is_int(value) or value < minimum:
            raise ValueError(f"got {value!r}")
        return int(value)

    return read


def number(minimum: float, *, strict: bool) -> Reader:
    """A reader of a number > ``minimum`` (``strict``) or >= it."""

    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"got {value!r}")
        if not (value > minimum if strict else value >= minimum):
            raise ValueError(f"got {value!r}")
        return float(value)

    return read


def boolean(value: Any) -> bool:
    """True or false, nothing else."""
    if not isinstance(value, bool):
        raise ValueError(f"got {type(value).__name__} {value!r}")
    return value


def path(value: Any) -> Path:
    """A non-empty path, ``~`` expanded."""
    return Path(text(str(value) if isinstance(value, Path) else value)).expanduser()


def directory(value: Any) -> Path:
    """An existing directory."""
    found = path(value)
    if not found.exists():
        raise ValueError(f"{found}: no such directory")
    if not found.is_dir():
        raise ValueError(f"{found} is not a directory")
    return found


#: names that end so name a file (a results store), never an output directory
FILE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def output_directory(value: Any) -> Path:
    """A directory to write results into (made when missing): never empty, a file, or a file's name."""
    found = path(value)
    if found.exists() and not found.is_dir():
        raise ValueError(f"{found} is a file; name a directory (it is made when missing)")
    if found.suffix.lower() in FILE_SUFFIXES:
        raise ValueError(
            f"{found} names a {found.suffix} file; name a directory, the results are written inside it"
        )
    return found


def optional(read: Reader) -> Reader:
    """``read``, or None for None."""
    return lambda value: None if value is None else read(value)


def list_of(item: Reader) -> Reader:
    """A reader of a list whose items ``item`` reads; a bare string is refused, not split."""

    def read(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"got {type(value).__name__} {value!r}")
        return tuple(item(v) for v in value)

    return read


def table_of(key: Callable[[str], str]) -> Reader:
    """A reader of a ``{name = "text"}`` table whose names ``key`` checks."""

    def read(value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise ValueError(f"got {type(value).__name__} {value!r}")
        out = {}
        for name, item in value.items():
            if not isinstance(item, (str, Path)) or not str(item):
                raise ValueError(f"{name} = {item!r} is not a non-empty path")
            out[key(str(name))] = str(item)
        return out

    return read


def names(values: list[str] | None) -> list[str]:
    """``--models a,b --models c`` -> ``['a', 'b', 'c']``: names comma-separated or repeated."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def option_value(text: str) -> Any:
    """A KEY=VALUE option's value: ``true``/``false``, an integer, a number, numbers ``a,b``, else text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if "," in text:
        try:
            return tuple(float(p.strip()) for p in text.split(","))
        except ValueError:
            return text
    return text


def key_values(items: list[str] | None, flag: str, example: str) -> dict[str, Any]:
    """``--opt part=long-shot --opt size=128`` -> ``{'part': 'long-shot', 'size': 128}`` (see :func:`option_value`)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE, e.g. {flag} {example}")
        out[key.strip()] = option_value(value.strip())
    return out
