"""Options declared once: argparse flags and TOML keys derived from the declarations, read back alike."""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from deblurbench import options
from deblurbench.bench.latency import LatencySettings
from deblurbench.config import RunConfig
from deblurbench.options import (
    ConfigError,
    add_arguments,
    boolean,
    build,
    derive,
    from_mapping,
    given,
    integer,
    option,
    optional,
    same_as,
)


@dataclass(frozen=True)
class Settings:
    count: int | None = option(None, optional(integer(1)), "an integer >= 1", help="how many", flag="--count")
    budget_s: float = option(1.0, float, "seconds", help="time budget", flag="--budget")
    checked: bool = option(True, boolean, "true or false", help="skip the check", flag="--no-check")
    name: str = option("x", str, "a name", toml=True)


@dataclass(frozen=True)
class Derived:
    settings_count: int | None = same_as(Settings, "count", toml=True, flag="--settings-count")
    other: int = option(0, integer(0), "an integer >= 0", toml=True)


def parse(cls: type, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="t")
    add_arguments(parser, cls)
    return parser.parse_args(list(argv))


def test_the_module_docstring_example_runs() -> None:
    doc = options.__doc__
    example = textwrap.dedent(doc[doc.index("Example::") + len("Example::") : doc.index("- ``read``")])
    namespace: dict[str, object] = {}
    exec(example, namespace)
    assert namespace["args"] is not None


def test_flags_from_the_declarations() -> None:
    parser = argparse.ArgumentParser(prog="t")
    add_arguments(parser, Settings)
    text = parser.format_help()
    assert "--count COUNT" in text and "--budget BUDGET" in text and "how many" in text
    assert "--no-check " in text and "--name" not in text  # a switch takes no value; no flag, no argument


def test_given_reads_only_what_is_given_through_the_readers() -> None:
    assert given(Settings, parse(Settings)) == {}
    values = given(Settings, parse(Settings, "--count", "3", "--no-check"))
    assert values == {"count": 3, "checked": False}
    assert build(Settings, values) == Settings(count=3, checked=False)
    with pytest.raises(ConfigError, match=r"^--count: count expects an integer >= 1; got 0$"):
        given(Settings, parse(Settings, "--count", "0"))


def test_a_command_s_own_flag_of_the_same_name_is_not_taken() -> None:
    parser = argparse.ArgumentParser(prog="t")
    parser.add_argument("--other-count", dest="count", type=int)
    add_arguments(parser, Derived)
    assert given(Derived, parser.parse_args(["--other-count", "5"])) == {}


def test_toml_keys_same_as_and_derive() -> None:
    read = from_mapping(Derived, {"settings_count": 4, "other": 1}, "--config f")
    assert derive(Settings, build(Derived, read)) == Settings(count=4)
    with pytest.raises(ConfigError, match="--config f: settings_count expects an integer >= 1; got 0"):
        from_mapping(Derived, {"settings_count": 0}, "--config f")
    with pytest.raises(ConfigError, match="unknown key"):
        from_mapping(Derived, {"count": 1}, "--config f")


def test_run_configuration_derives_its_latency_keys() -> None:
    config = RunConfig(latency_repeats=7, latency_timing="publication", threads=2)
    assert config.latency_settings() == LatencySettings(repeats=7, timing="publication", threads=2)
    toml = options.options(RunConfig)["latency_timing"]
    assert toml.read is options.options(LatencySettings)["timing"].read and toml.toml
    assert options.default_of(RunConfig, "out") == Path("deblurbench-out")
