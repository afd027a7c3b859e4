"""Does ``db.latency`` agree with ``torch.utils.benchmark.Timer``? (goal: within 5%)

Measures LMFN at 256x256 on the CPU both ways in the same run, on the same
module, input and thread count, and prints the ratio of the medians.

    python benchmarks/latency_agreement.py [--model lmfn] [--size 256x256] [--threads N] [--timing quick]
"""

from __future__ import annotations

import argparse

import torch
import torch.utils.benchmark as tb

import deblurbench as db
from deblurbench.bench.complexity import OfficialPath
from deblurbench.models.restorer import padded_size
from deblurbench.sizes import parse_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lmfn")
    parser.add_argument("--size", default="256x256")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="alternate the two methods this many times")
    parser.add_argument(
        "--timing",
        choices=("fixed", "quick", "publication"),
        default="fixed",
        help="ours: --repeats calls exactly (fixed), or a preset that stops once the median is known",
    )
    args = parser.parse_args()

    size = parse_size(args.size)
    model = db.create_model(args.model)
    spec = db.get_spec(args.model)
    path = OfficialPath(model, spec).eval()
    x = torch.rand(1, 3, *padded_size(spec, *size))

    ours, timer = [], []
    for _ in range(args.rounds):  # interleave so drift in machine load hits both alike
        if (
            args.timing == "fixed"
        ):  # a fixed count, as the Timer takes: no early stop (tolerance 0), no budget
            options = {"warmup": 3, "repeats": args.repeats, "min_repeats": args.repeats, "max_time_s": 1e9}
            result = db.latency(model, size, tolerance=0, threads=args.threads, **options)
        else:  # as the main job times: stop once the median is known to the preset's tolerance
            result = db.latency(model, size, timing=args.timing, threads=args.threads)
        ours.append(result["median_ms"])
        torch.set_num_threads(args.threads)
        t = tb.Timer(
            stmt="with torch.inference_mode(): path(x)",
            globals={"path": path, "x": x, "torch": torch},
            num_threads=args.threads,
        )
        measurement = t.blocked_autorange(min_run_time=max(1.0, result["median_ms"] * args.repeats / 1e3))
        timer.append(measurement.median * 1e3)

    ours_ms, timer_ms = min(ours), min(timer)  # best round of each: least disturbed by load
    print(f"model {args.model} at {args.size}, {args.threads} threads, torch {torch.__version__}")
    print(
        f"db.latency median (best of {args.rounds}): {ours_ms:.2f} ms   rounds: {[round(v, 2) for v in ours]}"
    )
    print(
        f"torch Timer median (best of {args.rounds}): {timer_ms:.2f} ms   rounds: {[round(v, 2) for v in timer]}"
    )
    ratio = ours_ms / timer_ms
    print(f"ratio db.latency / Timer = {ratio:.3f}  ({'within' if abs(ratio - 1) <= 0.05 else 'OUTSIDE'} 5%)")


if __name__ == "__main__":
    main()
