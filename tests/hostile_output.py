"""Hostile rows for broken output and tracebacks (issue 23): strict JSON, --out, --config, store faults."""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path
from typing import Any
from unittest import mock

import torch
from hostile import Case

import deblurbench as db
from deblurbench.bench import store as store_module
from deblurbench.bench.records import FailureRecord
from deblurbench.bench.store import Store, StoreError
from deblurbench.cli import main
from deblurbench.config import ConfigError, load_config
from deblurbench.models import CheckpointError
from deblurbench.models.official import official_weights


def _no_constant(token: str) -> Any:
    raise ValueError(f"not strict JSON: {token}")


def strict(text: str) -> Any:
    """``text`` parsed as strict JSON: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=_no_constant)


def _identical_psnr_is_null_with_a_note(text: str) -> None:
    rows = strict(text)
    assert rows and all(r["psnr"] is None and r["psnr_note"] == "infinite: identical images" for r in rows)


PAIR = ("--dataset", "folder", "--blur", "{w}/pair/blur", "--sharp", "{w}/pair/sharp")
OUT_IS_A_FILE = "is a file; name a directory"
OUT_NAMES_A_FILE = "names a .sqlite file; name a directory"


def _fifo(world: Path) -> Path:
    os.mkfifo(world / "fifo.toml")
    return world / "fifo.toml"


def _sparse(world: Path) -> Path:
    with open(world / "huge.toml", "wb") as handle:  # sparse: costs no disk
        handle.truncate(2**31)
    return world / "huge.toml"


def _failure(n: int) -> FailureRecord:
    return FailureRecord(model="lmfn", task=f"t{n}", error="x")


def _intact(world: Path) -> None:
    """The store keeps the row written before the fault and still opens."""
    store = Store(world / "out")
    assert list(store.frame("failures")["task"]) == ["t0"], store.frame("failures")
    store.close()


def _put_while_locked(world: Path) -> None:
    with mock.patch.object(store_module, "_OPEN_TIMEOUT_S", 0.2):
        store = Store(world / "out")
        store.put(_failure(0))
        holder = sqlite3.connect(store.path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            store.put(_failure(1))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            store.close()


def _open_while_locked(world: Path) -> None:
    Store(world / "out").close()
    holder = sqlite3.connect(world / "out" / Store.FILENAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with mock.patch.object(store_module, "_OPEN_TIMEOUT_S", 0.2):
            Store(world / "out")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _disk_full(*args: Any, **kwargs: Any) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def _put_on_a_full_disk(world: Path) -> None:
    store = Store(world / "out")
    store.put(_failure(0))
    try:
        with mock.patch.object(store_module, "insert_row", _disk_full):
            store.put(_failure(1))
    finally:
        store.close()


def _open_on_a_full_disk(world: Path) -> None:
    with mock.patch.object(store_module, "create_schema", _disk_full):
        Store(world / "out")


def _dmphn_folder(world: Path, first: str) -> Path:
    """A DMPHN checkpoint folder (per-module files) whose first file holds ``first``."""
    folder = world / "dmphn"
    folder.mkdir()
    for part in ("encoder", "decoder"):
        for lv in (1, 2, 3):
            torch.save({}, folder / f"{part}_lv{lv}.pkl")
    first_file = folder / "encoder_lv1.pkl"
    if first == "random":
        first_file.write_bytes(random.Random(0).randbytes(4096))
    elif first == "empty":
        first_file.write_bytes(b"")
    else:
        torch.save(torch.zeros(3), first_file)
    return folder


def _tampered_report(world: Path) -> None:
    """A store whose psnr column holds text: ``report`` refuses in one line (exit 2), the table read says where."""
    out = str(world / "out")
    assert (
        main(
            [
                "evaluate",
                "--lpips",
                "off",
                "--models",
                "identity",
                *PAIR[:1],
                "synthetic",
                "--split",
                "tiny",
                "--out",
                out,
            ]
        )
        == 0
    )
    db_ = sqlite3.connect(world / "out" / Store.FILENAME)
    db_.execute("UPDATE quality SET psnr = 'abc' WHERE rowid = 1")
    db_.commit()
    db_.close()
    assert main(["report", "--out", out]) == 2
    Store(out).frame("quality")


def _sparse_official(world: Path, name: str) -> Path:
    """A --weights-dir holding a 5 GiB sparse file under an official checkpoint name."""
    folder = world / "weights"
    folder.mkdir()
    with open(folder / name, "wb") as handle:  # sparse: costs no disk, but hashing it reads 5 GiB
        handle.truncate(5 * 2**30)
    return folder


CASES = [
    Case(
        "evaluate --format json of outputs identical to the sharp images: strict JSON, psnr null with a note",
        (
            "evaluate",
            "--lpips",
            "off",
            "--out",
            "{w}/out",
            "--outputs",
            "same={w}/pair/sharp",
            "--dataset",
            "folder",
            "--blur",
            "{w}/pair/blur",
            "--sharp",
            "{w}/pair/sharp",
            "--format",
            "json",
        ),
        code=0,
        stdout=_identical_psnr_is_null_with_a_note,
    ),
    # --out: one rule in every command, refused before any work
    Case(
        "evaluate --out NAME.sqlite",
        ("evaluate", "--lpips", "off", "--models", "identity", *PAIR, "--out", "{w}/out.sqlite"),
        line=OUT_NAMES_A_FILE,
        absent=("out.sqlite",),
    ),
    Case(
        "run --out NAME.sqlite",
        ("run", "--models", "lmfn", "--out", "{w}/run.sqlite"),
        line=OUT_NAMES_A_FILE,
        absent=("run.sqlite", "images"),
    ),
    Case("claims --out a SQLite file", ("claims", "--out", "{w}/theirs.sqlite"), line=OUT_IS_A_FILE),
    Case(
        "synth --out FILE",
        ("synth", "--split", "test", "--limit", "1", "--out", "{w}/file.txt"),
        line=OUT_IS_A_FILE,
        unchanged=("file.txt",),
    ),
    Case(
        "train --out NAME.sqlite",
        ("train", "--model", "lmfn", "--out", "{w}/train.sqlite"),
        line=OUT_NAMES_A_FILE,
        absent=("train.sqlite",),
    ),
    Case(
        "train --out FILE",
        ("train", "--model", "lmfn", "--out", "{w}/file.txt"),
        line=OUT_IS_A_FILE,
        unchanged=("file.txt",),
    ),
    Case(
        'evaluate --out ""',
        ("evaluate", "--lpips", "off", "--models", "identity", *PAIR, "--out", ""),
        line="--out: out expects a directory path; got ''",
    ),
    Case(
        'run --out ""',
        ("run", "--models", "lmfn", "--out", ""),
        line="--out: out expects a directory path; got ''",
    ),
    # --config: regular files only, at most 1 MiB
    Case("run --config /dev/zero", ("run", "--config", "/dev/zero"), line="not a regular file"),
    Case(
        "--config a FIFO", call=lambda w: load_config(_fifo(w)), code=ConfigError, line="not a regular file"
    ),
    Case(
        "--config a 2 GiB file", call=lambda w: load_config(_sparse(w)), code=ConfigError, line="byte limit"
    ),
    # store faults: one line naming the store and what happened, the store intact
    Case(
        "store locked mid-run",
        call=_put_while_locked,
        code=StoreError,
        line="locked by another process",
        then=_intact,
    ),
    Case(
        "store locked on opening", call=_open_while_locked, code=StoreError, line="locked by another process"
    ),
    Case("disk full mid-run", call=_put_on_a_full_disk, code=StoreError, line="disk full", then=_intact),
    Case(
        "disk full on opening", call=_open_on_a_full_disk, code=StoreError, line="results.sqlite: disk full"
    ),
    # per-module DMPHN checkpoint files that are not state dicts
    *(
        Case(
            f"DMPHN per-module checkpoint: {what}",
            call=lambda w, what=what: db.create_model("dmphn_1_2_4", weights=_dmphn_folder(w, what)),
            code=CheckpointError,
            line=line,
        )
        for what, line in (
            ("random", "encoder_lv1.pkl: not a readable torch checkpoint"),
            ("empty", "encoder_lv1.pkl: not a readable torch checkpoint (it ends early"),
            ("tensor", "encoder_lv1.pkl: holds a Tensor, not a state dict"),
        )
    ),
    # a real forward too big for memory: estimated first, refused in one line
    Case(
        "complexity --real-forward at 20000x20000",
        ("complexity", "--models", "lmfn", "--real-forward", "--size", "20000x20000"),
        line="leave out --real-forward",
    ),
    Case(
        "db.complexity(real_forward=True) at 20000x20000",
        call=lambda w: db.complexity("lmfn", size=(20000, 20000), real_forward=True),
        code=MemoryError,
        line="GiB free: choose a smaller --size or batch; or pass real_forward=False",
    ),
    Case(
        "a text value in a numeric store column reaching report",
        call=_tampered_report,
        code=StoreError,
        line="table quality, column psnr holds 1 non-number(s) (e.g. 'abc')",
    ),
    # --weights-dir: the size cap before any hash
    Case(
        "--weights-dir: a 5 GiB file under a hashed official name",
        call=lambda w: official_weights("deblurganv2_inception", _sparse_official(w, "fpn_inception.h5")),
        code=CheckpointError,
        line="larger than any checkpoint",
    ),
    Case(
        "--weights-dir: a 5 GiB file under an official name with no hash known",
        call=lambda w: official_weights("hinet", _sparse_official(w, "HINet-GoPro.pth")),
        code=CheckpointError,
        line="larger than any checkpoint",
    ),
]
