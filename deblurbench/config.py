"""Run configuration: a TOML file and CLI flags -> one :class:`RunConfig`, checked on load.

A TOML file holds the same keys as the dataclass fields, e.g.::

    out = "results/"
    models = ["lmfn", "nafnet_gopro_width32"]
    plugins = false                      # true: with no `models`, the plugins' networks too
    complexity_sizes = ["256x256"]
    macs_sizes = ["720x1280"]
    latency_sizes = ["256x256"]
    latency_repeats = 20
    quality_datasets = ["synthetic", "gopro:test"]
    dataset_roots = { gopro = "~/data/GOPRO_Large" }
    weights = { nafnet_gopro_width64 = "~/ckpt/NAFNet-GoPro-width64.pth" }
    outputs = { fftformer = "~/released/fftformer/GoPro" }

Every field is an option (:mod:`deblurbench.options`): it declares how its value is read,
what it expects, its default and, where ``deblurbench run`` has one, its flag and help; the
``latency_*`` keys are :class:`~deblurbench.bench.latency.LatencySettings`' options and
``quality_device`` :class:`~deblurbench.bench.evaluate.EvalSettings`' (:func:`same_as`). A
wrong type, a string where a list is expected, a negative count, an unknown name or device
is one line naming the key (or flag) and what it expects, before any work starts. Flags
given on the command line override the file and are checked the same way.
"""

from __future__ import annotations

import stat
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .bench.evaluate import EvalSettings
from .bench.latency import LatencySettings
from .datasets.synthetic import NAME as SYNTHETIC
from .options import (
    ConfigError,
    boolean,
    derive,
    directory,
    from_mapping,
    from_values,
    list_of,
    names,
    option,
    optional,
    output_directory,
    same_as,
    table_of,
    text,
)
from .sizes import HEADLINE, LARGE, label, parse_size

OUT = Path("deblurbench-out")  # where results go unless told otherwise
SUBJECT = "lmfn"  # the network whose claim a report checks unless told otherwise
MODELS_HELP = (
    "networks, comma-separated or repeated (default: every built-in network; a plugin's when named or "
    "with --plugins)"
)
WEIGHTS_DIR_HELP = "folder of official checkpoints under their published names, hash-checked where known"

__all__ = ["OUT", "SUBJECT", "ConfigError", "RunConfig", "load_config", "parse_size"]


# ----------------------------------------------------------------------------- readers


def _network(value: Any) -> str:
    from .models import get_spec

    return get_spec(text(value)).name  # spandrel:PATH -> its content-keyed name


def _reference(value: Any) -> str:
    from .bench.references import get_reference

    return get_reference(text(value)).name


def _dataset_name(value: Any) -> str:
    from .datasets import get_dataset_spec

    return get_dataset_spec(text(value)).name


def _dataset_split(value: Any) -> str:
    from .datasets import get_dataset_spec

    name, _, split = text(value).partition(":")
    spec = get_dataset_spec(name.strip())
    if split.strip() and split.strip() not in spec.splits:
        raise ValueError(f"{name} has no split {split.strip()!r} (splits: {', '.join(spec.splits)})")
    return value.strip()


def _outputs(value: Any) -> dict[str, str]:
    from .bench.released import check_folder

    table = table_of(text)(value)
    return {name: str(check_folder(name, folder)[0]) for name, folder in table.items()}


def _chosen_networks(values: list[str] | None) -> list[str] | None:
    """``--models``: the networks named (None, i.e. not given, for ``all``); naming none is an error."""
    chosen = names(values)
    if values is not None and not chosen:
        raise ValueError(
            "no names: name networks (e.g. --models lmfn), or leave --models out to mean every one"
        )
    return [n for n in chosen if n != "all"] or None


def setting(default: Any, read: Any, expects: str, **declared: Any) -> Any:
    """A :class:`RunConfig` option: a key of the TOML file (and a flag where ``flag`` is given)."""
    return option(default, read, expects, toml=True, **declared)


_SIZES = (list_of(parse_size), f'a list of sizes such as ["{label(HEADLINE)}", "{label(LARGE)}"]')


@dataclass(frozen=True)
class RunConfig:
    """What ``deblurbench run`` measures and where it writes."""

    out: Path = setting(
        OUT,
        output_directory,
        "a directory path",
        help="output directory (default ./{default})",
        flag="--out",
        parse=str,  # "" stays "" (refused), not Path("") = "."
    )
    models: tuple[str, ...] = setting(
        (),
        list_of(_network),
        'a list of network names, e.g. ["lmfn"]',
        help=MODELS_HELP,
        flag="--models",
        cli=_chosen_networks,
    )
    # networks registered by installed plugins (deblurbench.models entry points) are measured when
    # `models` names them, or all of them with this; by default only the built-in networks are
    plugins: bool = setting(
        False,
        boolean,
        "true or false",
        help="also measure every network of the installed plugins when --models is left out",
        flag="--plugins",
    )
    subject: str = setting(
        SUBJECT,
        _network,
        f"the network the report's claims are about, e.g. {SUBJECT}",
        help="the network the report's claims and highlighted points are about (default {default})",
        flag="--subject",
    )
    complexity_sizes: tuple[tuple[int, int], ...] = setting((HEADLINE,), *_SIZES)
    macs_sizes: tuple[tuple[int, int], ...] = setting((LARGE,), *_SIZES)
    latency_sizes: tuple[tuple[int, int], ...] = setting((HEADLINE,), *_SIZES)
    latency_device: str = same_as(LatencySettings, "device", toml=True)
    latency_dtype: str = same_as(LatencySettings, "dtype", toml=True)
    # how timings are taken: a preset (quick: one warm-up, stop when the median is known to 5% or after
    # 3 s, at least 3 repeats; publication: 10 warm-ups, at least 30 repeats, to 1%); the three keys
    # after it override the preset's parts (unset: the preset's)
    latency_timing: str = same_as(LatencySettings, "timing", toml=True, flag="--timing")
    latency_repeats: int | None = same_as(
        LatencySettings,
        "repeats",
        toml=True,
        flag="--repeats",
        help="the most latency repeats per network (default: the preset's)",
    )
    latency_warmup: int | None = same_as(LatencySettings, "warmup", toml=True)
    latency_max_time_s: float | None = same_as(LatencySettings, "max_time_s", toml=True)
    threads: int | None = same_as(
        LatencySettings, "threads", toml=True, flag="--threads", help="CPU threads for latency"
    )
    # Quality: every network with weights (``weights`` below, or a shipped tag named like the
    # dataset, e.g. LMFN's ``synthetic``) and every reference method, on each dataset.
    # A dataset is ``name`` or ``name:split``; ``dataset_roots`` says where each is.
    quality_datasets: tuple[str, ...] = setting(
        (SYNTHETIC,), list_of(_dataset_split), 'a list of datasets, e.g. ["synthetic", "gopro:test"]'
    )
    dataset_roots: dict[str, str] = setting(dict, table_of(_dataset_name), 'a table {dataset = "path"}')
    weights: dict[str, str] = setting(dict, table_of(_network), 'a table {network = "path or tag"}')
    # released outputs: folders of result images authors published, scored as the method "NAME (released
    # outputs)" on each quality dataset whose images they hold (matched by image id, see bench/released.py)
    outputs: dict[str, str] = setting(dict, _outputs, 'a table {name = "folder of its result images"}')
    # a folder of official checkpoints under the names their authors publish (deblurbench weights)
    weights_dir: Path | None = setting(
        None,
        optional(directory),
        "a directory of official checkpoints",
        help=WEIGHTS_DIR_HELP,
        flag="--weights-dir",
    )
    # networks without weights for a dataset are skipped (named in one line) unless this is true:
    # then their random initialisation is scored, labelled "random init"
    random_weights: bool = setting(
        False,
        boolean,
        "true or false",
        help="score networks without weights at their random initialisation (labelled 'random init')",
    )
    references: tuple[str, ...] = setting(
        ("identity", "wiener", "richardson_lucy"), list_of(_reference), "a list of reference methods"
    )
    quality_device: str = same_as(EvalSettings, "device", toml=True)
    save_images: bool = setting(True, boolean, "true or false")  # restored and sharp PNGs under OUT/images/

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the results store."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def latency_settings(self) -> LatencySettings:
        """The :class:`~deblurbench.bench.latency.LatencySettings` every latency task of the run uses."""
        return derive(LatencySettings, self)


#: the largest configuration file read (a run configuration is a few hundred bytes)
CONFIG_MAX_BYTES = 2**20


def _read_file(path: Path) -> dict[str, Any]:
    """The TOML table of a regular file of at most :data:`CONFIG_MAX_BYTES` (never a device or FIFO)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"--config {path}: is a directory; give the TOML file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"--config {path}: not a regular file (a device, FIFO or socket); give the TOML file"
            )
        if info.st_size > CONFIG_MAX_BYTES:
            raise ConfigError(
                f"--config {path}: {info.st_size:,} bytes, over the {CONFIG_MAX_BYTES:,}-byte limit for a "
                "configuration file; give the TOML file"
            )
        with open(path, "rb") as handle:
            data = handle.read(CONFIG_MAX_BYTES + 1)
        if len(data) > CONFIG_MAX_BYTES:
            raise ConfigError(
                f"--config {path}: over the {CONFIG_MAX_BYTES:,}-byte limit for a configuration file"
            )
        return tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--config {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot be read ({exc.strerror})") from None


def load_config(
    path: str | Path | None = None, flags: dict[str, Any] | None = None, **overrides: Any
) -> RunConfig:
    """Defaults, then the TOML file at ``path``, then ``flags`` (values read from the command line,
    :func:`~deblurbench.options.given`), then non-None ``overrides``; every value checked."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        values.update(from_mapping(RunConfig, _read_file(path), f"--config {path}"))
    values.update(flags or {})
    values.update(from_values(RunConfig, overrides, "command line"))
    return RunConfig(**values)
