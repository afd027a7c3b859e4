"""Run configuration: a TOML file and CLI flags -> one :class:`RunConfig`, checked on load.

A TOML file holds the same keys as the dataclass fields, e.g.::

    out = "results/"
    models = ["lmfn", "nafnet_gopro_width32"]
    complexity_sizes = ["256x256"]
    macs_sizes = ["720x1280"]
    latency_sizes = ["256x256"]
    latency_repeats = 20
    quality_datasets = ["synthetic", "gopro:test"]
    dataset_roots = { gopro = "~/data/GOPRO_Large" }
    weights = { nafnet_gopro_width64 = "~/ckpt/NAFNet-GoPro-width64.pth" }
    outputs = { fftformer = "~/released/fftformer/GoPro" }

Every field declares how its value is read and what it expects (:func:`option`), so a
wrong type, a string where a list is expected, a negative count, an unknown name or
device is one line naming the key and what it expects, before any work starts. Flags
given on the command line override the file and are checked the same way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX×,]\s*(\d+))?\s*$")


class ConfigError(ValueError):
    """A configuration value that cannot work; one line naming the key and what it expects."""


def parse_size(text: str | int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """``'256x256'``, ``'720x1280'``, ``'256'`` (square) or ``(H, W)`` -> ``(H, W)``."""
    if isinstance(text, (tuple, list)) and len(text) == 2 and all(_is_int(v) for v in text):
        height, width = int(text[0]), int(text[1])
    elif _is_int(text):
        height = width = int(text)
    else:
        match = _SIZE.match(str(text))
        if not match:
            raise ValueError(f"size {text!r} is malformed: expected HxW such as 256x256 or 720x1280")
        height = int(match.group(1))
        width = int(match.group(2) or match.group(1))
    if height < 1 or width < 1:
        raise ValueError(f"size {text!r}: height and width must be positive")
    return height, width


def format_size(size: tuple[int, int]) -> str:
    """``(720, 1280)`` -> ``'720x1280'``."""
    return f"{size[0]}x{size[1]}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ----------------------------------------------------------------------------- readers


def _list(item: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    """A reader of a list whose items ``item`` reads; a bare string is refused, not split."""

    def read(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"got {type(value).__name__} {value!r}")
        return tuple(item(v) for v in value)

    return read


def _table(key: Callable[[str], str]) -> Callable[[Any], dict[str, str]]:
    """A reader of a ``{name = "text"}`` table whose names ``key`` checks."""

    def read(value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise ValueError(f"got {type(value).__name__} {value!r}")
        out = {}
        for name, text in value.items():
            if not isinstance(text, (str, Path)) or not str(text):
                raise ValueError(f"{name} = {text!r} is not a non-empty path")
            out[key(str(name))] = str(text)
        return out

    return read


def _int(minimum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if not _is_int(value) or value < minimum:
            raise ValueError(f"got {value!r}")
        return int(value)

    return read


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"got {value!r}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"got {type(value).__name__} {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"got {value!r}")
    return value.strip()


def _path(value: Any) -> Path:
    return Path(_text(str(value) if isinstance(value, Path) else value)).expanduser()


def _directory(value: Any) -> Path:
    path = _path(value)
    if not path.is_dir():
        raise ValueError(f"{path} is not a directory")
    return path


def _network(value: Any) -> str:
    from .models import get_spec

    get_spec(_text(value))
    return value.strip()


def _reference(value: Any) -> str:
    from .bench.references import get_reference

    return get_reference(_text(value)).name


def _dataset_name(value: Any) -> str:
    from .datasets import get_dataset_spec

    return get_dataset_spec(_text(value)).name


def _dataset_split(value: Any) -> str:
    from .datasets import get_dataset_spec

    name, _, split = _text(value).partition(":")
    spec = get_dataset_spec(name.strip())
    if split.strip() and split.strip() not in spec.splits:
        raise ValueError(f"{name} has no split {split.strip()!r} (splits: {', '.join(spec.splits)})")
    return value.strip()


def _outputs(value: Any) -> dict[str, str]:
    from .bench.released import check_folder

    table = _table(_text)(value)
    return {name: str(check_folder(name, folder)[0]) for name, folder in table.items()}


def _timing(value: Any) -> str:
    from .bench.latency import TIMING_PLANS

    if value not in TIMING_PLANS:
        raise ValueError(f"got {value!r}")
    return value


def _device(value: Any) -> str:
    from .models.restorer import parse_device

    return str(parse_device(_text(value)))


def _dtype(value: Any) -> str:
    from .models.restorer import parse_dtype

    return str(parse_dtype(_text(value))).removeprefix("torch.")


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else read(value)


def option(default: Any, read: Callable[[Any], Any], expects: str) -> Any:
    """A configuration field: its default, how a given value is read, and what it expects."""
    kind = {"default_factory": default} if callable(default) else {"default": default}
    return field(**kind, metadata={"read": read, "expects": expects})


_SIZES = (_list(parse_size), 'a list of sizes such as ["256x256", "720x1280"]')


@dataclass(frozen=True)
class RunConfig:
    """What ``deblurbench run`` measures and where it writes."""

    out: Path = option(Path("deblurbench-out"), _path, "a directory path")
    models: tuple[str, ...] = option((), _list(_network), 'a list of network names, e.g. ["lmfn"]')
    subject: str = option("lmfn", _network, "the network the report's claims are about, e.g. lmfn")
    complexity_sizes: tuple[tuple[int, int], ...] = option(((256, 256),), *_SIZES)
    macs_sizes: tuple[tuple[int, int], ...] = option(((720, 1280),), *_SIZES)
    latency_sizes: tuple[tuple[int, int], ...] = option(((256, 256),), *_SIZES)
    latency_device: str = option("cpu", _device, "a device of this machine: cpu or cuda[:N]")
    latency_dtype: str = option("float32", _dtype, "float32, float64, float16 or bfloat16")
    # how timings are taken: a preset (quick: one warm-up, stop when the median is known to 5% or after
    # 3 s, at least 3 repeats; publication: 10 warm-ups, at least 30 repeats, to 1%); the three keys
    # after it override the preset's parts (unset: the preset's)
    latency_timing: str = option("quick", _timing, "quick or publication")
    latency_repeats: int | None = option(None, _optional(_int(1)), "an integer >= 1 (the most repeats)")
    latency_warmup: int | None = option(None, _optional(_int(0)), "an integer >= 0")
    latency_max_time_s: float | None = option(None, _optional(_positive_number), "a number of seconds > 0")
    threads: int | None = option(None, _optional(_int(1)), "an integer >= 1 (CPU threads)")
    # Quality: every network with weights (``weights`` below, or a shipped tag named like the
    # dataset, e.g. LMFN's ``synthetic``) and every reference method, on each dataset.
    # A dataset is ``name`` or ``name:split``; ``dataset_roots`` says where each is.
    quality_datasets: tuple[str, ...] = option(
        ("synthetic",), _list(_dataset_split), 'a list of datasets, e.g. ["synthetic", "gopro:test"]'
    )
    dataset_roots: dict[str, str] = option(dict, _table(_dataset_name), 'a table {dataset = "path"}')
    weights: dict[str, str] = option(dict, _table(_network), 'a table {network = "path or tag"}')
    # released outputs: folders of result images authors published, scored as the method "NAME (released
    # outputs)" on each quality dataset whose images they hold (matched by image id, see bench/released.py)
    outputs: dict[str, str] = option(dict, _outputs, 'a table {name = "folder of its result images"}')
    # a folder of official checkpoints under the names their authors publish (deblurbench weights)
    weights_dir: Path | None = option(None, _optional(_directory), "a directory of official checkpoints")
    references: tuple[str, ...] = option(
        ("identity", "wiener", "richardson_lucy"), _list(_reference), "a list of reference methods"
    )
    quality_device: str = option("cpu", _device, "a device of this machine: cpu or cuda[:N]")
    save_images: bool = option(True, _bool, "true or false")  # restored and sharp PNGs under OUT/images/

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the results store."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def latency_settings(self) -> Any:
        """The :class:`~deblurbench.bench.latency.LatencySettings` every latency task of the run uses."""
        from .bench.latency import LatencySettings

        return LatencySettings(
            device=self.latency_device,
            dtype=self.latency_dtype,
            timing=self.latency_timing,
            repeats=self.latency_repeats,
            warmup=self.latency_warmup,
            max_time_s=self.latency_max_time_s,
            threads=self.threads,
        )


_FIELDS = {f.name: f for f in fields(RunConfig)}


def read_value(key: str, value: Any, source: str) -> Any:
    """``value`` of ``key`` read as its field declares; a :class:`ConfigError` naming both otherwise."""
    spec = _FIELDS[key]
    try:
        return spec.metadata["read"](value)
    except (ValueError, KeyError, TypeError) as exc:
        reason = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc) or f"got {value!r}"
        raise ConfigError(f"{source}: {key} expects {spec.metadata['expects']}; {reason}") from None


def _read_file(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"--config {path}: is a directory; give the TOML file")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--config {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot be read ({exc.strerror})") from None


def load_config(path: str | Path | None = None, **overrides: Any) -> RunConfig:
    """Defaults, then the TOML file at ``path``, then non-None ``overrides``; every value checked."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        data = _read_file(path)
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise ConfigError(
                f"--config {path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_FIELDS))}"
            )
        values.update({k: read_value(k, v, f"--config {path}") for k, v in data.items()})
    for key, value in overrides.items():
        if value is not None:
            values[key] = read_value(key, value, "command line")
    return replace(RunConfig(), **values)
