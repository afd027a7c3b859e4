"""The ``deblurbench train`` sub-command: parser and command (hooked into :mod:`deblurbench.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..cli.args import key_values, print_json
from .losses import PIXEL_LOSSES
from .options import OPTIMIZERS, SCHEDULES, TrainConfig


def add_train_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``train`` to the sub-command parsers ``sub``; returns its parser."""
    p = sub.add_parser(
        "train",
        help="train a network (torchrun --nproc_per_node N -m deblurbench train ... for DDP)",
        description=(
            "Train any registered network on a paired dataset. Unset options take the network's "
            "recipe (deblurbench/train/recipes/). Under torchrun: DistributedDataParallel, "
            "--batch-size per process."
        ),
    )
    _add_data_options(p)
    _add_progress_options(p)
    _add_loss_options(p)
    _add_optimizer_options(p)
    _add_augmentation_options(p)
    _add_runtime_options(p)
    p.set_defaults(func=cmd_train)
    return p


def _add_data_options(p: argparse.ArgumentParser) -> None:
    """What to train on and where the results go."""
    p.add_argument("--model", required=True, help="registered network (see 'deblurbench models')")
    p.add_argument("--dataset", default="synthetic", help="dataset name (default synthetic)")
    p.add_argument("--root", help="your copy of the dataset (none for synthetic)")
    p.add_argument("--split", default="train", help="training split (default train)")
    p.add_argument("--opt", action="append", help="dataset option KEY=VALUE, repeatable (e.g. size=128)")
    p.add_argument("--model-opt", action="append", help="constructor override KEY=VALUE (e.g. nf=8)")
    p.add_argument("--weights", dest="init_weights", help="start from these weights (path or shipped tag)")
    p.add_argument(
        "--out", type=Path, required=True, help="output directory: last.pt, model.pt, history.json"
    )


def _add_progress_options(p: argparse.ArgumentParser) -> None:
    """Validation, checkpoint and log intervals."""
    p.add_argument(
        "--val-split",
        help="validation split (synthetic: the train generator with another seed; others: test)",
    )
    p.add_argument("--val-count", type=int, default=8, help="validation images (0 = none; default 8)")
    p.add_argument("--val-every", type=int, default=500, help="validate every N steps (default 500)")
    p.add_argument("--save-every", type=int, help="checkpoint every N steps (default: --val-every)")
    p.add_argument("--log-every", type=int, default=50, help="log the loss every N steps (default 50)")


def _add_loss_options(p: argparse.ArgumentParser) -> None:
    """Length of the run, batches and the loss."""
    p.add_argument("--steps", type=int, help="total optimiser steps (the schedule's length)")
    p.add_argument("--batch-size", type=int, help="batch per process")
    p.add_argument("--crop", type=int, help="random square crop size")
    p.add_argument("--loss", choices=PIXEL_LOSSES, help="pixel loss")
    p.add_argument(
        "--multiscale",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="content loss on every output scale (MIMO-UNet)",
    )
    p.add_argument("--fft-weight", type=float, help="weight of the FFT L1 loss (MIMO-UNet: 0.1; 0 = off)")


def _add_optimizer_options(p: argparse.ArgumentParser) -> None:
    """Optimiser, learning-rate schedule and gradient clipping."""
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--betas", type=float, nargs=2, metavar=("B1", "B2"))
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--schedule", choices=SCHEDULES)
    p.add_argument("--step-size", type=int, help="step schedule: steps between decays")
    p.add_argument("--gamma", type=float, help="step schedule: decay factor")
    p.add_argument("--min-lr", type=float, help="cosine schedule: final learning rate")
    p.add_argument("--warmup-steps", type=int, help="linear warm-up steps")
    p.add_argument("--clip-grad", type=float, help="clip the gradient norm to this (0 = off)")


def _add_augmentation_options(p: argparse.ArgumentParser) -> None:
    """Colour augmentation, weight EMA and mixed precision."""
    p.add_argument(
        "--color-aug",
        action="store_true",
        help="random channel order and per-channel gains, the same for blur and sharp",
    )
    p.add_argument("--ema", type=float, help="EMA decay of the weights, e.g. 0.999 (0 = off)")
    p.add_argument(
        "--amp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="mixed precision (CUDA only; default on there)",
    )


def _add_runtime_options(p: argparse.ArgumentParser) -> None:
    """Seed, device, threads, limits, resuming and output."""
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (CUDA if available), cpu or cuda[:N]")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (default 0)")
    p.add_argument("--max-minutes", type=float, help="stop (with a checkpoint) after this wall time")
    p.add_argument(
        "--stop-after", type=int, help="stop (with a checkpoint) at step K; the schedule still spans --steps"
    )
    p.add_argument(
        "--resume", nargs="?", const="auto", help="continue from OUT/last.pt (or the checkpoint given)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--format", choices=("table", "json"), default="table", help="final summary format")


# TrainConfig fields that take their flag's parsed value as it is.
_FLAG_FIELDS = (
    "model",
    "dataset",
    "split",
    "init_weights",
    "val_split",
    "val_count",
    "val_every",
    "save_every",
    "log_every",
    "steps",
    "batch_size",
    "crop",
    "loss",
    "multiscale",
    "fft_weight",
    "optimizer",
    "lr",
    "weight_decay",
    "schedule",
    "step_size",
    "gamma",
    "min_lr",
    "warmup_steps",
    "clip_grad",
    "color_aug",
    "ema",
    "amp",
    "seed",
    "device",
    "threads",
    "workers",
    "max_minutes",
    "stop_after",
    "resume",
    "quiet",
)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` the parsed flags describe."""
    from ..datasets import get_dataset_spec
    from ..models import get_spec

    get_spec(args.model)
    get_dataset_spec(args.dataset)
    values = {k: getattr(args, k) for k in _FLAG_FIELDS}
    return TrainConfig(
        out=str(args.out),
        root=str(args.root) if args.root else None,
        dataset_opts=key_values(args.opt, "--opt", "size=128"),
        model_opts=key_values(args.model_opt, "--model-opt", "nf=8"),
        betas=tuple(args.betas) if args.betas else None,
        **values,
    )


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``deblurbench train``."""
    from .loop import train

    summary = train(config_from_args(args))
    if summary.get("world_size", 1) > 1:
        import os

        if os.environ.get("RANK", "0") != "0":
            return 0
    if args.format == "json":
        print_json({k: v for k, v in summary.items() if k != "config"})
    else:
        last = summary["history"][-1] if summary["history"] else {}
        psnr = f"; val {last['psnr']:.2f} dB (blurry {last['blurry_psnr']:.2f} dB)" if last else ""
        print(
            f"{summary['model']}: step {summary['step']}/{summary['steps']} in {summary['wall_s']:.0f} s "
            f"on {summary['device']}{psnr}; weights {summary['weights']}"
        )
    return 0
