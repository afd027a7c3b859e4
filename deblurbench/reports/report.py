"""The output directory's report: ``report.md`` with the headline table and figure."""

from __future__ import annotations

import json
from pathlib import Path

from ..bench.store import Store
from .plots import macs_vs_params
from .tables import failures_frame, summary_frame, to_text


def write_report(store: Store, out: Path, size: str = "256x256", large: str = "720x1280") -> Path:
    """Regenerate ``out/report.md``, ``out/tables/`` and ``out/figures/`` from the store."""
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    summary = summary_frame(store, size=size, large=large)
    lines = ["# deblurbench report", ""]
    runs = store.frame("runs")
    if not runs.empty:
        env = json.loads(runs.iloc[-1]["environment"])
        lines += [
            f"torch {env['torch']}, Python {env['python']}, {env['platform']}, "
            f"{env['cpu_threads']} CPU threads.",
            "",
        ]
    if summary.empty:
        lines += ["No results in the store yet.", ""]
    else:
        table = summary.drop(columns="model")
        table.to_csv(out / "tables" / "summary.csv", index=False)
        lines += [
            "## Complexity and CPU latency",
            "",
            f"MACs are multiply-accumulates (FLOPs = 2 x MACs), counted on each network's official "
            f"test-time path at the size it accepts. Latency: batch 1, float32, median and p90 of "
            f"repeated calls after warm-up, at {size}.",
            "",
            to_text(table, "markdown", floatfmt=".3g"),
            "",
        ]
        macs_column = f"GMACs @{size} (fvcore)"
        if summary[macs_column].isna().all():
            macs_column = f"GMACs @{size} (torch)"
        figure = macs_vs_params(summary, out / "figures" / "macs_vs_params", macs_column)[0]
        lines += [f"![MACs vs. parameters]({figure.relative_to(out).as_posix()})", ""]
    failures = failures_frame(store)
    if not failures.empty:
        lines += ["## Failures", "", to_text(failures, "markdown"), ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report
