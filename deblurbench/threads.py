"""Thread pools shared within a process: one per purpose and size, made again in a forked child.

Decoding (Pillow), the compiled SSIM kernel (ctypes) and scipy's FFTs release the GIL, so a few
threads beside the caller do real work in parallel. A forked child (a DataLoader worker, a
torchrun rank) inherits its parent's pool objects but not their threads: the pool is keyed by
the process id, so each process makes its own.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor


@functools.cache
def _pool(name: str, workers: int, pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"deblurbench-{name}")


def shared_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The pool ``name`` of ``workers`` threads of this process, made the first time it is asked for."""
    return _pool(name, max(1, workers), os.getpid())
