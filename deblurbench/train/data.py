"""Training data: the training set (random crops, flips, rotations), the held-out set, this rank's batches.

The order of an epoch's batches is a pure function of seed and epoch (a
:class:`~deblurbench.train.distributed.ResumableSampler` and a seeded DataLoader generator), so a
run resumed at (epoch, batch) draws exactly what an uninterrupted one would. Colour augmentation
is seeded by (seed, step, rank) and touches no RNG stream, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader

from . import distributed as dist_utils
from .options import TrainConfig

VAL_SEED_OFFSET = 1_000_003  # a generated dataset's held-out set: its train split drawn with another seed


def held_out_by_seed(spec: Any) -> bool:
    """Whether a dataset's held-out set is its own generator with another seed.

    So it is for a dataset whose spec says it is generated (no root) from a ``seed`` option into
    as many pairs as its ``num_samples`` option asks (the synthetic one): any other seed gives
    pairs the training never sees.
    """
    return not spec.needs_root and {"seed", "num_samples"} <= set(spec.options)


def build_datasets(cfg: TrainConfig) -> tuple[Any, Any | None]:
    """(training set with random crops/flips/rotations, held-out validation set or None)."""
    from ..datasets import PairTransform, get_dataset_spec, open_dataset

    spec = get_dataset_spec(cfg.dataset)
    transform = PairTransform(cfg.crop, seed=cfg.seed)
    train_set = open_dataset(
        cfg.dataset, root=cfg.root, split=cfg.split, transform=transform, **cfg.dataset_opts
    )
    if cfg.val_count == 0:
        return train_set, None
    if held_out_by_seed(spec) and cfg.val_split in (None, "train"):
        return train_set, _reseeded(cfg)
    return train_set, _held_out_split(cfg)


def _reseeded(cfg: TrainConfig) -> Any:
    """``val_count`` pairs of the train split's generator with another seed (other crops, kernels, noise)."""
    from ..datasets import open_dataset

    opts = {k: v for k, v in cfg.dataset_opts.items() if k != "num_samples"}
    opts["seed"] = int(opts.get("seed", 0)) + VAL_SEED_OFFSET
    return open_dataset(cfg.dataset, root=cfg.root, split="train", num_samples=cfg.val_count, **opts)


def _held_out_split(cfg: TrainConfig) -> Any:
    """The first ``val_count`` pairs of ``val_split`` (default test)."""
    from ..datasets import open_dataset

    split = cfg.val_split or "test"
    opts = {k: v for k, v in cfg.dataset_opts.items() if k not in ("num_samples", "size")}
    val_set = open_dataset(cfg.dataset, root=cfg.root, split=split, **opts)
    if len(val_set) > cfg.val_count:
        val_set = open_dataset(cfg.dataset, root=cfg.root, split=split, subset=cfg.val_count, **opts)
    return val_set


@dataclass(frozen=True, eq=False)
class TrainData:
    """The training and validation sets and this rank's resumable sampler over the training set."""

    train_set: Any
    val_set: Any | None
    sampler: dist_utils.ResumableSampler
    batch_size: int
    workers: int
    seed: int

    @property
    def batches_per_epoch(self) -> int:
        """Full batches this rank draws per epoch (at least one: :func:`build_data` checks)."""
        return self.sampler.num_samples // self.batch_size

    def loader(self, epoch: int, batch_in_epoch: int) -> DataLoader:
        """The batches of ``epoch`` from ``batch_in_epoch`` on: a pure function of seed and epoch."""
        self.sampler.set_position(epoch, batch_in_epoch * self.batch_size)
        self.train_set.set_epoch(epoch)
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        return DataLoader(
            self.train_set,
            batch_size=self.batch_size,
            sampler=self.sampler,
            drop_last=True,
            num_workers=self.workers,
            collate_fn=_collate,
            generator=generator,
            persistent_workers=False,
        )


def build_data(cfg: TrainConfig, info: dist_utils.DistInfo) -> TrainData:
    """The datasets and this rank's sampler; a one-line ``ValueError`` when a rank gets no full batch."""
    train_set, val_set = build_datasets(cfg)
    sampler = dist_utils.ResumableSampler(
        train_set, num_replicas=info.world_size, rank=info.rank, seed=cfg.seed
    )
    data = TrainData(train_set, val_set, sampler, cfg.batch_size, cfg.workers, cfg.seed)
    if data.batches_per_epoch < 1:
        raise ValueError(
            f"{cfg.dataset} {cfg.split}: {len(train_set)} pairs give no full batch of {cfg.batch_size} "
            f"per process ({info.world_size} process(es)); use a smaller --batch-size"
        )
    return data


def color_augment(
    blur: torch.Tensor, sharp: torch.Tensor, seed: int, step: int, rank: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Same random channel order and per-channel gains (0.5-1) for blur and sharp; seeded by (seed, step, rank).

    Gives grey training images colour (the synthetic train split is mostly greyscale) without
    touching any RNG stream, so resumed runs stay exact.
    """
    gen = torch.Generator().manual_seed(((seed * 1_000_003 + step) * 64 + rank) % 2**63)
    n = blur.shape[0]
    order = torch.stack([torch.randperm(3, generator=gen) for _ in range(n)]).to(blur.device)
    gains = (0.5 + 0.5 * torch.rand(n, 3, 1, 1, generator=gen)).to(blur.device, blur.dtype)
    index = order.view(n, 3, 1, 1).expand_as(blur)
    return blur.gather(1, index) * gains, sharp.gather(1, index) * gains


def _collate(pairs: list[Any]) -> Any:
    from ..datasets import collate_pairs

    return collate_pairs(pairs)
