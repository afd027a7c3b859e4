"""Store migrations: older deblurbench schemas to the current one, in place, in one transaction.

Schema 0 is the store of deblurbench 0.1 before stores were versioned (no
``application_id``, ``user_version`` 0): tables ``runs``, ``complexity``, ``latency``,
``quality``, ``failures``, with each complexity and latency result also kept whole as
JSON in a ``result`` column and a quality row's extras in ``extra``. Schema 1 derives
every table from the record declarations (:mod:`.records`), the JSON in ``details``.
Each step reads the old rows into typed records, so what a migrated store holds is
exactly what the current code would have written. A copy of the file as it was is
kept beside it (``results.sqlite.schema0.bak``) before the first write.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .records import ComplexityRecord, FailureRecord, LatencyRecord, QualityRecord, Record, RunRecord
from .schema import SCHEMA_VERSION, create_schema, insert_row, mark, table_sql

# What identifies a schema-0 store: its table names and, per table, the columns it must have.
SCHEMA0_REQUIRED = {
    "runs": {"run_id", "started", "command", "config", "environment"},
    "complexity": {"model", "height", "width"},
    "latency": {"model", "device", "height", "width"},
    "quality": {"model", "weights", "dataset", "split", "image_id", "protocol", "quantized"},
    "failures": {"model", "task", "error"},
}


def is_schema0(tables: Mapping[str, list[str]]) -> bool:
    """Whether tables ``{name: columns}`` are a deblurbench schema-0 store's."""
    names = set(tables) - {"sqlite_sequence"}
    return (
        "runs" in names
        and names <= set(SCHEMA0_REQUIRED)
        and all(SCHEMA0_REQUIRED[n] <= set(tables[n]) for n in names)
    )


def backup(path: Path, version: int) -> Path:
    """Copy the store as it is to ``<file>.schema<version>.bak`` (SQLite's backup API, then a rename)."""
    target = path.with_name(f"{path.name}.schema{version}.bak")
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return target


def _json(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        value = None
    return value if isinstance(value, dict) else {}


def _complexity0(row: dict[str, Any]) -> Record:
    result = _json(row.get("result"))
    if "size" in result:
        return ComplexityRecord.from_dict(result, torch_version=row.get("torch_version"))
    return ComplexityRecord.from_row(row)


def _latency0(row: dict[str, Any]) -> Record:
    result = _json(row.get("result"))
    if "size" in result:
        return LatencyRecord.from_dict(result)
    return LatencyRecord.from_row(row)


def _quality0(row: dict[str, Any]) -> Record:
    flat = {k: v for k, v in row.items() if k not in ("extra", "run_id", "created")}
    return QualityRecord.from_dict({**flat, **_json(row.get("extra"))})


def _run0(row: dict[str, Any]) -> Record:
    names = ("started", "command", "config", "environment", "finished")
    return RunRecord(**{k: row.get(k) for k in names})


def _failure0(row: dict[str, Any]) -> Record:
    return FailureRecord(model=row["model"], task=row["task"], error=row["error"])


# table -> (its row converter, the old columns that are not part of the record but kept as they are)
_SCHEMA0: dict[str, tuple[Callable[[dict[str, Any]], Record], tuple[str, ...]]] = {
    "runs": (_run0, ("run_id",)),
    "complexity": (_complexity0, ("run_id", "created")),
    "latency": (_latency0, ("run_id", "created")),
    "quality": (_quality0, ("run_id", "created")),
    "failures": (_failure0, ("id", "run_id", "created")),
}


def _from_schema0(db: sqlite3.Connection) -> None:
    """Schema 0 -> 1: rename the old tables, create the new ones, move every row through its record."""
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    old = [name for name in _SCHEMA0 if name in present]
    for name in old:
        db.execute(f"ALTER TABLE {name} RENAME TO {name}_schema0")
    create_schema(db)
    for name in old:
        convert, kept = _SCHEMA0[name]
        cursor = db.execute(f"SELECT * FROM {name}_schema0")
        columns = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            extra = {k: row[k] for k in kept if k in row}
            if name != "runs":
                extra.setdefault("created", 0.0)
            insert_row(db, convert(row), extra)
        db.execute(f"DROP TABLE {name}_schema0")


def rebuild(db: sqlite3.Connection, record: type[Record], moved: Mapping[str, str] | None = None) -> None:
    """Recreate a record's table as it is declared now, keeping every row (columns it lacked: defaults).

    ``moved``: an SQL expression over the old row for a column that changed role (e.g. joined the key).
    """
    old = [r[1] for r in db.execute(f"PRAGMA table_info({record.TABLE})")]
    db.execute(f"ALTER TABLE {record.TABLE} RENAME TO {record.TABLE}_old")
    db.execute(table_sql(record))
    new = [r[1] for r in db.execute(f"PRAGMA table_info({record.TABLE})")]
    moved = moved or {}
    common = [c for c in new if c in old or c in moved]
    selected = ", ".join(moved.get(c, c) for c in common)
    db.execute(f"INSERT INTO {record.TABLE} ({', '.join(common)}) SELECT {selected} FROM {record.TABLE}_old")
    db.execute(f"DROP TABLE {record.TABLE}_old")


def _default_of(name: str) -> str:
    """A quality key column's declared default as an SQL literal."""
    column = next(c for c in QualityRecord.columns() if c.name == name)
    return "'" + str(column.default).replace("'", "''") + "'"


# 3 -> 4: device (its kind: cuda, not cuda:1) and dtype join the quality key; rows stored before
# keep what they recorded, else the key's defaults (cpu, float32)
_DEVICE_DTYPE = {
    "device": f"COALESCE(NULLIF(substr(device, 1, instr(device || ':', ':') - 1), ''), {_default_of('device')})",
    "dtype": f"COALESCE(NULLIF(dtype, ''), {_default_of('dtype')})",
}


# version -> the step that brings a store of that version to the next one. Schema 0 is read
# into records and written as the current schema at once (it needs no later step).
STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: lambda db: rebuild(db, QualityRecord),  # 1 -> 2: the dataset variant joins the quality key
    2: lambda db: rebuild(db, LatencyRecord),  # 2 -> 3: the timing plan joins the latency key
    3: lambda db: rebuild(db, QualityRecord, _DEVICE_DTYPE),  # 3 -> 4: device and dtype join the quality key
}


def migrate(db: sqlite3.Connection, path: Path, version: int) -> int:
    """Bring a store of schema ``version`` to the current one inside the caller's transaction; returns ``version``."""
    if version == 0:
        _from_schema0(db)
    for step in range(max(version, 1), SCHEMA_VERSION):
        STEPS[step](db)
    mark(db)
    return version
