"""Hostile rows of the weak cases (issue 23's list): each fails before its fix."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import torch
from hostile import Case

import deblurbench as db
from deblurbench import atomic
from deblurbench.bench.store import Store
from deblurbench.cli import main
from deblurbench.models import CheckpointError


class SaidError(Exception):
    """A command's exit code and its stderr, raised so a row can check a command run after a set-up."""


def _after(setup: Callable[[Path], object], *argv: str, code: int = 2) -> Callable[[Path], None]:
    """A row's call: ``setup(world)``, then the command; raises :class:`SaidError` with its one stderr line."""

    def call(world: Path) -> None:
        setup(world)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            got = main([a.replace("{w}", str(world)) for a in argv])
        text = err.getvalue()
        if got == code and (text.count("\n") == 1 or (code == 0 and not text)):
            raise SaidError(text.strip() or "exit 0")
        raise AssertionError(f"exit {got}, stderr {text!r}")

    return call


def _symlink_loop(world: Path) -> None:
    (world / "wd").mkdir()
    (world / "wd" / "fftformer_GoPro.pth").symlink_to(world / "wd" / "fftformer_GoPro.pth")


def _read_only_store(world: Path) -> None:
    """A store in ``out`` that the process may not write (as root, chmod would not stop it)."""
    Store(world / "out").close()
    real = os.access
    read_only = {world / "out", world / "out" / Store.FILENAME}
    patcher = mock.patch.object(
        os, "access", lambda p, mode: False if Path(p) in read_only and mode & os.W_OK else real(p, mode)
    )
    patcher.start()
    _STOP.append(patcher.stop)


_STOP: list[Callable[[], None]] = []


def _claims_read_only(world: Path) -> None:
    """``claims`` on a read-only store exits 0 and leaves the store as it was."""
    try:
        _after(_read_only_store, "claims", "--out", "{w}/out", "--models", "lmfn", "--format", "csv", code=0)(
            world
        )
    finally:
        while _STOP:
            _STOP.pop()()


class _RunsCode:
    """Pickles as a call: what a malicious checkpoint holds."""

    def __reduce__(self) -> tuple[Callable[[], str], tuple[()]]:
        return (os.getcwd, ())


def _malicious_checkpoint(world: Path) -> None:
    torch.save({"state_dict": _RunsCode()}, world / "evil.pth")
    db.create_model("lmfn", weights=world / "evil.pth")


def _more_repeats_after_a_quick_timing(world: Path) -> None:
    """A store holding a quick timing of LMFN: a rerun asking for 50 repeats is not "already in the store"."""
    from deblurbench.bench.latency import LatencySettings
    from deblurbench.runner import LatencyTask

    store = Store(world / "out")
    store.put(db.latency("lmfn", (32, 32), warmup=0))
    quick, more = LatencySettings(), LatencySettings(repeats=50)
    assert LatencyTask("lmfn", (32, 32), quick).is_done(store)
    if not LatencyTask("lmfn", (32, 32), more).is_done(store):
        raise SaidError(f"timed anew as {more.timing_label()!r}")


def _write_blocked_by_its_temporary(world: Path) -> None:
    """A write whose temporary cannot be made: the error names the real target."""
    (world / "out" / f".report.{os.getpid()}.tmp.md").mkdir(parents=True)
    atomic.write_text(world / "out" / "report.md", "# report\n")


def _stale_temporary_of_a_dead_process(world: Path) -> None:
    """A kill -9 mid-write left ``.0.PID.tmp.png``: the next write in that folder removes it."""
    stale = world / "out" / ".0.99999999.tmp.png"  # no process has this id
    stale.parent.mkdir()
    stale.write_bytes(b"half a png")
    os.utime(stale, (0, 0))
    atomic.write_text(world / "out" / "report.md", "# report\n")
    if not stale.exists():
        raise SaidError("stale temporary removed")


def _realblur_scene_linked_out(world: Path) -> None:
    """A RealBlur scene that is a symbolic link to a folder outside the root: followed, and said."""
    root, folder = world / "realblur", "RealBlur-J_ECC_IMCORR_centroid_itensity_ref"
    (root / folder).mkdir(parents=True)
    (root / folder / "scene1").symlink_to(world / "twin")  # twin/{blur,sharp}/1.png
    (root / folder / "scene1" / "gt").symlink_to(world / "twin" / "sharp")
    (root / "RealBlur_J_test_list.txt").write_text(f"{folder}/scene1/gt/1.png {folder}/scene1/blur/1.png\n")
    report = db.datasets.check_dataset("realblur_j", root)
    said = [n for n in report.notes if "leave the root" in n]
    if said:
        raise SaidError(said[0])


def _two_unreadable_images(world: Path) -> None:
    """A dangling link and a corrupt file: ``datasets check`` lists both."""
    (world / "pair" / "blur" / "0.png").unlink()
    (world / "pair" / "blur" / "0.png").symlink_to(world / "gone.png")
    (world / "pair" / "sharp" / "1.png").write_bytes(b"not a png")
    report = db.datasets.check_dataset("folder", blur=world / "pair" / "blur", sharp=world / "pair" / "sharp")
    listed = [
        p for p in report.problems if "blur/0.png: no such file" in p or "sharp/1.png: not an image" in p
    ]
    if len(listed) == 2:
        raise SaidError(f"{len(listed)} unreadable files listed")


CASES = [
    Case(
        "a symlink loop named like an official checkpoint is said, not listed as missing",
        call=_after(_symlink_loop, "weights", "--weights-dir", "{w}/wd", "--models", "fftformer", code=1),
        code=SaidError,
        line="fftformer_GoPro.pth: a symlink loop",
    ),
    Case(
        "a malicious checkpoint is refused without advising weights_only=False",
        call=_malicious_checkpoint,
        code=CheckpointError,
        line="evil.pth: not loaded: it holds more than tensors and plain containers (unsupported GLOBAL",
    ),
    Case(
        "latency --threads above the cores is refused",
        ("latency", "--models", "lmfn", "--threads", "1000"),
        line="threads=1000 (--threads) is more than the",
    ),
    Case(
        "latency --min-repeats above --repeats is refused",
        ("latency", "--models", "lmfn", "--min-repeats", "10", "--repeats", "3"),
        line="min_repeats=10 (--min-repeats) is more than repeats=3 (--repeats)",
    ),
    Case(
        "latency --repeats 50 after a quick run is timed anew, not kept from the store",
        call=_more_repeats_after_a_quick_timing,
        code=SaidError,
        line="timed anew as 'quick, repeats<=50'",
    ),
    Case(
        "an error writing a file names it, not its temporary",
        call=_write_blocked_by_its_temporary,
        code=IsADirectoryError,
        line="out/report.md'",
    ),
    Case(
        "a kill -9 mid-write leaves no temporary behind for good",
        call=_stale_temporary_of_a_dead_process,
        code=SaidError,
        line="stale temporary removed",
    ),
    Case(
        "--opt size=abc names the option",
        ("datasets", "check", "synthetic", "--split", "train", "--opt", "size=abc"),
        line="synthetic: size='abc' must be an integer >= 1",
    ),
    Case(
        "a RealBlur scene linked from outside the root is said",
        call=_realblur_scene_linked_out,
        code=SaidError,
        line="file(s) reached through symbolic links that leave the root",
    ),
    Case(
        "datasets check lists every unreadable file, a dangling link too",
        call=_two_unreadable_images,
        code=SaidError,
        line="2 unreadable files listed",
    ),
    Case("claims --subject '' is refused, naming the option", ("claims", "--subject", ""), line="--subject"),
    Case(
        "claims --out FILE says it is a file",
        ("claims", "--out", "{w}/file.txt", "--models", "lmfn"),
        line="file.txt is a file",
        unchanged=("file.txt",),
    ),
    Case(
        "claims --out DIR on a read-only store reads it",
        call=_claims_read_only,
        code=SaidError,
        line="exit 0",
    ),
]
