"""SQLite results store: one table per record type of :mod:`.records`, versioned.

One file per output directory, WAL mode, every write its own transaction, and a
natural unique key per row (the record's key fields), so a killed sweep loses at most
the row in flight and a resumed one skips what is there. The tables are derived from
the record declarations (:mod:`.schema`). ``PRAGMA application_id`` marks a deblurbench
store and ``PRAGMA user_version`` its schema: a store of an older schema is migrated in place in
one transaction (:mod:`.migrations`); another program's SQLite file, a newer schema or
a file that is not SQLite is refused with one line and left unchanged.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import torch

from .migrations import backup, is_schema0, migrate
from .records import RECORDS, FailureRecord, QualityRecord, Record, RunRecord
from .schema import APPLICATION_ID, SCHEMA_VERSION, TABLES, add_declared_columns, create_schema, insert_row

if TYPE_CHECKING:
    import pandas as pd

_OPEN_TIMEOUT_S = 60.0
_SQLITE_HEADER = b"SQLite format 3\x00"
R = TypeVar("R", bound=Record)


class StoreError(ValueError):
    """A results store that cannot be used as it is; one line naming the file and what to do."""


def environment() -> dict[str, Any]:
    """What a result depends on beyond its settings: library versions and machine."""
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cuda_available": torch.cuda.is_available(),
        "cpu_threads": torch.get_num_threads(),
    }


def load_average() -> float | None:
    """The machine's 1-minute load average (None where the system does not say): a busy machine times slowly."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def fault(path: Path, exc: sqlite3.Error) -> StoreError | None:
    """What a SQLite error on the store at ``path`` means, as one line; None for one that says nothing of the place."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{path}: locked by another process for over {_OPEN_TIMEOUT_S:g} s; let it finish (or stop it) "
            "and run again; the store is intact"
        )
    if "disk is full" in text or "disk full" in text:
        return StoreError(f"{path}: disk full; free space on its disk and run again; the store is intact")
    if "readonly" in text or "read-only" in text or "permission" in text or "access permission" in text:
        return StoreError(
            f"{path}: cannot be written (permission); choose another --out or fix its permissions"
        )
    if "unable to open" in text:
        return StoreError(f"{path}: cannot be opened ({exc}); check the directory and its permissions")
    if "disk i/o" in text:
        return StoreError(f"{path}: disk I/O error; check the disk and run again; the store is intact")
    return None


def _header(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(len(_SQLITE_HEADER))


def _identity(db: sqlite3.Connection) -> tuple[int, int, dict[str, list[str]]]:
    """(application_id, user_version, {table: columns}) of an open database."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    tables = {n: [r[1] for r in db.execute(f"PRAGMA table_info({n!r})")] for n in names}
    return app_id, version, {n: c for n, c in tables.items() if not n.startswith("sqlite_")}


def _inspect(path: Path) -> tuple[int, int, dict[str, list[str]]]:
    """Read a file's identity read-only, so that a file we refuse is left byte for byte as it was."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_OPEN_TIMEOUT_S)
    except sqlite3.OperationalError as exc:
        raise fault(path, exc) or StoreError(
            f"{path}: cannot be read ({exc}); check its permissions"
        ) from None
    try:
        return _identity(db)
    finally:
        db.close()


def _retry_locked(action: Any) -> Any:
    """Run ``action`` again while another process holds SQLite's lock (up to a minute).

    Switching a new file to WAL needs an exclusive lock, and SQLite reports "database is
    locked" at once, without its busy handler, when another process is doing the same
    (torchrun ranks opening one new store): so wait and try again.
    """
    deadline = time.monotonic() + _OPEN_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(2 * delay, 0.5)


def output_directory(path: str | Path) -> Path:
    """An output directory, created if missing; one line if it is a file or cannot be written."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise StoreError(
            f"{path}: is a file, not a directory; the output is a directory: choose another --out"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{path}: the directory cannot be created ({exc.strerror}); choose another --out"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise StoreError(f"{path}: the directory cannot be written (read-only); choose another --out")
    return path


def store_path(path: str | Path) -> Path:
    """The store file of an output directory (``DIR/results.sqlite``), or a ``*.sqlite`` file itself.

    Whatever its name (``out.v2``, ``results.2026``), a path is a directory unless it ends in
    ``.sqlite`` and is not a directory; the directory is created if missing.
    """
    path = Path(path)
    if path.suffix == ".sqlite" and not path.is_dir():
        output_directory(path.parent)
        return path
    return output_directory(path) / Store.FILENAME


class Store:
    """The results of one output directory, in ``results.sqlite``."""

    FILENAME = "results.sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = store_path(path)
        self.migrated_from: int | None = None
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            raise StoreError(f"{self.path}: cannot be written (read-only file); choose another --out")
        try:
            self._connected(_retry_locked(self._open))
        except sqlite3.DatabaseError as exc:
            raise fault(self.path, exc) or StoreError(
                f"{self.path}: not a deblurbench results store ({exc}); choose another --out"
            ) from None

    @classmethod
    def reader(cls, out: str | Path) -> Store:
        """``out``'s store opened only to read (``claims``): nothing is created, written or migrated there."""
        store = cls.__new__(cls)
        store.path, store.migrated_from = Path(out) / cls.FILENAME, None
        app_id, version, tables = _inspect(store.path)
        store._refuse_foreign(app_id, version, tables)
        if tables and (app_id != APPLICATION_ID or version < SCHEMA_VERSION):
            raise StoreError(
                f"{store.path}: an older store (schema {version}) that cannot be written to be migrated; "
                "make it writable or run 'deblurbench report --out' on a copy"
            )
        writable = os.access(
            store.path.parent, os.W_OK | os.X_OK
        )  # else no -shm can be made: read as immutable
        uri = f"{store.path.resolve().as_uri()}?mode=ro{'' if writable else '&immutable=1'}"
        store._connected(sqlite3.connect(uri, uri=True, timeout=_OPEN_TIMEOUT_S, isolation_level=None))
        return store

    def _connected(self, db: sqlite3.Connection) -> None:
        """Keep ``db``, closed by :meth:`close`, when the store is freed, or at the latest at interpreter
        exit (an atexit finaliser): the last close folds the WAL into ``results.sqlite``, so the file
        alone holds every row even where nothing closed the store and the exit runs no collection."""
        self._db = db
        self._close = weakref.finalize(self, db.close)

    # ---- opening ----
    def _check_file(self) -> None:
        """Refuse, untouched, a file that is not ours; back up one that is about to be migrated."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        if _header(self.path) != _SQLITE_HEADER:
            raise StoreError(
                f"{self.path}: not a deblurbench results store (not a SQLite database), left unchanged; "
                "choose another --out"
            )
        app_id, version, tables = _inspect(self.path)
        self._refuse_foreign(app_id, version, tables)
        if tables and (app_id != APPLICATION_ID or version < SCHEMA_VERSION):
            backup(self.path, version if app_id == APPLICATION_ID else 0)

    def _refuse_foreign(self, app_id: int, version: int, tables: Mapping[str, list[str]]) -> None:
        if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer deblurbench (store schema {version}; this version reads "
                f"up to {SCHEMA_VERSION}), left unchanged: upgrade deblurbench or choose another --out"
            )
        if app_id == APPLICATION_ID or (app_id == 0 and (not tables or is_schema0(tables))):
            return
        owner = f"application_id {app_id:#x}" if app_id else f"tables {', '.join(sorted(tables))}"
        raise StoreError(
            f"{self.path}: not a deblurbench results store (a SQLite database of another program: {owner}), "
            "left unchanged; choose another --out"
        )

    def _open(self) -> sqlite3.Connection:
        self._check_file()
        db = sqlite3.connect(self.path, timeout=_OPEN_TIMEOUT_S, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            self._upgrade(db)
            return db
        except BaseException:
            db.close()
            raise

    def _upgrade(self, db: sqlite3.Connection) -> None:
        """Create the schema in a new file or migrate an older one, in one transaction."""
        db.execute("BEGIN IMMEDIATE")
        try:
            app_id, version, tables = _identity(db)  # again, under the lock: another process may have done it
            self._refuse_foreign(app_id, version, tables)
            if not tables:
                create_schema(db)
            elif app_id != APPLICATION_ID or version < SCHEMA_VERSION:
                self.migrated_from = migrate(db, self.path, version if app_id == APPLICATION_ID else 0)
            add_declared_columns(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (once; again is a no-op)."""
        self._close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any error, a SQLite fault (locked, disk full) as one line."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            finally:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise fault(self.path, exc) or exc from None

    # ---- writing ----
    def put(self, records: Record | Iterable[Record], run_id: int | None = None) -> None:
        """Store records in one transaction; a row with the same natural key is replaced."""
        batch = [records] if isinstance(records, Record) else list(records)
        stamp = {"run_id": run_id, "created": time.time()}
        with self._transaction() as db:
            for record in batch:
                insert_row(db, record, {} if isinstance(record, RunRecord) else stamp)

    def start_run(self, command: str, config: Mapping[str, Any]) -> int:
        """Record the start of a run; returns its id."""
        run = RunRecord(
            started=time.time(),
            command=command,
            config=json.dumps(dict(config), default=str),
            environment=json.dumps(environment()),
            load_start=load_average(),
        )
        self.put(run)
        return int(self._db.execute("SELECT max(run_id) FROM runs").fetchone()[0])

    def finish_run(self, run_id: int) -> None:
        """Mark a run finished."""
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished = ?, load_end = ? WHERE run_id = ?",
                (time.time(), load_average(), run_id),
            )

    def put_failure(self, model: str, task: str, error: str, run_id: int | None = None) -> None:
        """Record that ``task`` failed for ``model``; the sweep goes on."""
        self.put(FailureRecord(model=model, task=task, error=error), run_id)

    # ---- reading ----
    def has(self, record: type[Record], key: Mapping[str, Any]) -> bool:
        """Whether a row of ``record`` with this natural key is stored."""
        names = record.key_names()
        where = " AND ".join(f"{n} = ?" for n in names)
        values = tuple(int(v) if isinstance(v, bool) else v for v in (key[n] for n in names))
        return self._db.execute(f"SELECT 1 FROM {record.TABLE} WHERE {where}", values).fetchone() is not None

    def values(self, record: type[Record], column: str, where: Mapping[str, Any]) -> set[Any]:
        """The distinct values of ``column`` in rows matching ``where`` (column -> value)."""
        clause = " AND ".join(f"{n} = ?" for n in where) or "1"
        params = tuple(int(v) if isinstance(v, bool) else v for v in where.values())
        rows = self._db.execute(f"SELECT DISTINCT {column} FROM {record.TABLE} WHERE {clause}", params)
        return {r[0] for r in rows}

    def quality_done(self, group: Mapping[str, Any]) -> set[str]:
        """The image ids already stored for one group: every quality key field but the image id."""
        missing = [k for k in QualityRecord.key_names() if k != "image_id" and k not in group]
        if missing:
            raise ValueError(f"quality group lacks {', '.join(missing)}")
        return self.values(QualityRecord, "image_id", group)

    def records(self, record: type[R]) -> list[R]:
        """Every stored row of ``record`` as a typed record."""
        cursor = self._db.execute(f"SELECT * FROM {record.TABLE}")
        names = [d[0] for d in cursor.description]
        return [record.from_row(dict(zip(names, row, strict=True))) for row in cursor]

    def frame(self, table: str) -> pd.DataFrame:
        """A whole table as a DataFrame (one of :data:`TABLES`)."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
        import pandas as pd  # here, not at the top: ``train`` and the parser read no tables

        self._check_numbers(table)
        return pd.read_sql_query(f"SELECT * FROM {table}", self._db)

    def _check_numbers(self, table: str) -> None:
        """One line naming the table and column when a numeric column holds text (a store changed by hand)."""
        record = next(r for r in RECORDS if table == r.TABLE)
        for column in record.columns():
            if column.sql not in ("INTEGER", "REAL"):
                continue
            bad = self._db.execute(
                f"SELECT count(*), min(quote({column.name})) FROM {table} "
                f"WHERE typeof({column.name}) NOT IN ('integer', 'real', 'null')"
            ).fetchone()
            if bad[0]:
                raise StoreError(
                    f"{self.path}: table {table}, column {column.name} holds {bad[0]} non-number(s) (e.g. {bad[1]}): "
                    "the store was changed outside deblurbench; fix or delete those rows, or choose another --out"
                )
