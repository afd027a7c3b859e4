"""Hostile inputs to ``deblurbench train``: options that cannot train, constructor overrides, --resume files."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from hostile import Case

from deblurbench.models import create_model
from deblurbench.train import TrainConfig, train

TINY = ("train", "--model", "lmfn", "--model-opt", "nf=8", "--opt", "size=64", "--opt", "num_samples=4")
TINY += ("--crop", "64", "--batch-size", "2", "--steps", "2", "--val-count", "0", "--threads", "1")
TINY += ("--device", "cpu", "--quiet", "--out", "{w}/run")


class _RunsCode:
    """A pickled object whose loading would call a function (here a harmless one)."""

    def __reduce__(self) -> tuple:
        return (os.getcwd, ())


def _resume_from(kind: str):
    """Write a hostile --resume file of ``kind`` into the world, then train resuming from it."""

    def call(world: Path) -> None:
        path = world / f"{kind}.pt"
        if kind == "truncated":
            torch.save({"step": torch.zeros(4096)}, path)
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        elif kind == "pickle":
            torch.save({"step": 1, "config": _RunsCode()}, path)
        else:  # a bare state dict, as OUT/model.pt is
            torch.save(create_model("lmfn", nf=8).state_dict(), path)
        tiny = {"model_opts": {"nf": 8}, "dataset_opts": {"size": 64, "num_samples": 4}, "crop": 64}
        tiny.update(batch_size=2, steps=2, val_count=0, threads=1, device="cpu", quiet=True)
        train(TrainConfig(model="lmfn", out=str(world / "run"), resume=str(path), **tiny))

    return call


def _unusable(flag: str, value: str, needle: str, *extra: str) -> Case:
    return Case(f"train {flag} {value}", argv=(*TINY, flag, value, *extra), line=needle, absent=("run",))


CASES = [
    _unusable("--lr", "inf", "--lr: lr expects a finite number > 0"),
    _unusable("--clip-grad", "nan", "--clip-grad: clip_grad expects a finite number >= 0"),
    _unusable("--fft-weight", "nan", "--fft-weight: fft_weight expects a finite number >= 0"),
    _unusable("--gamma", "-1", "--gamma: gamma expects a decay factor in (0, 1]", "--schedule", "step"),
    _unusable("--stop-after", "0", "--stop-after: stop_after expects an integer >= 1"),
    _unusable("--max-minutes", "nan", "--max-minutes: max_minutes expects a finite number > 0"),
    _unusable("--min-lr", "nan", "--min-lr: min_lr expects a finite number >= 0"),
    Case(
        "train --model-opt nf=abc",
        argv=(*TINY, "--model-opt", "nf=abc"),
        line="nf must be int, got 'abc'; lmfn's constructor (RFDN) accepts in_nc: int = 3, nf: int = 50",
    ),
    Case(
        "train --model-opt bogus=1",
        argv=(*TINY, "--model-opt", "bogus=1"),
        line="lmfn has no option 'bogus'; lmfn's constructor (RFDN) accepts",
    ),
    Case(  # the constructor builds with it (True counts as 1), but it is not of the declared type
        "train --model-opt num_modules=true",
        argv=(*TINY, "--model-opt", "num_modules=true"),
        line="num_modules must be int, got True; lmfn's constructor (RFDN) accepts",
        absent=("run",),
    ),
    Case(
        "train --model-opt nf=-4",
        argv=(*TINY, "--model-opt", "nf=-4"),
        line="--model-opt nf=-4: lmfn cannot be built with it",
    ),
    Case(
        "train --resume truncated last.pt",
        call=_resume_from("truncated"),
        code=ValueError,
        line="truncated or damaged",
    ),
    Case(
        "train --resume malicious pickle",
        call=_resume_from("pickle"),
        code=ValueError,
        line="not a plain checkpoint: it holds Python objects whose loading may run code",
    ),
    Case(
        "train --resume bare model.pt",
        call=_resume_from("bare"),
        code=ValueError,
        line="a bare state dict (network weights, like OUT/model.pt), not a training checkpoint; --resume needs",
    ),
]
