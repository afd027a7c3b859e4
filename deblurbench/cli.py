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


def _names_arg(values: list[str] | None) -> list[str]:
    """``--models a,b --models c`` -> ``['a', 'b', 'c']``; ``--models ""`` is an error, not "all"."""
    names = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    if values is not None and not names:
        raise UsageError(
            f"--models {' '.join(map(repr, values))}: no names; name networks (e.g. --models lmfn), "
            "or leave --models out to mean every one"
        )
    return names


def _models_arg(values: list[str] | None) -> list[str]:
    """The networks --models names (default all), each checked; a reference method has nothing to count."""
    from .bench.references import is_reference
    from .models import get_spec, list_models

    names = _names_arg(values)
    if not names or names == ["all"]:
        return list_models()
    for name in names:
        if is_reference(name):
            raise UsageError(
                f"--models {name}: {name} is a reference method, not a network: it has no parameters, "
                "MACs or latency to measure ('deblurbench evaluate' scores it)"
            )
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


def _published_params(spec: Any) -> str | None:
    """The parameter count a network's sources print, as printed and by whom (its authors' own first)."""
    from .reports.claims import printed, reporter

    figures = sorted((f for f in spec.figures() if f.quantity == "params"), key=lambda f: not f.own)
    return f"{printed(figures[0]).split(' (')[0]} ({reporter(figures[0])})" if figures else None


def cmd_models(args: argparse.Namespace) -> int:
    from .bench.references import get_reference, list_references
    from .models import get_spec, list_models

    rows = []
    for name in list_models():
        spec = get_spec(name)
        rows.append(
            {
                "name": name,
                "kind": "network",
                "network": spec.display_name,
                "paper": f"{spec.paper.venue} {spec.paper.year}",
                "fidelity": spec.fidelity,
                "input": spec.interface.describe(),
                "multiple": spec.multiple,
                "min_size": spec.min_size,
                "published_params": _published_params(spec),
                "repo": spec.repo,
            }
        )
    for name in list_references():  # no weights, parameters or paper: floors and non-blind upper references
        reference = get_reference(name)
        rows.append(
            {
                "name": name,
                "kind": "reference",
                "network": reference.display_name,
                "input": reference.description,
            }
        )
    _emit(rows, pd.DataFrame(rows).astype(object).where(lambda f: f.notna(), ""), args.format)
    return 0


def _complexity_row(result: Any, published: list[dict[str, Any]]) -> dict[str, Any]:
    row = {
        "model": result.model,
        "size": f"{result.height}x{result.width}",
        "input": f"{result.input_height}x{result.input_width}",
        "params": result.params_declared,
        "params_used": result.params_used,
        **{f"gmacs_{k}": (v / 1e9 if v is not None else None) for k, v in result.macs.items()},
    }
    for check in published:  # the authors' own parameter and MAC figures at this size
        row[f"published {check['Figure']}"] = (
            f"{check['Published']}: {check['Verdict']} ({check['Difference']})"
        )
    return row


def _published_costs(results: list[Any]) -> list[list[dict[str, Any]]]:
    """Per result, the checks of its network's own published parameter and MAC figures at its size."""
    from .models import get_spec
    from .reports.claims import Measured, check, describe, printed

    measured = Measured.of(results)
    out = []
    for r in results:
        figures = [
            f
            for f in get_spec(r.model).figures()
            if f.own and (f.quantity == "params" or (f.quantity == "macs" and f.size == (r.height, r.width)))
        ]
        checks = [(f, check(f, r.model, measured)) for f in figures]
        out.append(
            [
                {
                    "Figure": describe(f),
                    "Published": printed(f),
                    "Source": f.source,
                    "Verdict": c.verdict,
                    "Difference": c.difference,
                    "Measured": c.measured,
                }
                for f, c in checks
            ]
        )
    return out


def _complexity_notes(results: list[Any]) -> None:
    """Modules never called and counters not run, one note line each."""
    for r in results:
        if r.unused_modules:
            print(f"note: {r.model}: modules never called: {', '.join(r.unused_modules)}")
        for counter, note in r.notes.items():
            print(f"note: {r.model} {r.height}x{r.width} {counter}: {note}")
        for counter, wrong in r.miscounted.items():
            for what, macs in wrong.items():
                print(f"note: {r.model} {r.height}x{r.width} {counter}: {what} ({macs / 1e9:+,.2f} GMACs)")


def cmd_complexity(args: argparse.Namespace) -> int:
    from .bench.complexity import complexity

    models, sizes = _checked_grid(args)
    results = [complexity(m, size, real_forward=args.real_forward) for m in models for size in sizes]
    published = _published_costs(results)
    rows = [{**r.to_dict(), "published": p} for r, p in zip(results, published, strict=True)]
    table = pd.DataFrame([_complexity_row(r, p) for r, p in zip(results, published, strict=True)])
    _emit(rows, table, args.format)
    if args.format == "table":
        _complexity_notes(results)
    return 0


def _checked_grid(args: argparse.Namespace) -> tuple[list[str], list[tuple[int, int]]]:
    """The networks and sizes of --models / --size, every pair checked before any work."""
    from .runner import check_size

    models = _models_arg(args.models)
    sizes = _sizes_arg(args.size, ["256x256"])
    for model in models:
        for size in sizes:
            check_size(model, size)
    return models, sizes


LATENCY_COLUMNS = (
    "model",
    "device_name",
    "dtype",
    "batch",
    "input_size",
    "median_ms",
    "p10_ms",
    "p90_ms",
    "ci_low_ms",
    "ci_high_ms",
    "repeats",
    "stopped",
    "peak_memory_mb",
    "method",
)


def cmd_latency(args: argparse.Namespace) -> int:
    from .bench.latency import LatencySettings, latency
    from .bench.memory import needs_check
    from .models import create_model, get_spec
    from .models.restorer import padded_size

    settings = LatencySettings(
        device=args.device,
        dtype=args.dtype,
        batch=args.batch,
        channels_last=args.channels_last,
        compile=args.compile,
        threads=args.threads,
        timing=args.timing,
        warmup=args.warmup,
        repeats=args.repeats,
        min_repeats=args.min_repeats,
        max_time_s=args.max_time,
        tolerance=args.tolerance,
        sync=not args.unsynchronised,
    ).check()
    models, sizes = _checked_grid(args)
    for model in models:  # every size that cannot fit is refused before any timing
        for size in sizes:
            input_size = padded_size(get_spec(model), *size)
            if needs_check((settings.batch, 3, *input_size)):
                settings.check_fits(create_model(model), get_spec(model), input_size)
    results = [latency(m, size, settings=settings).to_dict() for m in models for size in sizes]
    table = pd.DataFrame([{c: r[c] for c in LATENCY_COLUMNS} for r in results])
    table["input_size"] = table["input_size"].map(lambda s: "x".join(map(str, s)))
    _emit(results, table, args.format)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .config import load_config
    from .reports.report import write_report
    from .runner import plan, sweep

    started = time.perf_counter()
    config = load_config(
        args.config,
        out=args.out,
        models=[n for n in _names_arg(args.models) if n != "all"] or None,  # unnamed: every network
        threads=args.threads,
        latency_repeats=args.repeats,
        latency_timing=args.timing,
        subject=args.subject,
        weights_dir=args.weights_dir,
    )
    work = plan(config)
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)  # recorded with the run, used by every measurement
    store = _open_store(config.out)
    run_id = store.start_run("run", config.as_dict())
    print(f"deblurbench run: {len(work)} measurements -> {store.path}", file=sys.stderr)
    summary = sweep(work, store, run_id)
    store.finish_run(run_id)
    report = write_report(store, config.out, subject=config.subject)
    elapsed = time.perf_counter() - started
    print(
        f"deblurbench run: {summary.done} measured, {summary.skipped} already in the store, "
        f"{len(summary.failed)} failed, {elapsed:.1f} s; report: {report}"
    )
    return 1 if summary.failed else 0


def _open_store(out: Path) -> Any:
    """The store of ``out``, saying in one line when an older one was migrated."""
    from .bench.store import Store

    store = Store(out)
    if store.migrated_from is not None:
        print(
            f"deblurbench: migrated {store.path} from store schema {store.migrated_from}; "
            f"the file as it was is kept as {store.path.name}.schema{store.migrated_from}.bak",
            file=sys.stderr,
        )
    return store


def cmd_report(args: argparse.Namespace) -> int:
    from .reports.report import write_report

    out = args.out or Path("deblurbench-out")
    subject = _subject_arg(args.subject)
    report = write_report(_existing_store(out), out, subject=subject)
    figures = sorted(p.name for p in (out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
    print(f"deblurbench report: {report} and {report.with_suffix('.html')}, {len(figures)} figures")
    return 0


DEFAULT_OUT = Path("deblurbench-out")
CLAIM_TEXT_COLUMNS = (
    "Network",
    "Figure",
    "Published",
    "Reported by",
    "Measured",
    "Difference",
    "Verdict",
    "Reason",
)


def _claims_store(out: Path | None) -> Any:
    """The store ``claims`` reads: --out DIR's, else ./deblurbench-out's when there; None (and one line) without."""
    from .bench.store import Store

    where = out if out is not None else DEFAULT_OUT
    if (where / Store.FILENAME).is_file():
        return _open_store(where)
    if out is not None:
        print(
            f"deblurbench claims: {out} holds no {Store.FILENAME}: parameters and MACs are counted here; quality "
            f"and latency need its store ('deblurbench run --out {out}')",
            file=sys.stderr,
        )
    return None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records: NaN as null, never a bare NaN token."""
    return json.loads(frame.to_json(orient="records")) if not frame.empty else []


def cmd_claims(args: argparse.Namespace) -> int:
    """Every published figure and comparison checked, the subject's claim, and the claim figure."""
    from .bench.complexity import meta_complexity
    from .reports.answer import check_claims
    from .reports.claims import NOT_COMPARABLE, verdict_counts

    subject = _subject_arg(args.subject)
    models = _models_arg(args.models) if args.models else None  # None: the store's networks, or all
    store = _claims_store(args.out)
    claims = check_claims(store, models, subject=subject, count=meta_complexity)
    if args.plot is not None:
        _claim_plot(claims, args.plot)
    if args.format == "json":
        payload = {
            "summary": claims.summary,
            "counts": verdict_counts(claims.figures),
            "networks": _records(claims.networks),
            "figures": _records(claims.figures),
            "relative": _records(claims.relative),
            "subject": subject,
            "claim": _records(claims.subject_table),
            "claim_summary": claims.subject_lines,
            "front": claims.front + claims.scored_front,
        }
        print(json.dumps(payload, indent=2))
        return 0
    if args.format == "csv":
        print(claims.figures.to_csv(index=False), end="")
        return 0
    figures = claims.figures
    shown = figures if args.all else figures[figures["Verdict"] != NOT_COMPARABLE]
    print(_table_text(claims.networks))
    print(f"\n{claims.summary}.")
    if len(shown):
        print(_table_text(shown[list(CLAIM_TEXT_COLUMNS)]))
    if len(shown) < len(figures):
        print(
            f"({len(figures) - len(shown)} rows not comparable here: --all shows them, --format csv has every column)"
        )
    if not claims.relative.empty:
        print("\nComparisons the sources print, on our counts:")
        print(_table_text(claims.relative.drop(columns=["model", "Reference", "Note"])))
    print(f"\n{claims.subject_lines[0]}")
    if not claims.subject_table.empty:
        print(_table_text(claims.subject_table))
    for line in claims.subject_lines[1:] + claims.front + claims.scored_front:
        print(line)
    return 0


def _claim_plot(claims: Any, target: Path) -> None:
    """Write the claim figure to ``target`` (.png and .svg), or say in one line why there is none."""
    from .reports import plots
    from .reports.tables import display_name

    if claims.points.empty:
        raise UsageError("--plot: no network has both a published GoPro PSNR and a count here")
    title = "Published GoPro PSNR against measured MACs and parameters"
    written = plots.claim_figure(claims.points, target.with_suffix(""), display_name(claims.subject), title)
    print(f"deblurbench claims: claim figure {', '.join(map(str, written))}", file=sys.stderr)


def _existing_store(out: Path) -> Any:
    """The store of an output directory that must already hold one (read, never created)."""
    from .bench.store import Store

    if not (out / Store.FILENAME).is_file():
        what = "no such directory" if not out.is_dir() else f"no {Store.FILENAME} in it"
        raise UsageError(f"--out {out}: {what}; run 'deblurbench run --out {out}' first, or leave --out out")
    return _open_store(out)


def _subject_arg(value: str | None) -> str:
    from .config import SUBJECT, RunConfig
    from .options import options

    return options(RunConfig)["subject"].value(value or SUBJECT, "--subject")


def _methods_arg(values: list[str] | None, outputs: list[str] | None) -> list[str]:
    """Networks and reference methods named on the command line (each checked, nearest names suggested).

    --models may be left out when --outputs names something to score.
    """
    from .bench.references import is_reference
    from .models import get_spec

    if values is None and outputs is None:
        raise UsageError(
            "deblurbench evaluate: --models or --outputs is required, e.g. --models identity,lmfn "
            "or --outputs fftformer=DIR"
        )
    names = _names_arg(values)
    for name in names:
        if not is_reference(name):
            get_spec(name)  # raises with the nearest names
    return names


def _weights_arg(values: list[str] | None, methods: list[str]) -> dict[str, str]:
    """``--weights NAME=PATH_OR_TAG`` (repeatable), or a bare ``--weights PATH`` for a single network."""
    weights: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep:
            if len(methods) != 1:
                raise UsageError(
                    f"--weights {item!r}: with several models write NAME=PATH, e.g. lmfn=ckpt.pth"
                )
            name, value = methods[0], item
        if name not in methods:
            raise UsageError(f"--weights {item!r}: {name} is not among --models ({', '.join(methods)})")
        weights[name] = value
    _check_weights(weights)
    return weights


def _outputs_arg(values: list[str] | None) -> list[Any]:
    """``--outputs NAME=DIR`` (repeatable): each folder checked, indexed and labelled before any work."""
    from .bench.released import OutputsError, open_outputs, parse_outputs

    outputs: dict[str, Any] = {}
    for item in values or []:
        try:
            name, folder = parse_outputs(item)
            if name in outputs:
                raise OutputsError(f"{name} is given twice; give each folder its own NAME")
            outputs[name] = open_outputs(name, folder)
        except OutputsError as exc:
            raise UsageError(f"--outputs {item!r}: {exc}") from None
    return list(outputs.values())


def _official_arg(
    weights_dir: Path, methods: list[str], given: dict[str, str], dataset: str
) -> dict[str, str]:
    """The official checkpoint (hash-checked) of every network of ``methods`` without --weights."""
    from .bench.evaluate import official_checkpoint as _official
    from .bench.references import is_reference

    return {
        m: str(_official(m, weights_dir, dataset)) for m in methods if m not in given and not is_reference(m)
    }


def _check_weights(weights: dict[str, str]) -> None:
    """Each network's weights resolved and checked (kind, size, readability) before any work or row."""
    from .bench.references import is_reference
    from .models.registry import resolve_weights

    for name, value in weights.items():
        if is_reference(name):
            raise UsageError(f"--weights {name}={value}: {name} is a reference method: it takes no weights")
        resolve_weights(name, value)


def _evaluate_dataset(args: argparse.Namespace) -> Any:
    """The dataset ``evaluate`` scores: --dataset, --root, --split, --limit, --opt, --blur, --sharp."""
    from .datasets import open_dataset

    options = _dataset_options(args.opt)
    for key in ("blur", "sharp"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    return open_dataset(args.dataset, root=args.root, split=args.split, limit=args.limit, **options)


EVALUATED = ["model", "weights", "image_id"]  # what names a row of the evaluate table: method, weights, image


def _evaluated_rows(
    store: Any, dataset: Any, weights: dict[str, str], methods: list[Any], quantized: bool
) -> pd.DataFrame:
    """This evaluation's per-image rows from the store: its methods with their weights (or folders), split, images."""
    from .bench.evaluate import method_fields, method_name
    from .bench.records import QualityRecord

    frame = store.frame("quality")
    keep = frame["dataset"].eq(dataset.name) & frame["split"].eq(str(dataset.info.get("split", "")))
    keep &= frame["quantized"].eq(int(quantized)) & frame["image_id"].isin(dataset.ids)
    keep &= frame["variant"].eq(str(dataset.info.get("variant", "")))
    wanted = [method_fields(m, weights.get(method_name(m))) for m in methods]
    keep &= frame[["model", "weights"]].apply(tuple, axis=1).isin(wanted)
    columns = [*EVALUATED, *(c.name for c in QualityRecord.value_columns())]
    return frame.loc[keep, columns].sort_values(EVALUATED).reset_index(drop=True)


def _print_means(table: pd.DataFrame, failures: int, store: Any) -> None:
    by = table.groupby(EVALUATED[:2], sort=False)
    means = by[list(table.columns[len(EVALUATED) :])].mean(numeric_only=True)
    means.insert(0, "images", by.size())
    print("\nmeans (SSIM per convention; LPIPS empty when its backbone weights are missing):")
    print(_table_text(means.reset_index()))
    print(f"{failures} failed image(s); rows in {store.path}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    import os

    from .bench.evaluate import protocol_choices
    from .runner import evaluate_methods

    methods = _methods_arg(args.models, args.outputs)
    weights = _weights_arg(args.weights, methods)
    outputs = _outputs_arg(args.outputs)
    dataset = _evaluate_dataset(args)
    if args.weights_dir is not None:
        weights = {**_official_arg(args.weights_dir, methods, weights, dataset.name), **weights}
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers {args.workers}: must be 0 (decode inline) or more")
    if args.protocol not in protocol_choices():
        raise UsageError(f"--protocol {args.protocol!r}: use one of {', '.join(protocol_choices())}")
    device = args.device
    if device == "cuda" and "LOCAL_RANK" in os.environ:
        device = f"cuda:{os.environ['LOCAL_RANK']}"
    out = args.out or Path("deblurbench-out")
    store = _open_store(out)
    rank = int(os.environ.get("RANK", "0"))
    folders = {o.name: str(o.folder) for o in outputs}
    run_id = store.start_run(
        "evaluate", {"models": methods, "outputs": folders, "dataset": args.dataset, "split": args.split}
    )
    failures = evaluate_methods(
        [*methods, *outputs],
        dataset,
        store,
        weights,
        run_id,
        save_root=out / "images" if args.save_images else None,
        device=device,
        dtype=args.dtype,
        protocol=args.protocol,
        quantized=not args.no_quantize,
        lpips_net=None if args.lpips == "off" else args.lpips,
        workers=args.workers,
        progress=None if rank == 0 else False,
    )
    store.finish_run(run_id)
    if rank != 0:
        return 1 if failures else 0
    table = _evaluated_rows(store, dataset, weights, [*methods, *outputs], not args.no_quantize)
    _emit(table.to_dict("records"), table, args.format)
    if args.format == "table" and not table.empty:
        _print_means(table, len(failures), store)
    return 1 if failures else 0


def _table_text(frame: pd.DataFrame) -> str:
    from .reports.tables import to_text

    return to_text(frame, "table", floatfmt=".4g")


def _option_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        try:
            return tuple(float(p) for p in parts)
        except ValueError:
            return text
    return text


def _dataset_options(values: list[str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--opt {item!r}: expected KEY=VALUE, e.g. --opt part=long-shot")
        options[key.strip()] = _option_value(value.strip())
    return options


def cmd_datasets(args: argparse.Namespace) -> int:
    from .datasets import get_dataset_spec, list_datasets

    rows, specs = [], []
    for name in list_datasets():
        spec = get_dataset_spec(name)
        specs.append(spec.describe())
        rows.append(
            {
                "name": name,
                "dataset": spec.title,
                "paper": spec.paper,
                "pairs": ", ".join(f"{split} {count:,}" for split, count in spec.counts.items()) or "any",
                "root": "needed" if spec.needs_root else "none",
                "options": ", ".join(spec.options) or "",
                "layout": spec.layout,
            }
        )
    _emit(specs, pd.DataFrame(rows), args.format)
    return 0


def cmd_datasets_check(args: argparse.Namespace) -> int:
    from .datasets import check_dataset
    from .reports.tables import to_text

    options = _dataset_options(args.opt)
    for key in ("blur", "sharp"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    report = check_dataset(
        args.name, root=args.root, split=args.split, decode=not args.quick, limit=args.limit, **options
    )
    rows = [{"kind": "group", "item": g, "pairs": n, "message": ""} for g, n in report.groups.items()]
    rows += [{"kind": "problem", "item": "", "pairs": None, "message": m} for m in report.problems]
    rows += [{"kind": "note", "item": "", "pairs": None, "message": m} for m in report.notes]
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, default=str))
    elif args.format == "csv":
        print(to_text(pd.DataFrame(rows, columns=["kind", "item", "pairs", "message"]), "csv"), end="")
    else:
        where = f" at {report.root}" if report.root else ""
        full = f"; the full set has {report.expected:,}" if report.expected is not None else ""
        print(
            f"{report.name} ({report.split}){where}: {report.found} pairs found, {report.usable} usable{full}; "
            f"{'every image decoded' if report.decoded else 'headers only (--quick)'}"
        )
        if report.groups:
            groups = pd.DataFrame(
                {report.group_label: list(report.groups), "pairs": list(report.groups.values())}
            )
            print(to_text(groups, "table"))
        print(f"{len(report.problems)} problem{'' if len(report.problems) == 1 else 's'}")
        for message in report.problems:
            print(f"problem: {message}")
        for message in report.notes:
            print(f"note: {message}")
    return 0 if report.ok else 1


def cmd_synth(args: argparse.Namespace) -> int:
    from .datasets.synthetic import COUNTS, SyntheticPairs, write_gopro

    if args.split == "train" and args.limit is None:
        raise UsageError(
            f"deblurbench synth: the train split has {COUNTS['train']:,} pairs made on the fly; "
            "pass --limit N to write N of them"
        )
    started = time.perf_counter()
    dataset = SyntheticPairs(args.split, seed=args.seed, limit=args.limit)
    manifest = write_gopro(dataset, args.out, overwrite=args.overwrite)
    elapsed = time.perf_counter() - started
    print(
        f"deblurbench synth: {len(manifest['pairs'])} pairs ({args.split}, seed {args.seed}) written to "
        f"{Path(args.out) / args.split} in GoPro layout, kernels in <source>/kernel/*.npy, manifest "
        f"{Path(args.out) / f'synthetic_{args.split}.json'}; {elapsed:.1f} s"
    )
    return 0


MODELS_HELP = "networks, comma-separated or repeated (default: all registered)"
SubParsers = Any  # argparse's private _SubParsersAction


def _with_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")


def _add_models(sub: SubParsers) -> None:
    p = sub.add_parser("models", help="list the registered networks")
    _with_format(p)
    p.set_defaults(func=cmd_models)


def _add_complexity(sub: SubParsers) -> None:
    p = sub.add_parser("complexity", help="parameters and MACs by several counters")
    p.add_argument("--models", action="append", help=MODELS_HELP)
    p.add_argument("--size", action="append", help="HxW, repeatable (default 256x256)")
    p.add_argument(
        "--real-forward",
        action="store_true",
        default=None,
        help="run fvcore (no meta device) at any size, allocating activations",
    )
    _with_format(p)
    p.set_defaults(func=cmd_complexity)


def _add_latency(sub: SubParsers) -> None:
    p = sub.add_parser("latency", help="time networks on CPU or CUDA")
    p.add_argument("--models", action="append", help=MODELS_HELP)
    p.add_argument("--size", action="append", help="HxW, repeatable (default 256x256)")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--dtype", default="float32", help="float32, float64, float16 or bfloat16 (autocast)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the network first")
    p.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    p.add_argument("--timing", choices=("quick", "publication"), default="quick", help=TIMING_HELP)
    p.add_argument("--warmup", type=int, help="warm-up calls (default: the preset's)")
    p.add_argument("--repeats", type=int, help="the most timed calls (default: the preset's)")
    p.add_argument("--min-repeats", type=int, help="the fewest timed calls (default: the preset's)")
    p.add_argument("--max-time", type=float, help="the time budget in seconds (default: the preset's)")
    p.add_argument(
        "--tolerance", type=float, help="stop when the median is known to this fraction (0: never early)"
    )
    p.add_argument(
        "--unsynchronised",
        action="store_true",
        help="CUDA only: time without synchronising, as many papers did (NOT the true latency)",
    )
    _with_format(p)
    p.set_defaults(func=cmd_latency)


def _add_dataset_source(p: argparse.ArgumentParser) -> None:
    """--root, --split, --blur, --sharp, --opt and --limit: which copy and which pairs."""
    p.add_argument("--root", type=Path, help="your copy of the dataset (not for synthetic)")
    p.add_argument("--split", default="test", help="split (default test)")
    p.add_argument("--blur", help="folder: the blurred images' folder; gopro: blur or blur_gamma")
    p.add_argument("--sharp", help="folder: the sharp images' folder")
    p.add_argument(
        "--opt", action="append", help="dataset option KEY=VALUE, repeatable (e.g. part=long-shot)"
    )
    p.add_argument("--limit", type=int, help="only the first N pairs")


def _add_datasets(sub: SubParsers) -> None:
    p = sub.add_parser(
        "datasets", help="list the datasets; 'datasets check NAME --root DIR' validates a copy"
    )
    _with_format(p)
    p.set_defaults(func=cmd_datasets)
    actions = p.add_subparsers(dest="action", parser_class=_Parser)
    c = actions.add_parser("check", help="validate a local copy: counts and every problem, one line each")
    c.add_argument("name", help="dataset name (see 'deblurbench datasets')")
    _add_dataset_source(c)
    c.add_argument("--quick", action="store_true", help="read headers only, do not decode every image")
    _with_format(c)
    c.set_defaults(func=cmd_datasets_check)


def _add_synth(sub: SubParsers) -> None:
    p = sub.add_parser("synth", help="write the synthetic dataset in GoPro layout (plus kernels)")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--split", default="test", choices=("test", "tiny", "train"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, help="write only the first N pairs (required for train)")
    p.add_argument("--overwrite", action="store_true", help="replace files in an existing OUT/SPLIT")
    p.set_defaults(func=cmd_synth)


def _add_evaluate(sub: SubParsers) -> None:
    p = sub.add_parser("evaluate", help="PSNR / SSIM / LPIPS of networks and reference methods on a dataset")
    p.add_argument("--models", action="append", help="networks and reference methods (identity, wiener, ...)")
    p.add_argument(
        "--outputs",
        action="append",
        help="NAME=DIR, repeatable: score a folder of released result images, matched to the pairs by "
        "image id (<scene>/<frame>.png or <scene>-<frame>.png), as 'NAME (released outputs)'",
    )
    p.add_argument("--dataset", required=True, help="dataset name (see 'deblurbench datasets')")
    _add_dataset_source(p)
    p.add_argument(
        "--weights", action="append", help="NAME=PATH or NAME=TAG, repeatable (PATH alone for one model)"
    )
    p.add_argument("--weights-dir", type=Path, help=WEIGHTS_DIR_HELP)
    p.add_argument(
        "--out", type=Path, help="output directory holding results.sqlite (default ./deblurbench-out)"
    )
    p.add_argument(
        "--device", default="cpu", help="cpu or cuda[:N] (under torchrun: each rank its local GPU)"
    )
    p.add_argument("--dtype", default="float32", help="float32, float64, float16 or bfloat16")
    p.add_argument(
        "--protocol", default="auto", help="auto (the dataset's own), standard, realblur or kohler"
    )
    p.add_argument("--no-quantize", action="store_true", help="score the float output, not its 8-bit image")
    p.add_argument(
        "--lpips", default="alex", choices=("alex", "vgg", "squeeze", "off"), help="LPIPS backbone"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="image-decoding background threads; 0 decodes inline (default: 1 on CUDA or when the "
        "model's threads leave a core free, else 0)",
    )
    p.add_argument("--save-images", action="store_true", help="keep the restored PNGs under OUT/images/")
    _with_format(p)
    p.set_defaults(func=cmd_evaluate)


TIMING_HELP = (
    "quick (default: one warm-up, repeat until the median is known to 5%% or 3 s are spent, at least 3) "
    "or publication (10 warm-ups, at least 30 repeats, to 1%%, up to 120 s)"
)
WEIGHTS_DIR_HELP = "folder of official checkpoints under their published names, hash-checked where known"
SUBJECT_HELP = "the network the report's claims and highlighted points are about (default lmfn)"


def _add_run(sub: SubParsers) -> None:
    p = sub.add_parser("run", help="the main job: measure every network and write the report")
    p.add_argument("--out", type=Path, help="output directory (default ./deblurbench-out)")
    p.add_argument("--config", type=Path, help="TOML run configuration")
    p.add_argument("--models", action="append", help=MODELS_HELP)
    p.add_argument("--threads", type=int, help="CPU threads for latency")
    p.add_argument("--repeats", type=int, help="the most latency repeats per network (default: the preset's)")
    p.add_argument("--timing", choices=("quick", "publication"), help=TIMING_HELP)
    p.add_argument("--subject", help=SUBJECT_HELP)
    p.add_argument("--weights-dir", type=Path, help=WEIGHTS_DIR_HELP)
    p.set_defaults(func=cmd_run)


def cmd_weights(args: argparse.Namespace) -> int:
    """Which official checkpoints DIR holds: found, missing or mismatched, per network."""
    from .models.official import MISMATCHED, MISSING, scan_weights_dir

    entries = scan_weights_dir(args.weights_dir, _models_arg(args.models))
    rows = [e.row() for e in entries]
    _emit(
        rows,
        pd.DataFrame(rows, columns=["model", "checkpoint", "datasets", "status", "path", "detail"]),
        args.format,
    )
    if args.format == "table":
        counts = {s: sum(e.status == s for e in entries) for s in (MISSING, MISMATCHED)}
        print(
            f"{len(entries) - sum(counts.values())} found, {counts[MISSING]} missing, {counts[MISMATCHED]} mismatched"
        )
    return 1 if any(e.status == MISMATCHED for e in entries) else 0


def _add_weights(sub: SubParsers) -> None:
    p = sub.add_parser(
        "weights", help="list the official checkpoints a folder holds: found, missing, mismatched"
    )
    p.add_argument("--weights-dir", type=Path, required=True, help=WEIGHTS_DIR_HELP)
    p.add_argument("--models", action="append", help=MODELS_HELP)
    _with_format(p)
    p.set_defaults(func=cmd_weights)


def _add_claims(sub: SubParsers) -> None:
    p = sub.add_parser("claims", help="published figures against measured ones, and the subject's claim")
    p.add_argument("--subject", help=SUBJECT_HELP)
    p.add_argument("--models", action="append", help=MODELS_HELP)
    p.add_argument(
        "--out",
        type=Path,
        help="hold quality and latency from DIR's store (default ./deblurbench-out when it holds one)",
    )
    p.add_argument("--plot", type=Path, metavar="FILE", help="write the claim figure to FILE (.png and .svg)")
    p.add_argument("--all", action="store_true", help="print every figure, the not comparable ones too")
    _with_format(p)
    p.set_defaults(func=cmd_claims)


def _add_report(sub: SubParsers) -> None:
    p = sub.add_parser(
        "report", help="regenerate report.md, report.html, tables/ and figures/ from the store"
    )
    p.add_argument(
        "--out", type=Path, help="output directory holding results.sqlite (default ./deblurbench-out)"
    )
    p.add_argument("--subject", help=SUBJECT_HELP)
    p.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    from .train.cli import add_train_parser

    parser = _Parser(prog="deblurbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"deblurbench {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_models, _add_complexity, _add_latency, _add_datasets, _add_synth):
        add(sub)
    for add in (_add_evaluate, _add_run, _add_report, _add_claims, _add_weights, add_train_parser):
        add(sub)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deblurbench`` console script."""
    from .models import CheckpointError
    from .registry import UnknownNameError

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, UnknownNameError, CheckpointError, FileNotFoundError, MemoryError) as exc:
        print(f"deblurbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a place that cannot be read or written: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"deblurbench: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("deblurbench: interrupted; finished results are in the store", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
