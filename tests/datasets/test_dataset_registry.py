"""The dataset registry: listing order, protocols and kernels, one-line unknown names, one file per dataset."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import deblurbench.datasets as datasets
from deblurbench.cli import main
from deblurbench.datasets import (
    DATASETS,
    PROTOCOLS,
    CheckReport,
    DatasetError,
    DatasetSpec,
    check_dataset,
    get_dataset_spec,
    list_datasets,
    open_dataset,
    register_dataset,
)
from deblurbench.datasets import folder as folder_module
from deblurbench.datasets.paired import open_scan
from deblurbench.datasets.spec import INFRASTRUCTURE
from deblurbench.registry import UnknownNameError

LISTING = ["gopro", "hide", "realblur_j", "realblur_r", "kohler", "folder", "synthetic"]
# name: (protocol, kernels_known)
SCORING = {
    "gopro": ("standard", False),
    "hide": ("standard", False),
    "realblur_j": ("realblur", False),
    "realblur_r": ("realblur", False),
    "kohler": ("kohler", False),
    "folder": ("standard", False),
    "synthetic": ("standard", True),
}
FIELDS = {"title": "Throwaway", "paper": "", "layout": "blur/ + sharp/", "counts": {}, "splits": ("test",)}


def open_pairs(root, split="test", **options):
    """A throwaway opener: the folder dataset's scan of ``root``, opened."""
    return open_scan(folder_module.scan(root, split), {"root": str(root), "split": split}, **options)


def test_listing_order_is_todays() -> None:
    assert list_datasets() == LISTING
    assert DATASETS.names() == LISTING and len(DATASETS) == len(LISTING)


@pytest.mark.parametrize(("name", "scoring"), SCORING.items(), ids=list(SCORING))
def test_protocol_and_kernels_known(name: str, scoring: tuple[str, bool]) -> None:
    spec = get_dataset_spec(name)
    assert (spec.protocol, spec.kernels_known) == scoring
    described = spec.describe()
    assert (described["protocol"], described["kernels_known"]) == scoring
    assert {"name", "title", "paper", "splits", "counts", "layout", "needs_root", "options"} < set(described)


def test_every_dataset_module_registers_a_dataset() -> None:
    modules = {i.name for i in pkgutil.iter_modules(datasets.__path__)} - INFRASTRUCTURE
    registering = {get_dataset_spec(n).opener.__module__.rsplit(".", 1)[1] for n in list_datasets()}
    assert registering == modules


def test_unknown_name_is_a_dataset_error_with_the_nearest_names() -> None:
    with pytest.raises(DatasetError) as info:
        get_dataset_spec("gorpo")
    assert isinstance(info.value, UnknownNameError) and isinstance(info.value, KeyError)
    assert str(info.value) == f"unknown dataset 'gorpo': did you mean gopro? known: {', '.join(LISTING)}"
    with pytest.raises(DatasetError, match="dataset name must be a string such as 'gopro', got int"):
        open_dataset(3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"protocol": "psnr"}, "protocol 'psnr' is not one of standard, realblur, kohler"),
        ({"kernels_known": "yes"}, "kernels_known must be True or False"),
        ({"scanner": None}, "give a scanner"),
        ({"counts": {"val": 3}}, "counts of splits it lacks"),
    ],
    ids=["protocol", "kernels_known", "no-scanner-or-checker", "counts"],
)
def test_invalid_spec_is_refused_at_registration(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register_dataset(name="bad_dataset", **{**FIELDS, "scanner": folder_module.scan, **fields})(
            open_pairs
        )
    assert "bad_dataset" not in DATASETS
    assert PROTOCOLS == ("standard", "realblur", "kohler")


def test_a_dataset_is_one_decorator(tmp_path: Path, fake, capsys) -> None:
    fake.pair(tmp_path / "blur" / "a.png", tmp_path / "sharp" / "a.png")

    @register_dataset(name="throwaway", **FIELDS, scanner=folder_module.scan, protocol="kohler", rank=60)
    def open_throwaway(root, split="test", **options):
        """Pairs of ``root/blur`` and ``root/sharp``."""
        return open_pairs(root, split, **options)

    try:
        assert list_datasets() == [*LISTING[:5], "throwaway", *LISTING[5:]]
        assert get_dataset_spec("throwaway").opener is open_throwaway
        assert [p.id for p in open_dataset("throwaway", root=tmp_path)] == ["a"]
        report = check_dataset("throwaway", root=tmp_path)
        assert report.ok and (report.name, report.found, report.usable) == ("throwaway", 1, 1)
        assert main(["datasets", "--format", "json"]) == 0
        listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)}
        assert listed["throwaway"]["protocol"] == "kohler"
    finally:
        DATASETS.remove("throwaway")
    assert "throwaway" not in list_datasets()


def test_a_complete_spec_with_a_checker(tmp_path: Path) -> None:
    report = CheckReport("generated", None, "test", 2, 2, 2, True, {}, [], [], {})
    spec = DatasetSpec(name="generated", **FIELDS, needs_root=False, checker=lambda root, split, **kw: report)
    try:
        assert register_dataset(spec)(open_pairs) is open_pairs
        assert get_dataset_spec("generated").opener is open_pairs
        assert check_dataset("generated", limit=1) is report
        with pytest.raises(ValueError, match="'generated' is already registered"):
            register_dataset(spec)(open_pairs)
    finally:
        DATASETS.remove("generated")
    with pytest.raises(TypeError, match="not both"):
        register_dataset(spec, title="x")


def test_name_defaults_to_the_opener_without_open() -> None:
    try:
        register_dataset(**FIELDS, scanner=folder_module.scan)(open_pairs)
        assert (
            get_dataset_spec("pairs").protocol == "standard" and not get_dataset_spec("pairs").kernels_known
        )
    finally:
        DATASETS.remove("pairs")


def test_a_new_file_in_the_package_registers_with_no_other_edit(tmp_path: Path, fake) -> None:
    """A module dropped on the package's path is found on the registry's first read (fresh process)."""
    fake.pair(tmp_path / "data" / "blur" / "a.png", tmp_path / "data" / "sharp" / "a.png")
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "dropped_in.py").write_text(
        textwrap.dedent(
            '''
            from .folder import open_folder, scan
            from .spec import register_dataset

            @register_dataset(name="dropped_in", title="t", paper="", layout="l", counts={},
                              splits=("test",), scanner=scan, protocol="realblur")
            def open_dropped_in(root, split="test", **options):
                """A folder copy."""
                return open_folder(root, split, **options)
            '''
        )
    )
    script = textwrap.dedent(
        f"""
        import deblurbench.datasets as d
        d.__path__.append({str(tmp_path / "package")!r})
        print(d.list_datasets()[-3:], d.get_dataset_spec("dropped_in").protocol)
        print(len(d.open_dataset("dropped_in", root={str(tmp_path / "data")!r})))
        print(d.check_dataset("dropped_in", root={str(tmp_path / "data")!r}).ok)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["['dropped_in', 'folder', 'synthetic'] realblur", "1", "True"]
