"""PSNR + SSIM (skimage convention) on 1280x720 RGB pairs: ours vs ``skimage.metrics`` (goal: >= 10x on CPU).

Both run in the same process on the same 8-bit pairs (scikit-image's bundled
images upscaled, blurred and noised), alternating rounds so that changes in
machine load hit both alike; the values must agree to 1e-6. Prints the best
round of each and the speed ratio. Timings on a shared machine are noisy.

    python benchmarks/metrics_speed.py [--pairs 4] [--rounds 3] [--device cpu] [--threads N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from deblurbench.bench import metrics, native

HEIGHT, WIDTH = 720, 1280


def make_pairs(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(pred, target), (N, 3, 720, 1280) float32 on the 8-bit grid."""
    sources = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    rng = np.random.RandomState(0)
    preds, targets = [], []
    for i in range(count):
        img = torch.from_numpy(sources[i % len(sources)]).permute(2, 0, 1)[None].float() / 255
        target = F.interpolate(img, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)[0]
        blurred = F.avg_pool2d(target[None], (1, 7), stride=1, padding=(0, 3), count_include_pad=False)[0]
        noise = torch.from_numpy(rng.normal(0, 0.01 * (i + 1), target.shape)).float()
        preds.append(metrics.quantize(blurred + noise))
        targets.append(metrics.quantize(target))
    return torch.stack(preds), torch.stack(targets)


def ours(pred: torch.Tensor, target: torch.Tensor) -> tuple[list[float], list[float]]:
    p = metrics.psnr(pred, target)
    s = metrics.ssim(pred, target, convention="skimage")
    if pred.is_cuda:
        torch.cuda.synchronize()
    return p.tolist(), s.tolist()


def reference(pred_np: list[np.ndarray], target_np: list[np.ndarray]) -> tuple[list[float], list[float]]:
    p, s = [], []
    for x, y in zip(pred_np, target_np, strict=True):
        p.append(peak_signal_noise_ratio(y, x, data_range=1.0))
        s.append(
            structural_similarity(
                y,
                x,
                channel_axis=2,
                gaussian_weights=True,
                sigma=1.5,
                use_sample_covariance=False,
                data_range=1.0,
            )
        )
    return p, s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    pred, target = make_pairs(args.pairs)
    # scikit-image gets float64 HWC arrays (its own float32 path is less exact).
    pred_np = [x.permute(1, 2, 0).double().numpy() for x in pred]
    target_np = [x.permute(1, 2, 0).double().numpy() for x in target]
    pred, target = pred.to(args.device), target.to(args.device)
    ours(pred[:1], target[:1])  # warm-up (CUDA context, caches)

    ours_s, ours_batched_s, ref_s = [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for i in range(args.pairs):
            ours(pred[i : i + 1], target[i : i + 1])
        ours_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        values = ours(pred, target)
        ours_batched_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref_values = reference(pred_np, target_np)
        ref_s.append(time.perf_counter() - t0)

    diffs = [
        abs(a - b)
        for ours_v, ref_v in zip(values, ref_values, strict=True)
        for a, b in zip(ours_v, ref_v, strict=True)
    ]
    worst = max(diffs)
    n = args.pairs
    best_ours, best_batched, best_ref = min(ours_s) / n, min(ours_batched_s) / n, min(ref_s) / n
    print(
        f"{n} pairs of {WIDTH}x{HEIGHT} RGB, device {args.device}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}"
    )
    kernel = "compiled CPU kernel" if pred.device.type == "cpu" and native.available() else "torch code"
    print(f"ours: {kernel} (metrics.native)")
    print(f"PSNR  ours {[round(v, 4) for v in values[0]]}")
    print(f"SSIM  ours {[round(v, 6) for v in values[1]]}")
    print(f"max |ours - skimage| over PSNR and SSIM: {worst:.2e}  ({'OK' if worst <= 1e-6 else 'OVER'} 1e-6)")
    print(f"skimage.metrics  PSNR+SSIM: {best_ref * 1e3:8.1f} ms / pair  (best of {args.rounds} rounds)")
    print(f"ours, one pair at a time  : {best_ours * 1e3:8.1f} ms / pair  ratio {best_ref / best_ours:5.1f}x")
    print(
        f"ours, batch of {n}         : {best_batched * 1e3:8.1f} ms / pair  ratio {best_ref / best_batched:5.1f}x"
    )
    print("goal: >= 10x on CPU; timings on a shared machine are noisy")


if __name__ == "__main__":
    main()
