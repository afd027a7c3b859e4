"""torchrun's environment, read in one place: this process's rank, the world size, its local GPU.

``torchrun --nproc_per_node N -m deblurbench ...`` sets ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK``; outside torchrun a process is rank 0 of 1. Evaluation shards a dataset across
the ranks (:func:`shard`) and waits for them (:func:`barrier`); training joins a process group
(``train/distributed.py``); both read the environment here.
"""

from __future__ import annotations

import os


def env_world() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) outside torchrun."""
    return (
        int(os.environ.get("RANK", "0")),
        int(os.environ.get("WORLD_SIZE", "1")),
        int(os.environ.get("LOCAL_RANK", "0")),
    )


def check_one_host() -> None:
    """Refuse ranks on several machines sharing one store: SQLite's WAL needs shared memory on one host.

    torchrun sets ``LOCAL_WORLD_SIZE`` (the ranks on this machine) beside ``WORLD_SIZE``; where
    they differ, the ranks of other machines would write the same ``results.sqlite`` over a
    network filesystem, which can corrupt it.
    """
    world, local = os.environ.get("WORLD_SIZE"), os.environ.get("LOCAL_WORLD_SIZE")
    if world is not None and local is not None and int(world) != int(local):
        raise ValueError(
            f"torchrun: {world} ranks on several machines (this one runs {local}) would share one "
            "results.sqlite over the network, which SQLite cannot lock safely; run one machine per "
            "--out directory (torchrun --nnodes 1), or evaluate each machine's share into its own --out"
        )


def is_main() -> bool:
    """Whether this process is rank 0: the one that prints and reports."""
    return env_world()[0] == 0


def local_device(device: str) -> str:
    """``cuda`` as this rank's own GPU under torchrun (``cuda:LOCAL_RANK``); any other device as given."""
    if device == "cuda" and "LOCAL_RANK" in os.environ:
        return f"cuda:{os.environ['LOCAL_RANK']}"
    return device


def shard(count: int) -> tuple[list[int], int, int]:
    """The positions this process scores under torchrun (``RANK``/``WORLD_SIZE``), rank and world size.

    Rank r of w takes positions r, r + w, r + 2w, ...: together the ranks cover every
    image exactly once, and the store's natural key keeps each row once.
    """
    rank, world, _ = env_world()
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} is outside WORLD_SIZE={world}")
    return list(range(rank, count, world)), rank, world


def barrier(world: int) -> None:
    """Under torchrun, wait for every rank (joining a gloo group for the wait when none is joined)."""
    if world <= 1:
        return
    import torch.distributed as dist

    joined = not dist.is_initialized()
    if joined:
        dist.init_process_group("gloo")
    dist.barrier()
    if joined:
        dist.destroy_process_group()
