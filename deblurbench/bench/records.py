"""The typed measurement records: what each kind of measurement holds, declared once.

Each kind of measurement (a complexity count, a latency timing, one image's quality,
a failure, a run) is a frozen dataclass whose fields say their role:

- ``key``: the natural key; a stored row with the same key is the same measurement;
- ``value``: a measured number, with its unit, which direction is better and how many
  decimals a table shows;
- ``info``: a plain column that is not a measurement (a device name, an input size);
- ``detail``: kept in the row's JSON ``details`` column (skipped ops, notes, ...).

A mapping field declared with ``expand=`` becomes one column per name (one per MAC
counter, one per SSIM convention). The store's tables, the runner's is-done check and
the report's frames and best-value marks are derived from these declarations
(:func:`columns`), so a new field, counter or convention is added in one place.
Records convert to plain dicts (:meth:`Record.to_dict`, the nested shape earlier
versions returned) and allow mapping access (``record["median_ms"]``).
"""

from __future__ import annotations

import functools
import json
import math
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

HIGHER, LOWER = "higher", "lower"
R = TypeVar("R", bound="Record")


@dataclass(frozen=True)
class Column:
    """One stored column: name, SQL type, role and, for values, unit, direction and display."""

    name: str
    sql: str
    role: str
    field: str
    unit: str = ""
    better: str | None = None
    label: str = ""
    decimals: int | None = None
    nullable: bool = True
    shown: str = ""  # the unit tables show, when not the stored one (GMACs for MACs)
    scale: float = 1.0  # stored value x scale = shown value
    default: Any = None  # a key column's value in rows stored before the column existed

    def shown_value(self, stored: float | None) -> float | None:
        """A stored value in the unit tables show it in (None stays None).

        A scale below 1 divides by the unit's size (MACs / 1e9), which keeps integral counts
        exact in the last digit where multiplying by 1e-9 would not.
        """
        if stored is None or self.scale == 1.0:
            return stored
        return stored / round(1 / self.scale) if self.scale < 1 else stored * self.scale

    @property
    def header(self) -> str:
        """The display header: the label with its shown unit, e.g. ``PSNR (dB)``, ``fvcore (GMACs)``."""
        unit = self.shown or self.unit
        return f"{self.label} ({unit})" if unit else self.label


def key(label: str = "", default: Any = MISSING) -> Any:
    """A key field: together the key fields name one measurement (``default``: for rows stored before it)."""
    metadata = {"role": "key", "label": label}
    if default is MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata={**metadata, "sql_default": default})


def value(
    unit: str = "",
    better: str | None = None,
    label: str = "",
    decimals: int | None = None,
    *,
    shown: tuple[str, float] | None = None,
    expand: Callable[[], Sequence[str]] | None = None,
    default: Any = None,
) -> Any:
    """A measured value with its unit and better direction.

    ``shown``: (unit, factor) tables show it in, e.g. ``("M", 1e-6)``; ``expand``: one
    column per name it returns, ``label`` formatted with ``{name}``.
    """
    metadata = {"role": "value", "unit": unit, "better": better, "label": label, "decimals": decimals}
    if shown is not None:
        metadata.update(shown=shown[0], scale=shown[1])
    if expand is not None:
        return field(default_factory=dict, metadata={**metadata, "expand": expand})
    return field(default=default, metadata=metadata)


def info(label: str = "", default: Any = None) -> Any:
    """A plain column that is not a measurement (a device name, an input size)."""
    return field(default=default, metadata={"role": "info", "label": label})


def detail(default_factory: Callable[[], Any] = dict) -> Any:
    """A field kept in the row's JSON ``details`` column."""
    return field(default_factory=default_factory, metadata={"role": "detail"})


_SQL_TYPES = {int: "INTEGER", bool: "INTEGER", float: "REAL", str: "TEXT"}


def _sql_type(hint: Any) -> str:
    """SQL type of a field's type hint: ``int | None`` is INTEGER, ``Mapping[str, float]`` REAL."""
    if typing.get_origin(hint) in (Mapping, dict) or hint in (Mapping, dict):
        hint = typing.get_args(hint)[-1] if typing.get_args(hint) else float
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return _SQL_TYPES.get(args[0] if args else hint, "TEXT")


class Record:
    """Base of the typed records; see the module docstring for the field roles."""

    TABLE: ClassVar[str]
    ID: ClassVar[str | None] = None  # an autoincrement id column for records without a natural key

    @classmethod
    def columns(cls) -> tuple[Column, ...]:
        """Every stored column of this record, in order (see :func:`columns`)."""
        return columns(cls)

    @classmethod
    def column(cls, name: str) -> Column:
        """The column named ``name``."""
        for col in cls.columns():
            if col.name == name:
                return col
        raise KeyError(f"{cls.__name__} has no column {name!r}")

    @classmethod
    def key_names(cls) -> tuple[str, ...]:
        """The key columns, in order."""
        return tuple(c.name for c in cls.columns() if c.role == "key")

    @classmethod
    def value_columns(cls) -> tuple[Column, ...]:
        """The measured values, in order."""
        return tuple(c for c in cls.columns() if c.role == "value")

    def key(self) -> dict[str, Any]:
        """This record's natural key as ``{column: stored value}``."""
        row = self.to_row()
        return {name: row[name] for name in self.key_names()}

    def to_row(self) -> dict[str, Any]:
        """The flat, SQL-ready row: one entry per column plus ``details`` (JSON)."""
        row: dict[str, Any] = {}
        details: dict[str, Any] = {}
        for f in fields(self):
            meta, current = f.metadata, getattr(self, f.name)
            if meta.get("role") == "detail":
                details[f.name] = current
            elif "expand" in meta:
                for name in meta["expand"]():
                    row[f"{f.name}_{name}"] = _sql_value(current.get(name))
            elif meta.get("role"):
                row[f.name] = _sql_value(current)
        row["details"] = json.dumps(details, default=_plain, sort_keys=True)
        return row

    @classmethod
    def from_row(cls: type[R], row: Mapping[str, Any]) -> R:
        """A record from a stored row (the inverse of :meth:`to_row`)."""
        details = json.loads(row.get("details") or "{}")
        hints = _hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            meta = f.metadata
            if meta.get("role") == "detail":
                if f.name in details:
                    values[f.name] = details[f.name]
            elif "expand" in meta:
                values[f.name] = {n: _py(row.get(f"{f.name}_{n}")) for n in meta["expand"]()}
            elif meta.get("role") and f.name in row:
                values[f.name] = _coerce(hints[f.name], row[f.name])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain values: the field names as keys (override for a richer shape)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    # mapping access, so that callers of the dict results of earlier versions keep working
    def __getitem__(self, name: str) -> Any:
        return self.to_dict()[name]

    def __contains__(self, name: object) -> bool:
        return name in self.to_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def keys(self) -> Any:
        """The keys of :meth:`to_dict`."""
        return self.to_dict().keys()

    def get(self, name: str, default: Any = None) -> Any:
        """``to_dict().get(name, default)``."""
        return self.to_dict().get(name, default)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _columns(cls: type[Record], expanded: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Column, ...]:
    hints, names = _hints(cls), dict(expanded)
    out: list[Column] = []
    if cls.ID is not None:
        out.append(Column(cls.ID, "INTEGER", "id", cls.ID, nullable=False))
    for f in fields(cls):
        meta = f.metadata
        role = meta.get("role")
        if role in (None, "detail"):
            continue
        common = {
            "sql": _sql_type(hints[f.name]),
            "role": role,
            "field": f.name,
            "unit": meta.get("unit", ""),
            "better": meta.get("better"),
            "decimals": meta.get("decimals"),
            "nullable": role != "key",
            "shown": meta.get("shown", ""),
            "scale": meta.get("scale", 1.0),
            "default": meta.get("sql_default"),
        }
        label = meta.get("label") or f.name
        for name in names.get(f.name, (None,)):
            column = f.name if name is None else f"{f.name}_{name}"
            out.append(Column(column, label=label.format(name=name), **common))
    return tuple(out)


def columns(cls: type[Record]) -> tuple[Column, ...]:
    """The stored columns of a record type: id (if any), keys, values, infos; expansions resolved."""
    expanded = tuple((f.name, tuple(f.metadata["expand"]())) for f in fields(cls) if "expand" in f.metadata)
    return _columns(cls, expanded)


def _sql_value(value: Any) -> Any:
    """SQLite has no NaN or bool: NaN is NULL, a bool an integer."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return _sql_value(value.item())
    return value


def _py(value: Any) -> Any:
    """A stored value back in Python: pandas' NaN for a NULL float stays None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _coerce(hint: Any, value: Any) -> Any:
    value = _py(value)
    if value is None:
        return None
    base = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    if base[0] is bool:
        return bool(value)
    if base[0] is int:
        return int(value)
    if base[0] is float:
        return float(value)
    return value


def _plain(value: Any) -> Any:
    """JSON-ready: tuples as lists, mappings as dicts, numpy scalars as Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


# ----------------------------------------------------------------------------- the records


def counter_names() -> tuple[str, ...]:
    """The MAC counters, in the order of their table (:mod:`.counters`)."""
    from .counters import COUNTERS

    return tuple(COUNTERS.names())


def ssim_conventions() -> tuple[str, ...]:
    """The SSIM conventions every quality row holds (:data:`.metrics.SSIM_CONVENTIONS`)."""
    from .metrics import SSIM_CONVENTIONS

    return SSIM_CONVENTIONS


@dataclass(frozen=True)
class ComplexityRecord(Record):
    """Parameters and MACs of one network at one requested size, by every counter."""

    TABLE: ClassVar[str] = "complexity"

    model: str = key("Network")
    height: int = key()
    width: int = key()
    input_height: int | None = info()
    input_width: int | None = info()
    params_declared: int | None = value("parameters", LOWER, "Params", 3, shown=("M", 1e-6))
    params_trainable: int | None = value("parameters", LOWER, "Trainable params", 3, shown=("M", 1e-6))
    params_used: int | None = value("parameters", LOWER, "Params used", 3, shown=("M", 1e-6))
    macs: Mapping[str, int | None] = value(
        "MACs", LOWER, "{name}", shown=("GMACs", 1e-9), expand=counter_names
    )
    torch_version: str | None = info()
    raw: Mapping[str, int | None] = detail()
    skipped: Mapping[str, Mapping[str, int]] = detail()
    meta: Mapping[str, bool] = detail()
    notes: Mapping[str, str] = detail()
    unused_modules: Sequence[str] = detail(list)
    # per counter, what it got wrong and by how many MACs (see counters.CounterResult)
    miscounted: Mapping[str, Mapping[str, int]] = detail()
    # the count under each named convention (census.CONVENTIONS), beside the correct ones
    conventions: Mapping[str, int] = detail()
    aliases: Mapping[str, Sequence[str]] = detail()  # modules registered under several names

    @property
    def size(self) -> tuple[int, int]:
        """The requested (H, W)."""
        return (self.height, self.width)

    @classmethod
    def shown(cls, macs: float | None) -> float | None:
        """A MAC count in the unit tables show it in (GMACs), as the ``macs`` columns declare."""
        return next(c for c in cls.columns() if c.field == "macs").shown_value(macs)

    def shown_macs(self) -> dict[str, float | None]:
        """MACs per counter in the unit tables show them (:meth:`shown`)."""
        return {name: self.shown(v) for name, v in self.macs.items()}

    @property
    def params(self) -> dict[str, int | None]:
        """Declared, trainable, used and unused parameter counts."""
        unused = None
        if self.params_used is not None and self.params_declared is not None:
            unused = self.params_declared - self.params_used
        return {
            "declared": self.params_declared,
            "trainable": self.params_trainable,
            "used": self.params_used,
            "unused": unused,
        }

    def to_dict(self) -> dict[str, Any]:
        """The nested shape ``complexity()`` returned before it returned records."""
        return _plain(
            {
                "model": self.model,
                "size": [self.height, self.width],
                "input_size": [self.input_height, self.input_width],
                "params": self.params,
                "unused_modules": self.unused_modules,
                "macs": dict(self.macs),
                "raw": dict(self.raw),
                "skipped": dict(self.skipped),
                "miscounted": dict(self.miscounted),
                "conventions": dict(self.conventions),
                "aliases": dict(self.aliases),
                "meta": dict(self.meta),
                "notes": dict(self.notes),
            }
        )

    @classmethod
    def from_dict(cls, result: Mapping[str, Any], torch_version: str | None = None) -> ComplexityRecord:
        """A record from the nested dict shape (:meth:`to_dict`), e.g. a schema-0 store's JSON."""
        params = result.get("params", {})
        input_size = result.get("input_size") or result["size"]
        return cls(
            model=result["model"],
            height=int(result["size"][0]),
            width=int(result["size"][1]),
            input_height=int(input_size[0]),
            input_width=int(input_size[1]),
            params_declared=params.get("declared"),
            params_trainable=params.get("trainable"),
            params_used=params.get("used"),
            macs=dict(result.get("macs", {})),
            torch_version=torch_version,
            raw=dict(result.get("raw", {})),
            skipped=dict(result.get("skipped", {})),
            miscounted=dict(result.get("miscounted", {})),
            conventions=dict(result.get("conventions", {})),
            aliases=dict(result.get("aliases", {})),
            meta=dict(result.get("meta", {})),
            notes=dict(result.get("notes", {})),
            unused_modules=list(result.get("unused_modules", [])),
        )


@dataclass(frozen=True)
class LatencyRecord(Record):
    """One timing of a network's official test-time path: its settings are its key."""

    TABLE: ClassVar[str] = "latency"

    model: str = key("Network")
    device: str = key("Device type")
    device_name: str = key("Device")
    torch_version: str = key("torch")
    dtype: str = key("Dtype")
    batch: int = key("Batch")
    height: int = key()
    width: int = key()
    channels_last: bool = key("channels_last")
    compile: bool = key("compiled")
    threads: int = key("Threads")  # CPU threads; 0 on CUDA
    sync: bool = key("Synchronised")
    timing: str = key("Timing plan", default="")  # quick / publication; "" for rows timed before plans
    median_ms: float | None = value("ms", LOWER, "Median")
    p10_ms: float | None = value("ms", LOWER, "p10")
    p90_ms: float | None = value("ms", LOWER, "p90")
    mean_ms: float | None = value("ms", LOWER, "Mean")
    repeats: int | None = info("Repeats")
    ci_low_ms: float | None = info("Median interval low (ms)")  # distribution-free interval of the median
    ci_high_ms: float | None = info("Median interval high (ms)")
    stopped: str | None = info("Stopped")  # converged, budget or max repeats
    peak_memory_mb: float | None = value("MiB", LOWER, "Peak memory")
    input_height: int | None = info()
    input_width: int | None = info()
    min_ms: float | None = detail(lambda: None)
    max_ms: float | None = detail(lambda: None)
    std_ms: float | None = detail(lambda: None)
    warmup: int | None = detail(lambda: None)
    method: str = detail(str)
    autocast: bool = detail(bool)
    cudnn_benchmark: bool | None = detail(lambda: None)
    load_before: float | None = detail(lambda: None)  # 1-minute load average before the timing
    load_after: float | None = detail(lambda: None)  # and after it (bench/contention.py)
    cores: int | None = detail(lambda: None)  # the cores this process could use

    @property
    def size(self) -> tuple[int, int]:
        """The requested (H, W)."""
        return (self.height, self.width)

    def to_dict(self) -> dict[str, Any]:
        """The flat shape ``latency()`` returned before it returned records."""
        out = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        out["size"] = [out.pop("height"), out.pop("width")]
        out["input_size"] = [out.pop("input_height"), out.pop("input_width")]
        out["threads"] = self.threads if self.device == "cpu" else None
        return out

    @classmethod
    def from_dict(cls, result: Mapping[str, Any]) -> LatencyRecord:
        """A record from the flat dict shape (:meth:`to_dict`), e.g. a schema-0 store's JSON."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in result.items() if k in names}
        size = result["size"]
        input_size = result.get("input_size") or size
        values.update(height=int(size[0]), width=int(size[1]))
        values.update(input_height=int(input_size[0]), input_width=int(input_size[1]))
        values["threads"] = int(result.get("threads") or 0)
        return cls(**values)


@dataclass(frozen=True)
class QualityRecord(Record):
    """One image's scores: PSNR, SSIM in every convention, LPIPS, and the forward time."""

    TABLE: ClassVar[str] = "quality"
    IMAGE: ClassVar[str] = "image_id"  # the key field that varies within one evaluation

    model: str = key("Network")
    weights: str = key("Weights")
    dataset: str = key("Dataset")
    split: str = key("Split")
    image_id: str = key("Image")
    protocol: str = key("Protocol")
    quantized: bool = key("8-bit")
    variant: str = key("Variant", default="")  # dataset options that select other pairs ("blur=blur_gamma")
    device: str = key("Device", default="cpu")  # where the network ran: another device is another row
    dtype: str = key("Dtype", default="float32")  # its compute dtype: bfloat16 scores are not float32's
    psnr: float | None = value("dB", HIGHER, "PSNR", 2)
    ssim: Mapping[str, float | None] = value("", HIGHER, "SSIM ({name})", 4, expand=ssim_conventions)
    lpips: float | None = value("", LOWER, "LPIPS", 4)
    lpips_net: str | None = info("LPIPS backbone")
    seconds: float | None = value("s", LOWER, "Time")
    height: int | None = info()
    width: int | None = info()
    extra: Mapping[str, Any] = detail()

    @classmethod
    def group_names(cls) -> tuple[str, ...]:
        """The key fields the rows of one evaluation share: every key field but the image."""
        return tuple(name for name in cls.key_names() if name != cls.IMAGE)

    def to_dict(self) -> dict[str, Any]:
        """One flat row: keys, ``ssim_<convention>`` columns, the other values and the extras."""
        row = {k: v for k, v in self.to_row().items() if k != "details"}
        row["quantized"] = bool(self.quantized)
        return {**row, **_plain(dict(self.extra))}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> QualityRecord:
        """A record from a flat row (:meth:`to_dict`): unknown entries go to ``extra``."""
        names = {f.name for f in fields(cls)} - {"ssim", "extra"}
        conventions = ssim_conventions()
        missing = [
            c.name for c in cls.columns() if c.role == "key" and c.default is None and c.name not in row
        ]
        if missing:
            raise ValueError(f"quality row lacks {', '.join(missing)}")
        values = {k: _py(v) for k, v in row.items() if k in names}
        values["ssim"] = {c: _py(row.get(f"ssim_{c}")) for c in conventions}
        values["extra"] = {
            k: v for k, v in row.items() if k not in names and k.removeprefix("ssim_") not in conventions
        }
        values["quantized"] = bool(row["quantized"])
        return cls(**values)


@dataclass(frozen=True)
class FailureRecord(Record):
    """A measurement that raised: which network, which task, and the error (first line, then detail)."""

    TABLE: ClassVar[str] = "failures"
    ID: ClassVar[str | None] = "id"

    model: str = info("Network")
    task: str = info("Task")
    error: str = info("Error")


@dataclass(frozen=True)
class RunRecord(Record):
    """One invocation: when it ran, the command, its configuration and environment (JSON)."""

    TABLE: ClassVar[str] = "runs"
    ID: ClassVar[str | None] = "run_id"

    started: float = info()
    command: str = info()
    config: str = info()
    environment: str = info()
    finished: float | None = info()
    load_start: float | None = info()  # the machine's 1-minute load average when the run started
    load_end: float | None = info()


MEASUREMENTS: tuple[type[Record], ...] = (ComplexityRecord, LatencyRecord, QualityRecord, FailureRecord)
RECORDS: tuple[type[Record], ...] = (RunRecord, *MEASUREMENTS)
