"""Shared test set-up: make tests/ importable for the reference helpers; run on every core with xdist.

``python -m pytest`` spreads the tests over one pytest-xdist worker per core (at most
``MAX_WORKERS``) unless ``-n`` says otherwise; ``-n 0`` or ``-p no:xdist`` runs them in one
process. Each worker gets its share of the cores as torch threads.
"""

import copy
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

MAX_WORKERS = 4  # each worker imports torch and builds its own networks: more cost more than they save


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``-n auto --dist worksteal`` when xdist is there and no ``-n`` was given (a conftest default, not addopts,
    so that ``-p no:xdist`` and an install without xdist still parse pyproject's options).
    Never in a worker (it has ``workerinput``): workers would start workers of their own."""
    worker = hasattr(config, "workerinput")
    if config.pluginmanager.has_plugin("xdist") and not worker and config.option.numprocesses is None:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":  # no --dist given: an idle worker takes tests from a busy one
            config.option.dist = "worksteal"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """What ``-n auto`` means here: one worker per core this process may use, at most MAX_WORKERS."""
    return max(1, min(MAX_WORKERS, _cores()))


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, split the cores between the workers (2 workers x 2 threads on 2 cores
    would oversubscribe them): each worker gets ``cores // workers`` torch threads, at least 1."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        torch.set_num_threads(max(1, _cores() // int(workers)))


def _shared_dir(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this test session sees and no other session does: under xdist
    the workers' base temp folders lie in the controller's, which is this session's own."""
    base = factory.getbasetemp()
    where = (base.parent if hasattr(config, "workerinput") else base) / "meta_complexity"
    where.mkdir(exist_ok=True)
    return where


@pytest.fixture(scope="session", autouse=True)
def counted_once(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``meta_complexity`` (every network counted on the meta device: what ``claims`` and the
    report's claims section call for all 20 networks, about 20 s each time) is computed once per
    network, size and registered spec in a test session, and handed out as copies.

    A built-in network's count is shared between the xdist workers through a file in the
    session's temp folder (written whole, under a lock, so one worker counts while the others
    wait); any other spec (a test's, a plugin's) is kept per process by its identity, so a newly
    registered spec under a known name is counted afresh. Tests of the counting itself
    (tests/bench/test_census.py, test_complexity.py) import the function and are not affected.
    """
    from filelock import FileLock

    from deblurbench.bench import complexity
    from deblurbench.models import registry

    real = complexity.meta_complexity
    shared = _shared_dir(pytestconfig, tmp_path_factory)
    done: dict[tuple, tuple[object, object]] = {}

    def from_file(name: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
        path = shared / f"{name}-{size[0]}x{size[1]}.pickle"
        with FileLock(path.with_suffix(".lock")):
            if not path.exists():
                scratch = path.with_suffix(f".{os.getpid()}")
                scratch.write_bytes(pickle.dumps(real(name, size)))
                os.replace(scratch, path)
            return pickle.loads(path.read_bytes())

    def meta_complexity(name: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
        entry = registry.MODELS.get(name)
        key = (name, tuple(size), id(entry.spec))
        if key not in done:
            counted = from_file(name, tuple(size)) if entry.builtin else real(name, size)
            done[key] = (entry.spec, counted)  # the spec is kept so that its id is not reused
        return copy.deepcopy(done[key][1])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(complexity, "meta_complexity", meta_complexity)
        yield
