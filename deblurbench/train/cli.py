"""The ``deblurbench train`` sub-command: parser and command (hooked into :mod:`deblurbench.cli`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..cli.args import print_json
from ..options import add_arguments, build, given
from .options import TrainConfig


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
    add_arguments(p, TrainConfig)
    p.add_argument("--format", choices=("table", "json"), default="table", help="final summary format")
    p.set_defaults(func=cmd_train)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` the parsed flags describe, every value read as declared."""
    return build(TrainConfig, given(TrainConfig, args))


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
