"""``deblurbench`` sub-commands. Thin: parse, call the library, print.

Every command that prints a table takes ``--format table|json|csv``; with json
or csv nothing but the data goes to stdout. Bad input gives one line on stderr
naming the value and what is allowed, and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the command line: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + traceback
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _models_arg(values: list[str] | None) -> list[str]:
    from .models import get_spec, list_models

    names: list[str] = []
    for value in values or []:
        names += [v.strip() for v in value.split(",") if v.strip()]
    if not names or names == ["all"]:
        return list_models()
    for name in names:
        get_spec(name)  # raises with the nearest names
    return names


def _sizes_arg(values: list[str] | None, default: Sequence[str]) -> list[tuple[int, int]]:
    from .config import parse_size

    return [parse_size(v) for v in (values or default)]


def _emit(rows: list[dict[str, Any]], table: pd.DataFrame, fmt: str) -> None:
    from .reports.tables import to_text

    if fmt == "json":
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(to_text(table, fmt, floatfmt=".4g"), end="" if fmt == "csv" else "\n")


def cmd_models(args: argparse.Namespace) -> int:
    from .models import get_spec, list_models

    rows = []
    for name in list_models():
        spec = get_spec(name)
        rows.append(
            {
                "name": name,
                "network": spec.display_name,
                "paper": f"{spec.paper.venue} {spec.paper.year}",
                "fidelity": spec.fidelity,
                "input": spec.interface.describe(),
                "multiple": spec.multiple,
                "min_size": spec.min_size,
                "reported_params_m": spec.reported.params / 1e6 if spec.reported.params else None,
                "repo": spec.repo,
            }
        )
    _emit(rows, pd.DataFrame(rows), args.format)
    return 0


def _complexity_row(result: dict[str, Any]) -> dict[str, Any]:
    macs = result["macs"]
    return {
        "model": result["model"],
        "size": "x".join(map(str, result["size"])),
        "input": "x".join(map(str, result["input_size"])),
        "params": result["params"]["declared"],
        "params_used": result["params"].get("used"),
        **{f"gmacs_{k}": (v / 1e9 if v is not None else None) for k, v in macs.items()},
    }


def cmd_complexity(args: argparse.Namespace) -> int:
    from .bench.complexity import complexity
    from .runner import check_size

    models = _models_arg(args.models)
    sizes = _sizes_arg(args.size, ["256x256"])
    for model in models:
        for size in sizes:
            check_size(model, size)
    results = []
    for model in models:
        for size in sizes:
            results.append(complexity(model, size, real_forward=args.real_forward))
    table = pd.DataFrame([_complexity_row(r) for r in results])
    _emit(results, table, args.format)
    if args.format == "table":
        unused = {r["model"]: r["unused_modules"] for r in results if r["unused_modules"]}
        for model, modules in unused.items():
            print(f"note: {model}: modules never called: {', '.join(modules)}")
        for r in results:
            for counter, note in r["notes"].items():
                print(f"note: {r['model']} {'x'.join(map(str, r['size']))} {counter}: {note}")
    return 0


def cmd_latency(args: argparse.Namespace) -> int:
    from .bench.latency import latency
    from .models.restorer import parse_device, parse_dtype
    from .runner import check_size

    parse_device(args.device)
    parse_dtype(args.dtype)
    models = _models_arg(args.models)
    sizes = _sizes_arg(args.size, ["256x256"])
    for model in models:
        for size in sizes:
            check_size(model, size)
    results = []
    for model in models:
        for size in sizes:
            results.append(
                latency(
                    model,
                    size,
                    args.device,
                    batch=args.batch,
                    dtype=args.dtype,
                    channels_last=args.channels_last,
                    compile=args.compile,
                    threads=args.threads,
                    warmup=args.warmup,
                    repeats=args.repeats,
                    max_time_s=args.max_time,
                    sync=not args.unsynchronised,
                )
            )
    columns = [
        "model",
        "device_name",
        "dtype",
        "batch",
        "input_size",
        "median_ms",
        "p10_ms",
        "p90_ms",
        "repeats",
        "peak_memory_mb",
        "method",
    ]
    table = pd.DataFrame([{c: r[c] for c in columns} for r in results])
    table["input_size"] = table["input_size"].map(lambda s: "x".join(map(str, s)))
    _emit(results, table, args.format)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .bench.store import Store
    from .config import load_config
    from .reports.report import write_report
    from .runner import plan, sweep

    started = time.perf_counter()
    config = load_config(
        args.config,
        out=args.out,
        models=_models_arg(args.models) if args.models else None,
        threads=args.threads,
        latency_repeats=args.repeats,
    )
    work = plan(config)
    store = Store(config.out)
    run_id = store.start_run("run", config.as_dict())
    print(f"deblurbench run: {len(work)} measurements -> {store.path}", file=sys.stderr)
    summary = sweep(work, store, run_id)
    store.finish_run(run_id)
    report = write_report(store, config.out)
    elapsed = time.perf_counter() - started
    print(
        f"deblurbench run: {summary.done} measured, {summary.skipped} already in the store, "
        f"{len(summary.failed)} failed, {elapsed:.1f} s; report: {report}"
    )
    return 1 if summary.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = _Parser(prog="deblurbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"deblurbench {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_format(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")

    p = sub.add_parser("models", help="list the registered networks")
    with_format(p)
    p.set_defaults(func=cmd_models)

    models_help = "networks, comma-separated or repeated (default: all registered)"
    p = sub.add_parser("complexity", help="parameters and MACs by several counters")
    p.add_argument("--models", action="append", help=models_help)
    p.add_argument("--size", action="append", help="HxW, repeatable (default 256x256)")
    p.add_argument(
        "--real-forward",
        action="store_true",
        default=None,
        help="run fvcore and ptflops-pytorch (no meta device) at any size, allocating activations",
    )
    with_format(p)
    p.set_defaults(func=cmd_complexity)

    p = sub.add_parser("latency", help="time networks on CPU or CUDA")
    p.add_argument("--models", action="append", help=models_help)
    p.add_argument("--size", action="append", help="HxW, repeatable (default 256x256)")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--dtype", default="float32", help="float32, float64, float16 or bfloat16 (autocast)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the network first")
    p.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--max-time", type=float, default=10.0, help="stop repeating after this many seconds")
    p.add_argument(
        "--unsynchronised",
        action="store_true",
        help="CUDA only: time without synchronising, as many papers did (NOT the true latency)",
    )
    with_format(p)
    p.set_defaults(func=cmd_latency)

    p = sub.add_parser("run", help="the main job: measure every network and write the report")
    p.add_argument("--out", type=Path, help="output directory (default ./deblurbench-out)")
    p.add_argument("--config", type=Path, help="TOML run configuration")
    p.add_argument("--models", action="append", help=models_help)
    p.add_argument("--threads", type=int, help="CPU threads for latency")
    p.add_argument("--repeats", type=int, help="latency repeats per network")
    p.set_defaults(func=cmd_run)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deblurbench`` console script."""
    from .models import CheckpointError, UnknownModelError

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, UnknownModelError, CheckpointError, FileNotFoundError) as exc:
        print(f"deblurbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("deblurbench: interrupted; finished results are in the store", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
