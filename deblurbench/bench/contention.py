"""How busy the machine is around a timing: the load average against the cores this process may use.

A timing taken while more tasks want to run than there are cores measures the neighbours as
much as the network (on a loaded 2-core machine one call took 1.4 s and then 3.6 s), so the
load is read before and after each timing, kept with its row, and the row is marked.
"""

from __future__ import annotations

import os


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load() -> float | None:
    """The 1-minute load average (runnable tasks), or None where the system does not say."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def busy(before: float | None, after: float | None, n_cores: int | None) -> str:
    """``busy machine (load 3.1 on 2 cores)`` when more tasks wanted to run than there are cores, else ""."""
    loads = [x for x in (before, after) if x is not None]
    if not loads or not n_cores or max(loads) <= n_cores:
        return ""
    return f"busy machine (load {max(loads):.2g} on {n_cores} cores)"


def busy_now() -> str:
    """:func:`busy` for this moment: what ``run`` says before it times anything."""
    return busy(load(), None, cores())
