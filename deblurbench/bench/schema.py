"""The results store's schema: its tables derived from the records, its version and its mark.

One table per record type of :mod:`.records` (the record's columns, a ``details`` JSON
column, the run id and creation time, the natural key as ``UNIQUE``), ``PRAGMA
application_id`` marking a deblurbench store and ``PRAGMA user_version`` its schema.
The store (:mod:`.store`) and the migrations (:mod:`.migrations`) both build from here,
so that neither needs the other to know what the current schema is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .records import RECORDS, Record, RunRecord

APPLICATION_ID = 0x44424E43  # "DBNC": marks a deblurbench results store
SCHEMA_VERSION = 4
TABLES = tuple(r.TABLE for r in RECORDS)


def table_sql(record: type[Record]) -> str:
    """``CREATE TABLE`` of a record type: its columns, ``details`` JSON, run id and time, its key."""
    lines = []
    for column in record.columns():
        if column.role == "id":
            lines.append(f"{column.name} INTEGER PRIMARY KEY AUTOINCREMENT")
        else:
            default = "" if column.default is None else f" DEFAULT {_literal(column.default)}"
            lines.append(f"{column.name} {column.sql}{'' if column.nullable else ' NOT NULL'}{default}")
    lines.append("details TEXT NOT NULL DEFAULT '{}'")
    if record is not RunRecord:
        lines += ["run_id INTEGER", "created REAL NOT NULL"]
    if record.key_names():
        lines.append(f"UNIQUE ({', '.join(record.key_names())})")
    return f"CREATE TABLE {record.TABLE} (\n    " + ",\n    ".join(lines) + "\n)"


def _literal(value: Any) -> str:
    """A Python default as an SQL literal."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value) if isinstance(value, bool) else value)


def mark(db: sqlite3.Connection) -> None:
    """Mark the file as a deblurbench store of the current schema (inside the caller's transaction)."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create_schema(db: sqlite3.Connection) -> None:
    """Create every table of the current schema and mark the file (inside the caller's transaction)."""
    for record in RECORDS:
        db.execute(table_sql(record))
    mark(db)


def add_declared_columns(db: sqlite3.Connection) -> None:
    """Add the value columns a record declares that the store lacks (a new counter, metric or field).

    Additive changes need no schema version: the new column is NULL in the rows stored before it.
    """
    for record in RECORDS:
        present = {r[1] for r in db.execute(f"PRAGMA table_info({record.TABLE})")}
        for column in record.columns():
            if column.name not in present and column.nullable:
                db.execute(f"ALTER TABLE {record.TABLE} ADD COLUMN {column.name} {column.sql}")


def insert_row(db: sqlite3.Connection, record: Record, extra: Mapping[str, Any]) -> None:
    """``INSERT OR REPLACE`` one record's row plus ``extra`` columns (run id, creation time, id)."""
    row = {**record.to_row(), **extra}
    verb = "INSERT OR REPLACE" if record.key_names() else "INSERT"
    db.execute(
        f"{verb} INTO {record.TABLE} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )
