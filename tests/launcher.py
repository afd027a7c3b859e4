"""torchrun in the tests: torch's own launcher (``torch.distributed.run.main``, what the ``torchrun``
command runs) in a child forked from the test process, which has imported torch already.

A ``python -m torch.distributed.run`` process spends about 2 CPU-s on Python's start, ``import torch``
and the collections at exit, none of it launching anything; a fork of the test process starts in
milliseconds. The ranks are what torchrun makes of ``-m deblurbench`` either way: fresh
``python -u -m deblurbench ...`` processes with torchrun's environment, each in a session of its
own; at a timeout the launcher is sent SIGTERM, on which it ends its ranks, as a ``torchrun`` would.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Launched:
    """How a launch ended: the launcher's exit status, and what it and its ranks wrote on stderr."""

    returncode: int
    stderr: str


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun(nproc: int, argv: Sequence[str], timeout: float) -> Launched:
    """``torchrun --nproc_per_node NPROC --master_addr 127.0.0.1 --master_port FREE -m deblurbench ARGV``
    with ``OMP_NUM_THREADS=1``; what the ranks print on stdout is dropped."""
    args = ["--nproc_per_node", str(nproc), "--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    args += ["-m", "deblurbench", *argv]
    with tempfile.TemporaryFile() as err:
        child = multiprocessing.get_context("fork").Process(target=_launch, args=(args, err.fileno()))
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.terminate()  # torchrun's handler ends the ranks, then the launcher
            child.join(60)
            if child.exitcode is None:
                child.kill()
            raise TimeoutError(f"torchrun {' '.join(args)}: still running after {timeout:.0f} s")
        err.seek(0)
        return Launched(child.exitcode, err.read().decode(errors="replace"))


def _launch(args: list[str], err_fd: int) -> None:
    """In the forked child: stdout dropped, stderr to ``err_fd``; then torchrun."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(err_fd, 2)
    # the test's stdout/stderr objects (pytest's capture) stay behind; the ranks inherit fds 1 and 2
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - lives until the child exits
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    os.environ["OMP_NUM_THREADS"] = "1"
    from torch.distributed.run import main

    main(args)
