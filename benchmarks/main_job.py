"""How long does the main job take? The default ``deblurbench run``, its phases, and the ratio to track.

Runs exactly what ``deblurbench run`` runs on the embedded default (a fresh output directory in a
temporary folder unless ``--out`` is given), then prints the wall time, each phase's share
(complexity, latency, quality, report) and, as the ratio to track across machines, that wall time
over the sum of one 256x256 forward of every network measured in the same run (the latency rows'
medians: each is one forward of that network, timed in this run). Each phase is also given in
forwards (its seconds over that sum), which shows how near it is to its floor: latency's is 3
(at least three timed repeats of every network), complexity's about 2 (one cold, traced forward).

    python benchmarks/main_job.py [--out DIR] [--models a,b]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="output directory (default: a new temporary one)")
    parser.add_argument("--models", help="comma-separated networks (default: all, as the main job)")
    args = parser.parse_args()

    started = time.perf_counter()  # the imports count: a user's run pays for them too
    import torch

    from deblurbench.bench.records import LatencyRecord
    from deblurbench.bench.store import Store, load_average
    from deblurbench.config import load_config
    from deblurbench.reports.report import write_report
    from deblurbench.runner import plan, sweep

    out = args.out or Path(tempfile.mkdtemp(prefix="deblurbench-main-job-"))
    models = args.models.split(",") if args.models else None
    load = load_average()
    config = load_config(None, out=out, models=models)
    store = Store(config.out)
    run_id = store.start_run("benchmarks/main_job.py", config.as_dict())
    summary = sweep(plan(config), store, run_id, progress=False)
    store.finish_run(run_id)
    report_started = time.perf_counter()
    write_report(store, config.out, subject=config.subject)
    report = time.perf_counter() - report_started
    wall = time.perf_counter() - started

    forwards = {
        r.model: r.median_ms / 1e3 for r in store.records(LatencyRecord) if (r.height, r.width) == (256, 256)
    }
    phases = {**summary.seconds, "report": report}
    phases["other (imports, planning, store)"] = wall - sum(phases.values())
    print(
        f"deblurbench main job: {len(forwards)} networks, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"load average {load} at start, {load_average()} at end; {os.cpu_count()} CPUs; out {out}")
    print(
        f"wall time {wall:.1f} s ({summary.done} measured, {summary.skipped} already stored, {len(summary.failed)} failed)"
    )
    total = sum(forwards.values())
    for phase, seconds in phases.items():
        in_forwards = f"  {seconds / total:4.1f} forwards" if total else ""
        print(f"  {phase:<34} {seconds:7.1f} s  {100 * seconds / wall:5.1f}%{in_forwards}")
    print(f"sum of one 256x256 forward of every network (this run's latency medians): {total:.1f} s")
    print(f"ratio wall / sum of forwards = {wall / total:.2f}" if total else "no latency rows: no ratio")


if __name__ == "__main__":
    main()
