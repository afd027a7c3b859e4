"""SQLite results store: runs, complexity rows, latency rows, per-image quality rows, failures.

One file per output directory, WAL mode, every write its own transaction, and a
natural unique key per row, so a killed sweep loses at most the row in flight
and a resumed one skips what is there.
"""

from __future__ import annotations

import json
import platform
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import torch

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    command TEXT NOT NULL,
    config TEXT NOT NULL,
    environment TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS complexity (
    model TEXT NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    input_height INTEGER NOT NULL,
    input_width INTEGER NOT NULL,
    params_declared INTEGER,
    params_trainable INTEGER,
    params_used INTEGER,
    macs_fvcore INTEGER,
    macs_ptflops_pytorch INTEGER,
    macs_ptflops_aten INTEGER,
    macs_torch_flop_counter INTEGER,
    result TEXT NOT NULL,
    torch_version TEXT NOT NULL,
    run_id INTEGER,
    created REAL NOT NULL,
    PRIMARY KEY (model, height, width)
);
CREATE TABLE IF NOT EXISTS latency (
    model TEXT NOT NULL,
    device TEXT NOT NULL,
    device_name TEXT NOT NULL,
    torch_version TEXT NOT NULL,
    dtype TEXT NOT NULL,
    batch INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    channels_last INTEGER NOT NULL,
    compile INTEGER NOT NULL,
    threads INTEGER NOT NULL,
    sync INTEGER NOT NULL,
    median_ms REAL,
    p10_ms REAL,
    p90_ms REAL,
    mean_ms REAL,
    repeats INTEGER,
    peak_memory_mb REAL,
    result TEXT NOT NULL,
    run_id INTEGER,
    created REAL NOT NULL,
    UNIQUE (model, device, device_name, torch_version, dtype, batch, height, width,
            channels_last, compile, threads, sync)
);
CREATE TABLE IF NOT EXISTS quality (
    model TEXT NOT NULL,
    weights TEXT NOT NULL,
    dataset TEXT NOT NULL,
    split TEXT NOT NULL,
    image_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    quantized INTEGER NOT NULL,
    psnr REAL,
    ssim_skimage REAL,
    ssim_matlab REAL,
    ssim_basicsr REAL,
    lpips REAL,
    lpips_net TEXT,
    seconds REAL,
    height INTEGER,
    width INTEGER,
    device TEXT,
    dtype TEXT,
    extra TEXT NOT NULL,
    run_id INTEGER,
    created REAL NOT NULL,
    PRIMARY KEY (model, weights, dataset, split, image_id, protocol, quantized)
);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    model TEXT NOT NULL,
    task TEXT NOT NULL,
    error TEXT NOT NULL,
    created REAL NOT NULL
);
"""


def environment() -> dict[str, Any]:
    """What a result depends on beyond its settings: library versions and machine."""
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cuda_available": torch.cuda.is_available(),
        "cpu_threads": torch.get_num_threads(),
    }


def latency_key(result: dict[str, Any]) -> tuple:
    """The natural key of a latency row (its settings, device and torch version)."""
    return (
        result["model"],
        result["device"],
        result["device_name"],
        result["torch_version"],
        result["dtype"],
        int(result["batch"]),
        int(result["size"][0]),
        int(result["size"][1]),
        int(bool(result["channels_last"])),
        int(bool(result["compile"])),
        int(result["threads"] or 0),
        int(bool(result["sync"])),
    )


QUALITY_KEY = ("model", "weights", "dataset", "split", "image_id", "protocol", "quantized")
QUALITY_VALUES = (
    "psnr",
    "ssim_skimage",
    "ssim_matlab",
    "ssim_basicsr",
    "lpips",
    "lpips_net",
    "seconds",
    "height",
    "width",
    "device",
    "dtype",
)
TABLES = ("runs", "complexity", "latency", "quality", "failures")


def _nan_to_none(value: Any) -> Any:
    """SQLite has no NaN: a missing metric (NaN) is stored as NULL."""
    if isinstance(value, float) and value != value:
        return None
    return value


_OPEN_TIMEOUT_S = 60.0


def _open(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with the schema in place, retried while another process holds a lock.

    Switching a new file to WAL needs an exclusive lock, and SQLite reports "database is
    locked" at once, without its busy handler, when another process is doing the same
    (torchrun ranks opening one new store): so wait and try again, up to a minute.
    """
    deadline = time.monotonic() + _OPEN_TIMEOUT_S
    delay = 0.01
    while True:
        db = sqlite3.connect(path, timeout=_OPEN_TIMEOUT_S, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        except BaseException:
            db.close()
            raise
        time.sleep(delay)
        delay = min(2 * delay, 0.5)


class Store:
    """The results of one output directory, in ``results.sqlite``."""

    FILENAME = "results.sqlite"

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.is_dir() or not path.suffix:
            path.mkdir(parents=True, exist_ok=True)
            path = path / self.FILENAME
        self.path = path
        try:
            self._db = _open(path)
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"{path}: not a deblurbench results store ({exc}); choose another --out"
            ) from None

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ---- runs ----
    def start_run(self, command: str, config: dict[str, Any]) -> int:
        """Record the start of a run; returns its id."""
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (started, command, config, environment) VALUES (?, ?, ?, ?)",
                (time.time(), command, json.dumps(config, default=str), json.dumps(environment())),
            )
            return int(cur.lastrowid)

    def finish_run(self, run_id: int) -> None:
        """Mark a run finished."""
        with self._transaction() as db:
            db.execute("UPDATE runs SET finished = ? WHERE run_id = ?", (time.time(), run_id))

    # ---- complexity ----
    def has_complexity(self, model: str, height: int, width: int) -> bool:
        """Whether this model's complexity at this size is stored."""
        row = self._db.execute(
            "SELECT 1 FROM complexity WHERE model = ? AND height = ? AND width = ?", (model, height, width)
        ).fetchone()
        return row is not None

    def put_complexity(self, result: dict[str, Any], run_id: int | None = None) -> None:
        """Store one :func:`deblurbench.bench.complexity.complexity` result (replacing an older one)."""
        macs, params = result["macs"], result["params"]
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO complexity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    result["model"],
                    result["size"][0],
                    result["size"][1],
                    result["input_size"][0],
                    result["input_size"][1],
                    params["declared"],
                    params["trainable"],
                    params.get("used"),
                    macs.get("fvcore"),
                    macs.get("ptflops_pytorch"),
                    macs.get("ptflops_aten"),
                    macs.get("torch_flop_counter"),
                    json.dumps(result),
                    torch.__version__,
                    run_id,
                    time.time(),
                ),
            )

    # ---- latency ----
    def has_latency(self, key: tuple) -> bool:
        """Whether a latency row with this natural key (see :func:`latency_key`) is stored."""
        row = self._db.execute(
            "SELECT 1 FROM latency WHERE model=? AND device=? AND device_name=? AND torch_version=? "
            "AND dtype=? AND batch=? AND height=? AND width=? AND channels_last=? AND compile=? "
            "AND threads=? AND sync=?",
            key,
        ).fetchone()
        return row is not None

    def put_latency(self, result: dict[str, Any], run_id: int | None = None) -> None:
        """Store one :func:`deblurbench.bench.latency.latency` result (replacing an older one)."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO latency VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    *latency_key(result),
                    result["median_ms"],
                    result["p10_ms"],
                    result["p90_ms"],
                    result["mean_ms"],
                    result["repeats"],
                    result["peak_memory_mb"],
                    json.dumps(result),
                    run_id,
                    time.time(),
                ),
            )

    # ---- quality ----
    def quality_done(
        self, model: str, weights: str, dataset: str, split: str, protocol: str, quantized: bool
    ) -> set[str]:
        """The image ids already stored for one (model, weights, dataset, split, settings) group."""
        rows = self._db.execute(
            "SELECT image_id FROM quality WHERE model=? AND weights=? AND dataset=? AND split=? "
            "AND protocol=? AND quantized=?",
            (model, weights, dataset, split, protocol, int(bool(quantized))),
        ).fetchall()
        return {r[0] for r in rows}

    def put_quality(self, rows: list[dict[str, Any]], run_id: int | None = None) -> None:
        """Store per-image quality rows in one transaction (replacing rows with the same key).

        Each row holds the :data:`QUALITY_KEY` fields, any of :data:`QUALITY_VALUES`
        (absent ones are NULL; a NaN metric, e.g. LPIPS without its backbone, is NULL),
        and anything else goes to the ``extra`` JSON column.
        """
        columns = (*QUALITY_KEY, *QUALITY_VALUES, "extra", "run_id", "created")
        now = time.time()
        values = []
        for row in rows:
            missing = [k for k in QUALITY_KEY if k not in row]
            if missing:
                raise ValueError(f"quality row lacks {', '.join(missing)}")
            extra = {k: v for k, v in row.items() if k not in QUALITY_KEY and k not in QUALITY_VALUES}
            values.append(
                (
                    *(row[k] if k != "quantized" else int(bool(row[k])) for k in QUALITY_KEY),
                    *(_nan_to_none(row.get(k)) for k in QUALITY_VALUES),
                    json.dumps(extra, default=str),
                    run_id,
                    now,
                )
            )
        placeholders = ",".join("?" * len(columns))
        with self._transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO quality ({','.join(columns)}) VALUES ({placeholders})", values
            )

    # ---- failures ----
    def put_failure(self, model: str, task: str, error: str, run_id: int | None = None) -> None:
        """Record that ``task`` failed for ``model``; the sweep goes on."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO failures (run_id, model, task, error, created) VALUES (?,?,?,?,?)",
                (run_id, model, task, error, time.time()),
            )

    # ---- reading ----
    def frame(self, table: str) -> pd.DataFrame:
        """A whole table as a DataFrame (one of :data:`TABLES`)."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
        return pd.read_sql_query(f"SELECT * FROM {table}", self._db)
