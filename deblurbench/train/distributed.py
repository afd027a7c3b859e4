"""torch.distributed for training: set-up from torchrun's environment, a resumable sampler.

``torchrun --nproc_per_node N -m deblurbench train ...`` sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` and the rendezvous address; :func:`init` joins the group with NCCL when the
run is on CUDA and gloo on CPU. Without those variables everything is a single process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Dataset
from torch.utils.data.distributed import DistributedSampler

from ..distributed import env_world


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that logs, validates and writes checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """More than one process."""
        return self.world_size > 1


def init(device_type: str) -> DistInfo:
    """Join the process group torchrun set up (NCCL for CUDA, gloo for CPU); single process otherwise."""
    _, world, local = env_world()
    if world <= 1:
        return DistInfo()
    backend = "nccl" if device_type == "cuda" else "gloo"
    if device_type == "cuda":
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistInfo(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local, backend=backend)


def barrier(info: DistInfo) -> None:
    """Wait for every rank (no-op for one process)."""
    if info.distributed:
        dist.barrier()


def shutdown(info: DistInfo) -> None:
    """Leave the process group."""
    if info.distributed and dist.is_initialized():
        dist.destroy_process_group()


def all_equal(info: DistInfo, value: torch.Tensor) -> bool:
    """Whether ``value`` is the same on every rank (a cheap consistency check)."""
    if not info.distributed:
        return True
    lo, hi = value.detach().clone(), value.detach().clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    return bool(torch.equal(lo, hi))


class ResumableSampler(DistributedSampler):
    """``DistributedSampler`` (shuffled by ``seed + epoch``, ``drop_last``) that can start mid-epoch.

    ``set_position(epoch, start)`` skips the first ``start`` indices of this rank's share of
    ``epoch``, so a resumed run draws exactly the samples an uninterrupted one would.
    """

    def __init__(self, dataset: Dataset, num_replicas: int = 1, rank: int = 0, seed: int = 0) -> None:
        super().__init__(
            dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=True
        )
        self.start = 0

    def set_position(self, epoch: int, start: int = 0) -> None:
        """Epoch to draw and how many of this rank's indices of it are already used."""
        self.set_epoch(epoch)
        self.start = int(start)

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        return iter(indices[self.start :])

    def __len__(self) -> int:
        return max(0, self.num_samples - self.start)
