"""Shared test set-up: make tests/ importable for the reference helpers; run on every core with xdist.

``python -m pytest`` spreads the tests over one pytest-xdist worker per core (at most
``MAX_WORKERS``) unless ``-n`` says otherwise; ``-n 0`` or ``-p no:xdist`` runs them in one
process. Each worker gets its share of the cores as torch threads.
"""

import copy
import os
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
    """``-n auto`` when xdist is there and no ``-n`` was given (a conftest default, not addopts,
    so that ``-p no:xdist`` and an install without xdist still parse pyproject's options).
    Never in a worker (it has ``workerinput``): workers would start workers of their own."""
    worker = hasattr(config, "workerinput")
    if config.pluginmanager.has_plugin("xdist") and not worker and config.option.numprocesses is None:
        config.option.numprocesses = "auto"


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


@pytest.fixture(scope="session", autouse=True)
def counted_once() -> Iterator[None]:
    """``meta_complexity`` (every network counted on the meta device: what ``claims`` and the
    report's claims section call for all 20 networks, about 20 s each time) is computed once per
    network, size and registered spec in a test session, and handed out as copies.

    A newly registered spec under a known name is counted afresh; tests of the counting itself
    (tests/bench/test_census.py, test_complexity.py) import the function and are not affected.
    """
    from deblurbench.bench import complexity
    from deblurbench.models import registry

    real = complexity.meta_complexity
    done: dict[tuple, tuple[object, object]] = {}

    def meta_complexity(name: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
        spec = registry.get_spec(name)
        key = (name, tuple(size), id(spec))
        if key not in done:
            done[key] = (spec, real(name, size))  # the spec is kept so that its id is not reused
        return copy.deepcopy(done[key][1])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(complexity, "meta_complexity", meta_complexity)
        yield
