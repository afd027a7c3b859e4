"""Evaluation wall time over the network's pure forward time on the same images (goal: <= 1.10 on CPU).

``db.evaluate`` decodes images in a background worker, restores, scores PSNR and SSIM
in all three conventions (and LPIPS where its backbone is cached) and keeps the rows;
the reference is ``Restorer`` alone on the same images, already in memory. Both run
in this process, alternating rounds so that machine load hits both alike; the best
round of each is compared.

    python benchmarks/evaluation_overhead.py [--model lmfn] [--pairs 8] [--rounds 3] [--device cpu] [--threads N] [--workers 1]
"""

from __future__ import annotations

import argparse
import time

import torch

import deblurbench as db
from deblurbench.bench.evaluate import EvalSettings, _score_standard, evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lmfn")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--workers", type=int, default=1, help="db.evaluate's data-loading processes")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    dataset = db.open_dataset("synthetic", split="test", limit=args.pairs)
    blurs = [pair.blur[None].to(args.device) for pair in dataset]
    restorer = db.Restorer(args.model, device=args.device)
    model = restorer.model
    restorer(blurs[0])  # warm-up

    def forward_only() -> float:
        started = time.perf_counter()
        for blur in blurs:
            restorer(blur)
        if restorer.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    def evaluation() -> float:
        started = time.perf_counter()
        evaluate(model, dataset, device=args.device, progress=False, workers=args.workers)
        return time.perf_counter() - started

    sharps = [pair.sharp[None].to(args.device) for pair in dataset]
    preds = [restorer(blur).clamp(0, 1) for blur in blurs]

    def loading_only() -> float:  # what the worker does per image, here in the main process
        started = time.perf_counter()
        for i in range(len(dataset)):
            dataset[i]
        return time.perf_counter() - started

    def scoring_only() -> float:  # db.evaluate's metrics on the restored images
        started = time.perf_counter()
        for pred, sharp in zip(preds, sharps, strict=True):
            _score_standard(pred, sharp, EvalSettings())
        if restorer.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    evaluation()  # warm-up: worker start, metric code paths
    forward_s, evaluate_s, loading_s, scoring_s = [], [], [], []
    for _ in range(args.rounds):
        forward_s.append(forward_only())
        evaluate_s.append(evaluation())
        loading_s.append(loading_only())
        scoring_s.append(scoring_only())
    best_forward, best_evaluate = min(forward_s), min(evaluate_s)
    print(
        f"{args.model}, {len(blurs)} synthetic pairs of 256x256, device {args.device}, "
        f"{torch.get_num_threads()} threads, {args.workers} loading worker(s), torch {torch.__version__}"
    )
    print(
        f"forward only   : {best_forward * 1e3 / len(blurs):8.1f} ms / image (best of {args.rounds} rounds)"
    )
    print(f"db.evaluate    : {best_evaluate * 1e3 / len(blurs):8.1f} ms / image")
    print(
        f"  of which, measured alone: loading {min(loading_s) * 1e3 / len(blurs):.1f} ms / image "
        f"(the synthetic split is generated on the fly), metrics {min(scoring_s) * 1e3 / len(blurs):.1f} ms / image"
    )
    print(f"ratio evaluate / forward: {best_evaluate / best_forward:.3f}  (goal <= 1.10)")


if __name__ == "__main__":
    main()
