"""The versioned store: tables derived from the records, schema-0 migration, foreign files left alone.

``tests/fixtures/stores/schema0.sqlite`` is a real schema-0 store: written by deblurbench at
commit 5bb7d48 (the last unversioned schema) with ``deblurbench run`` on a tiny configuration
(lmfn and dmphn_1_2_4 at 64x64 and 128x128, latency at 64x64, quality on synthetic:tiny with
identity, wiener and LMFN's shipped weights) and ``deblurbench evaluate --models wiener,identity``
on a folder pair (wiener fails there: no kernel), so that every table holds rows.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from deblurbench.bench import schema
from deblurbench.bench.records import (
    RECORDS,
    ComplexityRecord,
    FailureRecord,
    LatencyRecord,
    QualityRecord,
    Record,
)
from deblurbench.bench.schema import APPLICATION_ID, SCHEMA_VERSION
from deblurbench.bench.store import Store, StoreError
from deblurbench.cli import main

SCHEMA0 = Path(__file__).parents[1] / "fixtures" / "stores" / "schema0.sqlite"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def identity(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA application_id").fetchone()[0], db.execute(
            "PRAGMA user_version"
        ).fetchone()[0]
    finally:
        db.close()


def test_new_store_is_marked_and_has_every_record_table(tmp_path: Path) -> None:
    Store(tmp_path).close()
    assert identity(tmp_path / "results.sqlite") == (APPLICATION_ID, SCHEMA_VERSION)
    db = sqlite3.connect(tmp_path / "results.sqlite")
    for record in RECORDS:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({record.TABLE})")]
        assert [c.name for c in record.columns()] == columns[: len(record.columns())]
        assert "details" in columns


def test_tables_follow_the_declarations() -> None:
    sql = schema.table_sql(LatencyRecord)
    assert f"UNIQUE ({', '.join(LatencyRecord.key_names())})" in sql
    assert "median_ms REAL" in sql and "threads INTEGER NOT NULL" in sql
    complexity = schema.table_sql(ComplexityRecord)
    for column in ("macs_fvcore", "macs_ptflops_pytorch", "macs_ptflops_aten", "macs_torch_flop_counter"):
        assert f"{column} INTEGER" in complexity


@pytest.mark.parametrize("record", [ComplexityRecord, LatencyRecord, QualityRecord])
def test_records_survive_the_store(tmp_path: Path, record: type[Record]) -> None:
    from deblurbench.bench.store import Store

    made = {
        ComplexityRecord: ComplexityRecord(
            model="lmfn",
            height=64,
            width=64,
            input_height=64,
            input_width=64,
            params_declared=10,
            params_trainable=10,
            params_used=8,
            macs={"fvcore": 5, "torch_flop_counter": 4},
            notes={"fvcore": "x"},
            unused_modules=["a"],
        ),
        LatencyRecord: LatencyRecord(
            model="lmfn",
            device="cpu",
            device_name="cpu",
            torch_version="t",
            dtype="float32",
            batch=1,
            height=64,
            width=64,
            channels_last=False,
            compile=False,
            threads=2,
            sync=True,
            median_ms=1.5,
            method="perf_counter",
        ),
        QualityRecord: QualityRecord(
            model="identity",
            weights="",
            dataset="synthetic",
            split="test",
            image_id="a/0",
            protocol="standard",
            quantized=True,
            psnr=25.0,
            ssim={"matlab": 0.9},
            extra={"best_frame": 3},
        ),
    }[record]
    store = Store(tmp_path)
    store.put(made)
    (back,) = store.records(record)
    if record is ComplexityRecord:  # every counter has its column: the unset ones come back None
        assert back.macs["fvcore"] == 5 and back.macs["ptflops_aten"] is None
        assert back.notes == made.notes and back.unused_modules == ["a"]
    elif record is QualityRecord:
        assert back.ssim == {"skimage": None, "matlab": 0.9, "basicsr": None} and back.extra == {
            "best_frame": 3
        }
    else:
        assert back == made
    assert store.has(record, made.key())


def test_schema0_store_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    shutil.copy(SCHEMA0, path)
    old = sqlite3.connect(path)
    counts = {t: old.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.TABLES}
    psnr = sorted(r[0] for r in old.execute("SELECT psnr FROM quality WHERE psnr IS NOT NULL"))
    fvcore = old.execute(
        "SELECT macs_fvcore FROM complexity WHERE model = 'lmfn' AND height = 64"
    ).fetchone()[0]
    old.close()
    store = Store(tmp_path)
    assert store.migrated_from == 0
    assert identity(path) == (APPLICATION_ID, SCHEMA_VERSION)
    assert {t: len(store.frame(t)) for t in schema.TABLES} == counts
    assert sorted(store.frame("quality")["psnr"].dropna()) == psnr
    (lmfn,) = [r for r in store.records(ComplexityRecord) if r.model == "lmfn" and r.height == 64]
    assert lmfn.macs["fvcore"] == fvcore and lmfn.unused_modules == ["LR_conv", "final_lym"]
    assert lmfn.skipped["ptflops_pytorch"]["MeanShift"] == 2  # details moved from the old JSON column
    latency = store.records(LatencyRecord)
    assert latency and all(r.method == "perf_counter" and r.input_height for r in latency)
    assert any("kernel" in r.error for r in store.records(FailureRecord))
    backup = sqlite3.connect(tmp_path / "results.sqlite.schema0.bak")  # the store as it was, still schema 0
    assert {t: backup.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts} == counts
    assert "result" in [r[1] for r in backup.execute("PRAGMA table_info(complexity)")]
    backup.close()
    assert identity(tmp_path / "results.sqlite.schema0.bak") == (0, 0)
    store.close()
    again = Store(tmp_path)  # a current store: nothing to do
    assert again.migrated_from is None and len(again.frame("quality")) == counts["quality"]


def test_migrated_store_reports_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(SCHEMA0, tmp_path / "results.sqlite")
    assert main(["report", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "migrated" in err and "schema 0" in err
    assert "## Quality: synthetic" in (tmp_path / "report.md").read_text()


def test_another_programs_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id INTEGER, what TEXT)")  # a table name we use, other columns
    db.execute("INSERT INTO runs VALUES (1, 'theirs')")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another program") as raised:
        Store(tmp_path)
    assert "\n" not in str(raised.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sqlite"]  # no -wal, no backup


def test_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1234")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(StoreError, match="application_id 0x4d2"):
        Store(path)
    assert digest(path) == before


def test_newer_schema_is_refused_unchanged(tmp_path: Path) -> None:
    Store(tmp_path).close()
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(StoreError, match="newer deblurbench"):
        Store(tmp_path)
    assert digest(path) == before


def test_a_text_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    path.write_text("not a database, just text " * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(tmp_path)
    assert path.read_text() == "not a database, just text " * 100


def test_report_on_a_foreign_database_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.execute("CREATE TABLE runs (started REAL)")
    db.commit()
    db.close()
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another program" in err


def test_a_new_declared_column_is_added_to_an_existing_store(tmp_path: Path, monkeypatch) -> None:
    store = Store(tmp_path)
    store.put(FailureRecord(model="m", task="t", error="e"))
    store.close()
    from deblurbench.bench import counters

    def fake(ctx: counters.CountContext) -> counters.CounterResult:
        return counters.CounterResult(7, {})

    counters.COUNTERS.add(
        "fake",
        counters.MacCounter("fake", "fake", "MACs", 1.0, True, "a test counter", "everything", fake),
    )
    try:
        store = Store(tmp_path)
        assert "macs_fake" in store.frame("complexity").columns
        assert len(store.frame("failures")) == 1
    finally:
        counters.COUNTERS.remove("fake")


SCHEMA1 = SCHEMA0.with_name("schema1.sqlite")  # deblurbench at c3c8ab5: evaluate identity on synthetic:tiny


def test_schema1_store_gains_the_variant_key(tmp_path: Path) -> None:
    shutil.copy(SCHEMA1, tmp_path / "results.sqlite")
    store = Store(tmp_path)
    assert store.migrated_from == 1
    assert identity(tmp_path / "results.sqlite") == (APPLICATION_ID, SCHEMA_VERSION)
    quality = store.frame("quality")
    assert len(quality) == 4 and set(quality["variant"]) == {""}
    assert "variant" in schema.table_sql(QualityRecord).split("UNIQUE")[1]


def test_two_variants_of_one_dataset_keep_their_own_rows(tmp_path: Path) -> None:
    import deblurbench as db

    store = Store(tmp_path)
    for seed in (0, 1):
        db.evaluate(
            "identity", db.open_dataset("synthetic", split="tiny", seed=seed), store=store, lpips_net=None
        )
    quality = store.frame("quality")
    assert len(quality) == 8 and set(quality["variant"]) == {"", "seed=1"}
    # and a rerun of either finds its own rows done
    again = db.evaluate(
        "identity", db.open_dataset("synthetic", split="tiny", seed=1), store=store, lpips_net=None
    )
    assert again.empty


SCHEMA3 = SCHEMA0.with_name("schema3.sqlite")  # schema 3: identity on synthetic:tiny; one row's device
# and dtype set to cuda:0 / bfloat16, one row's to NULL


def test_schema3_store_gains_the_device_and_dtype_keys(tmp_path: Path) -> None:
    shutil.copy(SCHEMA3, tmp_path / "results.sqlite")
    store = Store(tmp_path)
    assert store.migrated_from == 3
    assert identity(tmp_path / "results.sqlite") == (APPLICATION_ID, SCHEMA_VERSION)
    quality = store.frame("quality").set_index("image_id")
    assert quality.loc["astronaut/000000", ["device", "dtype"]].tolist() == ["cuda", "bfloat16"]
    assert quality.loc["chelsea/000001", ["device", "dtype"]].tolist() == ["cpu", "float32"]
    assert quality.loc["coffee/000002", ["device", "dtype"]].tolist() == ["cpu", "float32"]
    unique = schema.table_sql(QualityRecord).split("UNIQUE")[1]
    assert "device" in unique and "dtype" in unique
