"""``deblurbench evaluate``: PSNR / SSIM / LPIPS of networks, reference methods and released outputs
on one dataset, into the store, one row per image; resumable, one shard per rank under torchrun."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import RunConfig
from ..options import add_arguments, boolean, build, dest, given, integer, option, optional, same_as, text
from .args import DatasetSource, Output, SubParsers, add_format, emit, names_arg, records, table_text
from .errors import UsageError


def _list(value: Any) -> tuple[str, ...]:
    return tuple(value)


@dataclass(frozen=True)
class Evaluate:
    """``evaluate``'s own flags (scoring: :class:`~deblurbench.bench.evaluate.EvalSettings`;
    which pairs: :class:`~deblurbench.cli.args.DatasetSource`; where: :class:`~deblurbench.cli.args.Output`)."""

    models: tuple[str, ...] = option(
        (),
        _list,
        "network and reference method names",
        help="networks and reference methods (identity, wiener, ...)",
        flag="--models",
        cli=names_arg,
    )
    outputs: tuple[str, ...] = option(
        (),
        _list,
        "NAME=DIR items",
        help="NAME=DIR, repeatable: score a folder of released result images, matched to the pairs by "
        "image id (<scene>/<frame>.png or <scene>-<frame>.png), as 'NAME (released outputs)'",
        flag="--outputs",
    )
    dataset: str = option(
        "",
        text,
        "a dataset name",
        help="dataset name (see 'deblurbench datasets')",
        flag="--dataset",
        required=True,
    )
    weights: tuple[str, ...] = option(
        (),
        _list,
        "NAME=PATH items",
        help="NAME=PATH or NAME=TAG, repeatable (PATH alone for one model)",
        flag="--weights",
    )
    weights_dir: Path | None = same_as(RunConfig, "weights_dir", flag="--weights-dir")
    random_weights: bool = same_as(RunConfig, "random_weights", flag="--random-weights")
    workers: int | None = option(
        None,
        optional(integer(0)),
        "an integer >= 0 (0 decodes inline)",
        help="image-decoding background threads; 0 decodes inline (default: 1 on CUDA or when the "
        "model's threads leave a core free, else 0)",
        flag="--workers",
    )
    save_images: bool = option(
        False, boolean, "true or false", help="keep the restored PNGs under OUT/images/", flag="--save-images"
    )


def add_parser(sub: SubParsers) -> None:
    """Add ``evaluate``."""
    from ..bench.evaluate import EvalSettings

    p = sub.add_parser("evaluate", help="PSNR / SSIM / LPIPS of networks and reference methods on a dataset")
    add_arguments(p, Evaluate, "models", "outputs", "dataset")
    DatasetSource.add_arguments(p)
    add_arguments(p, Evaluate, "weights", "weights_dir", "random_weights")
    add_arguments(p, Output)
    add_arguments(p, EvalSettings, "device", "dtype", "protocol", "quantized", "lpips_net")
    add_arguments(p, Evaluate, "workers", "save_images")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every name, weight and folder, evaluate, then print this evaluation's rows (rank 0)."""
    from ..bench.evaluate import EvalSettings
    from ..jobs import evaluate_into

    flags = build(Evaluate, given(Evaluate, args))
    methods = _methods(args, flags)
    weights = _weights(flags.weights, methods)
    if not flags.random_weights and flags.weights_dir is None:
        _refuse_unweighted(methods, weights, flags.dataset)
    outputs = _outputs(flags.outputs)
    source = DatasetSource.of(args)
    dataset = source.open(flags.dataset)
    settings = build(EvalSettings, given(EvalSettings, args))
    done = evaluate_into(
        Output.of(args),
        [*methods, *outputs],
        dataset,
        weights,
        settings,
        weights_dir=flags.weights_dir,
        workers=flags.workers,
        save_images=flags.save_images,
        asked={"dataset": flags.dataset, "split": source.split},
    )
    if done.rows is not None:
        emit(records(done.rows), done.rows, args.format)
        if args.format == "table" and not done.rows.empty:
            _print_means(done.rows, len(done.failures), done.store, done.protocol, done.other_protocols)
    return 1 if done.failures else 0


def _methods(args: argparse.Namespace, flags: Evaluate) -> list[str]:
    """Networks and reference methods named on the command line (each checked, nearest names suggested).

    --models may be left out when --outputs names something to score.
    """
    from ..bench.references import is_reference
    from ..models import get_spec

    if not {dest(Evaluate, "models"), dest(Evaluate, "outputs")} & set(vars(args)):  # neither given
        raise UsageError(
            "deblurbench evaluate: --models or --outputs is required, e.g. --models identity,lmfn "
            "or --outputs fftformer=DIR"
        )
    # a network under its registry name (spandrel:PATH -> its content-keyed name); unknown: the nearest names
    return [name if is_reference(name) else get_spec(name).name for name in flags.models]


def _weights(values: tuple[str, ...], methods: list[str]) -> dict[str, str]:
    """``--weights NAME=PATH_OR_TAG`` (repeatable), or a bare ``--weights PATH`` for a single network;
    each resolved and checked (kind, size, readability) before any work or row. A network made from a
    file (``spandrel:PATH``) is scored with that file unless told otherwise."""
    from ..bench.references import is_reference
    from ..models.registry import MODELS, get_spec, resolve_weights

    weights: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            if len(methods) != 1:
                raise UsageError(
                    f"--weights {item!r}: with several models write NAME=PATH, e.g. lmfn=ckpt.pth"
                )
            name, value = methods[0], item
        if name not in methods and not is_reference(name) and name in MODELS:
            name = get_spec(name).name  # spandrel:PATH as typed
        if name not in methods:
            raise UsageError(f"--weights {item!r}: {name} is not among --models ({', '.join(methods)})")
        if name in weights:
            raise UsageError(
                f"--weights {item!r}: {name} has weights already ({weights[name]}); score other weights "
                "in a run of their own (the store keeps each weights' rows apart)"
            )
        weights[name] = value
    for name in methods:
        if name not in weights and not is_reference(name) and get_spec(name).weights_file:
            weights[name] = get_spec(name).weights_file
    for name, value in weights.items():
        if is_reference(name):
            raise UsageError(f"--weights {name}={value}: {name} is a reference method: it takes no weights")
        resolve_weights(name, value)
    return weights


def _refuse_unweighted(methods: list[str], weights: dict[str, str], dataset: str) -> None:
    """A :class:`UsageError` naming the networks without weights: a random initialisation is no score."""
    from ..bench.references import is_reference
    from ..models import get_spec

    missing = [m for m in methods if not is_reference(m) and m not in weights]
    if missing:
        shipped = [f"{m}={dataset}" for m in missing if dataset in get_spec(m).weights]
        tags = f" (shipped: {', '.join(shipped)})" if shipped else ""
        raise UsageError(
            f"--models: {', '.join(missing)} without weights would score a random initialisation; give "
            f"--weights NAME=PATH_OR_TAG{tags} or --weights-dir DIR, or --random-weights to score it as "
            "'random init'"
        )


def _outputs(values: tuple[str, ...]) -> list[Any]:
    """``--outputs NAME=DIR`` (repeatable): each folder checked, indexed and labelled before any work."""
    from ..bench.released import OutputsError, open_outputs, parse_outputs

    outputs: dict[str, Any] = {}
    for item in values:
        try:
            name, folder = parse_outputs(item)
            if name in outputs:
                raise OutputsError(f"{name} is given twice; give each folder its own NAME")
            outputs[name] = open_outputs(name, folder)
        except OutputsError as exc:
            raise UsageError(f"--outputs {item!r}: {exc}") from None
    return list(outputs.values())


def _print_means(table: Any, failures: int, store: Any, protocol: str, others: tuple[str, ...]) -> None:
    """Each method's mean scores and image count under the one protocol scored (any other the store
    holds named, never mixed in), then the failures and where the rows are."""
    from ..jobs import EVALUATED

    by = table.groupby(list(EVALUATED[:2]), sort=False)
    means = by[list(table.columns[len(EVALUATED) :])].mean(numeric_only=True)
    means.insert(0, "images", by.size())
    print(
        f"\nmeans under the {protocol} protocol (SSIM per convention; LPIPS empty when its backbone "
        "weights are missing):"
    )
    print(table_text(means.reset_index()))
    for other in others:
        print(f"also stored under the {other} protocol, not in these means: see them with --protocol {other}")
    print(f"{failures} failed image(s); rows in {store.path}")
