"""Evaluation wall time over the network's pure forward time on the same images (goal: <= 1.10 on CPU).

``db.evaluate`` decodes images (in a background thread where a core is free), restores,
scores PSNR and SSIM in all three conventions (and LPIPS where its backbone is cached)
and keeps the rows; the reference is ``Restorer`` alone on the same images, already in
memory. Both run in this process, alternating rounds so that machine load hits both
alike; the best round of each is compared, and so is each round with the one before it
(their median is steadier where the machine's speed drifts between rounds).

Two sources of the same pairs: ``synthetic`` generates each pair on the fly (blur by
FFT, sRGB coding, noise: 11-15 ms per 256x256 pair on CPU, a cost of that dataset),
``files`` reads them from PNG files in a ``folder`` dataset, as every real benchmark
set (GoPro, HIDE, RealBlur) is read. ``--source both`` (default) measures each.

    python benchmarks/evaluation_overhead.py [--model lmfn] [--pairs 8] [--rounds 3] [--device cpu] [--threads N] [--workers N] [--source both]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

import deblurbench as db
from deblurbench.bench.evaluate import EvalSettings, default_workers, evaluate, save_image

from harness import ForwardAndMetrics


def as_png_folder(dataset: db.PairedDataset, root: Path) -> db.PairedDataset:
    """The same pairs written as 8-bit PNGs (lossless) under ``root``, opened as a ``folder`` dataset."""
    for pair, image_id in zip(dataset, dataset.ids, strict=True):
        name = image_id.replace("/", "_")
        save_image(pair.blur, root / "blur", name)
        save_image(pair.sharp, root / "sharp", name)
    return db.open_dataset("folder", root=root)


def measure(dataset: db.PairedDataset, args: argparse.Namespace) -> None:
    """Print the forward, evaluate, loading and metric times of ``dataset`` and their ratio."""
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

    preds = [restorer(blur).clamp(0, 1) for blur in blurs]
    settings = EvalSettings(device=args.device).resolved(dataset)
    reference = ForwardAndMetrics(lambda blur, pair: restorer(blur), dataset, settings)
    contexts = [reference.context(pair, i) for i, pair in enumerate(dataset)]

    def loading_only() -> float:  # what the decoding thread does per image, here inline
        started = time.perf_counter()
        for i in range(len(dataset)):
            dataset[i]
        return time.perf_counter() - started

    def scoring_only() -> float:  # db.evaluate's metrics on the restored images
        started = time.perf_counter()
        for pred, ctx in zip(preds, contexts, strict=True):
            reference.score(pred, ctx)  # db.evaluate's protocol for the dataset (standard here)
        return time.perf_counter() - started

    evaluation()  # warm-up: worker start, metric code paths
    forward_s, evaluate_s, loading_s, scoring_s = [], [], [], []
    for _ in range(args.rounds):
        forward_s.append(forward_only())
        evaluate_s.append(evaluation())
        loading_s.append(loading_only())
        scoring_s.append(scoring_only())
    best_forward, best_evaluate = min(forward_s), min(evaluate_s)
    workers = default_workers(restorer.device) if args.workers is None else args.workers
    size = "x".join(str(n) for n in blurs[0].shape[-1:-3:-1])
    source = "generated on the fly" if dataset.name == "synthetic" else "read from PNG files"
    print(
        f"{args.model}, {len(blurs)} pairs of {size}, {source}, device {args.device}, "
        f"{torch.get_num_threads()} threads, {workers} decoding thread(s), torch {torch.__version__}"
    )
    print(
        f"forward only   : {best_forward * 1e3 / len(blurs):8.1f} ms / image (best of {args.rounds} rounds)"
    )
    print(f"db.evaluate    : {best_evaluate * 1e3 / len(blurs):8.1f} ms / image")
    print(
        f"  measured alone: loading {min(loading_s) * 1e3 / len(blurs):.1f} ms / image, "
        f"metrics {min(scoring_s) * 1e3 / len(blurs):.1f} ms / image"
    )
    per_round = sorted(e / f for e, f in zip(evaluate_s, forward_s, strict=True))
    print(f"ratio evaluate / forward: {best_evaluate / best_forward:.3f}  (goal <= 1.10)")
    print(
        f"  round by round (each evaluate over the forward just before it): median {statistics.median(per_round):.3f}, "
        f"range {per_round[0]:.3f}-{per_round[-1]:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lmfn")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--workers", type=int, default=None, help="db.evaluate's decoding threads (default: its own choice)"
    )
    parser.add_argument("--source", choices=("synthetic", "files", "both"), default="both")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    dataset = db.open_dataset("synthetic", split="test", limit=args.pairs)
    if args.source in ("synthetic", "both"):
        measure(dataset, args)
    if args.source in ("files", "both"):
        with tempfile.TemporaryDirectory() as root:
            measure(as_png_folder(dataset, Path(root)), args)


if __name__ == "__main__":
    main()
