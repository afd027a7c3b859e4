"""The options of one training run (:class:`TrainConfig`), each declared once with its check.

Every field is an option (:mod:`deblurbench.options`): its reader, default, help and flag; the
``train`` parser and the flag -> field mapping derive from the declarations, and a value that
cannot train (``--lr inf``, ``--gamma -1``, ``--stop-after 0``) is one line naming the flag and
what it expects. Recipes (:mod:`.recipes`) are values for these fields; :func:`.recipes.resolve`
fills the unset (None) ones. :func:`check_config` checks what depends on several fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, dataclass
from typing import Any

from ..options import (
    Reader,
    boolean,
    check,
    integer,
    key_values,
    one_of,
    option,
    optional,
    output_directory,
    text,
)
from .losses import PIXEL_LOSSES

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "step", "constant")


def _network(value: Any) -> str:
    from ..models import get_spec

    return get_spec(text(value)).name


def _dataset(value: Any) -> str:
    from ..datasets import get_dataset_spec

    return get_dataset_spec(text(value)).name


def _out_dir(value: Any) -> str:
    """``--out``: the output directory rule every command follows (:func:`~deblurbench.options.output_directory`)."""
    return str(output_directory(text(str(value))))


def real(low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = True) -> Reader:
    """A reader of a finite number in the range from ``low`` to ``high`` (open or closed ends)."""

    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"got {value!r}")
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (above and below):
            raise ValueError(f"got {value!r}")
        return float(value)

    return read


def _betas(value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"got {value!r}")
    beta = real(0.0, 1.0)
    return (beta(value[0]), beta(value[1]))


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"got {type(value).__name__} {value!r}")
    return dict(value)


def _key_values(flag: str, example: str) -> Callable[[list[str] | None], dict[str, Any]]:
    """``--opt a=1 --opt b=x`` -> ``{'a': 1, 'b': 'x'}`` (see :func:`deblurbench.options.key_values`)."""

    def read(items: list[str] | None) -> dict[str, Any]:
        return key_values(items, flag, example)

    return read


_POSITIVE = "a finite number > 0"
_NON_NEGATIVE = "a finite number >= 0"


@dataclass
class TrainConfig:
    """One training run. ``None`` fields take the network's recipe (see :mod:`.recipes`)."""

    model: str = option(
        MISSING,
        _network,
        "a registered network",
        help="registered network (see 'deblurbench models')",
        flag="--model",
        required=True,
    )
    out: str = option(
        MISSING,
        _out_dir,
        "a directory path",
        help="output directory: last.pt, model.pt, history.json",
        flag="--out",
        parse=str,
        required=True,
    )
    dataset: str = option(
        "synthetic", _dataset, "a dataset name", help="dataset name (default {default})", flag="--dataset"
    )
    root: str | None = option(
        None,
        optional(text),
        "a directory path",
        help="your copy of the dataset (none for synthetic)",
        flag="--root",
    )
    split: str = option(
        "train", text, "a split name", help="training split (default {default})", flag="--split"
    )
    dataset_opts: dict[str, Any] = option(
        dict,
        _mapping,
        "dataset options KEY=VALUE",
        help="dataset option KEY=VALUE, repeatable (e.g. size=128)",
        flag="--opt",
        cli=_key_values("--opt", "size=128"),
    )
    model_opts: dict[str, Any] = option(
        dict,
        _mapping,
        "constructor overrides KEY=VALUE",
        help="constructor override KEY=VALUE (e.g. nf=8)",
        flag="--model-opt",
        cli=_key_values("--model-opt", "nf=8"),
    )
    init_weights: str | None = option(
        None,
        optional(text),
        "a weights path or shipped tag",
        help="start from these weights (path or shipped tag)",
        flag="--weights",
        metavar="INIT_WEIGHTS",
    )
    val_split: str | None = option(
        None,
        optional(text),
        "a split name",
        help="validation split (synthetic: the train generator with another seed; others: test)",
        flag="--val-split",
    )
    val_count: int = option(
        8,
        integer(0),
        "an integer >= 0",
        help="validation images (0 = none; default {default})",
        flag="--val-count",
    )
    val_every: int = option(
        500,
        integer(1),
        "an integer >= 1",
        help="validate every N steps (default {default})",
        flag="--val-every",
    )
    save_every: int | None = option(
        None,
        optional(integer(1)),
        "an integer >= 1",
        help="checkpoint every N steps (default: --val-every)",
        flag="--save-every",
    )
    log_every: int = option(
        50,
        integer(1),
        "an integer >= 1",
        help="log the loss every N steps (default {default})",
        flag="--log-every",
    )
    steps: int | None = option(
        None,
        optional(integer(1)),
        "an integer >= 1",
        help="total optimiser steps (the schedule's length)",
        flag="--steps",
    )
    batch_size: int | None = option(
        None, optional(integer(1)), "an integer >= 1", help="batch per process", flag="--batch-size"
    )
    crop: int | None = option(
        None, optional(integer(1)), "an integer >= 1", help="random square crop size", flag="--crop"
    )
    loss: str | None = option(
        None,
        optional(one_of(PIXEL_LOSSES)),
        "l1 or charbonnier",
        help="pixel loss",
        flag="--loss",
        choices=PIXEL_LOSSES,
    )
    charbonnier_eps: float = option(1e-3, real(0.0, low_open=True), _POSITIVE)
    multiscale: bool | None = option(
        None,
        optional(boolean),
        "true or false",
        help="content loss on every output scale (MIMO-UNet)",
        flag="--multiscale",
    )
    fft_weight: float | None = option(
        None,
        optional(real(0.0)),
        _NON_NEGATIVE,
        help="weight of the FFT L1 loss (MIMO-UNet: 0.1; 0 = off)",
        flag="--fft-weight",
    )
    optimizer: str | None = option(
        None, optional(one_of(OPTIMIZERS)), "adam or adamw", flag="--optimizer", choices=OPTIMIZERS
    )
    lr: float | None = option(
        None, optional(real(0.0, low_open=True)), _POSITIVE, help="peak learning rate", flag="--lr"
    )
    betas: tuple[float, float] | None = option(
        None, optional(_betas), "two numbers in [0, 1)", flag="--betas", metavar=("B1", "B2")
    )
    weight_decay: float | None = option(None, optional(real(0.0)), _NON_NEGATIVE, flag="--weight-decay")
    schedule: str | None = option(
        None, optional(one_of(SCHEDULES)), "cosine, step or constant", flag="--schedule", choices=SCHEDULES
    )
    step_size: int | None = option(
        None,
        optional(integer(1)),
        "an integer >= 1",
        help="step schedule: steps between decays",
        flag="--step-size",
    )
    gamma: float | None = option(
        None,
        optional(real(0.0, 1.0, low_open=True, high_open=False)),
        "a decay factor in (0, 1]",
        help="step schedule: decay factor",
        flag="--gamma",
    )
    min_lr: float | None = option(
        None, optional(real(0.0)), _NON_NEGATIVE, help="cosine schedule: final learning rate", flag="--min-lr"
    )
    warmup_steps: int | None = option(
        None, optional(integer(0)), "an integer >= 0", help="linear warm-up steps", flag="--warmup-steps"
    )
    clip_grad: float | None = option(
        None,
        optional(real(0.0)),
        f"{_NON_NEGATIVE} (0 = off)",
        help="clip the gradient norm to this (0 = off)",
        flag="--clip-grad",
    )
    color_aug: bool = option(
        False,
        boolean,
        "true or false",
        help="random channel order and per-channel gains, the same for blur and sharp",
        flag="--color-aug",
    )
    ema: float | None = option(
        None,
        optional(real(0.0, 1.0)),
        "an EMA decay in [0, 1) (0 = off)",
        help="EMA decay of the weights, e.g. 0.999 (0 = off)",
        flag="--ema",
    )
    amp: bool | None = option(
        None,
        optional(boolean),
        "true or false",
        help="mixed precision (CUDA only; default on there)",
        flag="--amp",
    )
    seed: int = option(0, integer(0), "an integer >= 0", flag="--seed")
    device: str = option(
        "auto",
        text,
        "auto, cpu or cuda[:N]",
        help="auto (CUDA if available), cpu or cuda[:N]",
        flag="--device",
    )
    threads: int | None = option(
        None, optional(integer(1)), "an integer >= 1", help="CPU threads for torch", flag="--threads"
    )
    workers: int = option(
        0,
        integer(0),
        "an integer >= 0",
        help="DataLoader worker processes (default {default})",
        flag="--workers",
    )
    max_minutes: float | None = option(
        None,
        optional(real(0.0, low_open=True)),
        _POSITIVE,
        help="stop (with a checkpoint) after this wall time",
        flag="--max-minutes",
    )
    stop_after: int | None = option(
        None,
        optional(integer(1)),
        "an integer >= 1",
        help="stop (with a checkpoint) at step K; the schedule still spans --steps",
        flag="--stop-after",
    )
    resume: str | None = option(
        None,
        optional(text),
        "auto or a checkpoint path",
        help="continue from OUT/last.pt (or the checkpoint given)",
        flag="--resume",
        const="auto",
    )
    quiet: bool = option(False, boolean, "true or false", help="no progress lines on stderr", flag="--quiet")

    def plain(self) -> dict[str, Any]:
        """Plain values (JSON- and ``weights_only``-safe)."""
        out = asdict(self)
        out["betas"] = list(out["betas"]) if out["betas"] is not None else None
        return json.loads(json.dumps(out, default=str))


def check_config(cfg: TrainConfig) -> None:
    """Every option read as declared, then what depends on several: one line naming the flag."""
    from ..models import get_spec

    check(cfg, "TrainConfig")
    spec = get_spec(cfg.model)
    if cfg.crop % spec.multiple or cfg.crop < spec.min_size:
        raise ValueError(
            f"--crop {cfg.crop} does not suit {cfg.model}: it needs a multiple of {spec.multiple}, "
            f"at least {spec.min_size} ({spec.sizes or 'see its spec'})"
        )
    if cfg.warmup_steps >= cfg.steps:
        raise ValueError(f"--warmup-steps {cfg.warmup_steps}: must be >= 0 and below --steps {cfg.steps}")
