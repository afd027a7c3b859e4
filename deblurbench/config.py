"""Run configuration: a TOML file and CLI flags -> one :class:`RunConfig`.

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

Flags given on the command line override the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomllib

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX×,]\s*(\d+))?\s*$")


def parse_size(text: str | int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """``'256x256'``, ``'720x1280'``, ``'256'`` (square) or ``(H, W)`` -> ``(H, W)``."""
    if isinstance(text, (tuple, list)) and len(text) == 2:
        height, width = int(text[0]), int(text[1])
    elif isinstance(text, int):
        height = width = text
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


@dataclass(frozen=True)
class RunConfig:
    """What ``deblurbench run`` measures and where it writes."""

    out: Path = Path("deblurbench-out")
    models: tuple[str, ...] = ()  # empty: every registered network
    complexity_sizes: tuple[tuple[int, int], ...] = ((256, 256),)
    macs_sizes: tuple[tuple[int, int], ...] = ((720, 1280),)
    latency_sizes: tuple[tuple[int, int], ...] = ((256, 256),)
    latency_device: str = "cpu"
    latency_dtype: str = "float32"
    latency_repeats: int = 10
    latency_warmup: int = 2
    latency_max_time_s: float = 5.0
    threads: int | None = None
    # Quality: every network with weights (``weights`` below, or a shipped tag named like the
    # dataset, e.g. LMFN's ``synthetic``) and every reference method, on each dataset.
    # A dataset is ``name`` or ``name:split``; ``dataset_roots`` says where each is.
    quality_datasets: tuple[str, ...] = ("synthetic",)
    dataset_roots: dict[str, str] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)
    references: tuple[str, ...] = ("identity", "wiener", "richardson_lucy")
    quality_device: str = "cpu"
    save_images: bool = True  # restored and sharp PNGs under OUT/images/, for the comparison strips
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the results store."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_SIZE_FIELDS = ("complexity_sizes", "macs_sizes", "latency_sizes")


def _coerce(key: str, value: Any) -> Any:
    if key in _SIZE_FIELDS:
        return tuple(parse_size(v) for v in value)
    if key == "out":
        return Path(value)
    if key in ("models", "quality_datasets", "references"):
        return tuple(value)
    if key in ("dataset_roots", "weights"):
        return {str(k): str(v) for k, v in dict(value).items()}
    return value


def load_config(path: str | Path | None = None, **overrides: Any) -> RunConfig:
    """Defaults, then the TOML file at ``path``, then non-None ``overrides``."""
    config = RunConfig()
    known = {f.name for f in fields(RunConfig)}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ValueError(f"--config {path}: no such file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"--config {path}: not valid TOML ({exc})") from None
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"--config {path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        config = replace(config, **{k: _coerce(k, v) for k, v in data.items()})
    given = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
    return replace(config, **given)
