"""A small fabricated results store: complexity, latency, quality and failure rows; no network runs.

Shared by the report tests (``tests/reports/conftest.py`` makes fixtures of it) and the hostile-input table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deblurbench.bench.records import ComplexityRecord, LatencyRecord, QualityRecord
from deblurbench.bench.store import Store

# (model, params declared, params used, GMACs at 256x256): nafnet's parameter count is
# fabricated 17% above its reported 17.1M, so the claims report must flag it.
NETWORKS = [
    ("lmfn", 1_247_707, 1_223_804, 4.493),
    ("hinet", 88_668_806, 88_668_806, 170.0),
    ("nafnet_gopro_width32", 20_000_000, 20_000_000, 16.11),
    ("mimo_unet", 6_807_129, 6_807_129, 68.4),
]
SIZES = [(256, 256), (720, 1280)]


def complexity_result(
    model: str, size: tuple[int, int], params: int, used: int, gmacs256: float
) -> ComplexityRecord:
    """What :func:`deblurbench.bench.complexity.complexity` returns, with fabricated numbers."""
    scale = size[0] * size[1] / (256 * 256)
    macs = int(gmacs256 * 1e9 * scale)
    real = size[0] * size[1] <= 512 * 512
    return ComplexityRecord.from_dict(
        {
            "model": model,
            "size": list(size),
            "input_size": list(size),
            "params": {"declared": params, "trainable": params, "used": used},
            "unused_modules": [],
            "macs": {
                "fvcore": macs if real else None,
                "ptflops_pytorch": int(macs * 1.02) if real else None,
                "ptflops_aten": int(macs * 0.98),
                "torch_flop_counter": int(macs * 0.99),
            },
            "raw": {},
            "skipped": {},
            "conventions": {"output_grid": int(macs * 1.08)},
            "meta": {},
            "notes": {} if real else {"fvcore": "not run"},
        }
    )


def latency_result(
    model: str, size: tuple[int, int], median_ms: float, device: str = "cpu", sync: bool = True
) -> LatencyRecord:
    """What :func:`deblurbench.bench.latency.latency` returns, with fabricated timings."""
    cuda = device == "cuda"
    return LatencyRecord.from_dict(
        {
            "model": model,
            "device": device,
            "device_name": "NVIDIA Fabricated GPU" if cuda else "Fabricated CPU",
            "torch_version": "2.9.0",
            "dtype": "float32",
            "autocast": False,
            "batch": 1,
            "size": list(size),
            "input_size": list(size),
            "channels_last": False,
            "compile": False,
            "threads": None if cuda else 2,
            "cudnn_benchmark": True if cuda else None,
            "sync": sync,
            "method": "cuda-events" if (cuda and sync) else "UNSYNCHRONISED" if cuda else "perf_counter",
            "warmup": 3,
            "repeats": 10,
            "median_ms": median_ms,
            "p10_ms": median_ms * 0.95,
            "p90_ms": median_ms * 1.1,
            "mean_ms": median_ms * 1.01,
            "min_ms": median_ms * 0.9,
            "max_ms": median_ms * 1.3,
            "std_ms": median_ms * 0.05,
            "peak_memory_mb": 512.0 if cuda else None,
        }
    )


# (model, weights, dataset, mean PSNR): the reference method 'identity' has no spec
QUALITY = [
    ("lmfn", "lmfn_gopro.pth", "gopro", 31.0),
    ("mimo_unet", "MIMO-UNet.pkl", "gopro", 31.7),
    ("identity", "", "gopro", 25.6),
    ("lmfn", "synthetic", "synthetic", 28.0),
    ("identity", "", "synthetic", 24.8),
    ("wiener", "", "synthetic", 26.7),
]
IMAGES = ["GOPR0384_11_00/000001", "GOPR0384_11_00/000002", "GOPR0385_11_01/003011", "GOPR0410_11_00/000107"]


def quality_rows(model: str, weights: str, dataset: str, mean: float) -> list[QualityRecord]:
    """Per-image quality records; LPIPS missing (NaN) for wiener."""
    rows = []
    for i, image_id in enumerate(IMAGES):
        psnr = mean + (i - 1.5) * 0.4
        rows.append(
            {
                "model": model,
                "weights": weights,
                "dataset": dataset,
                "split": "test",
                "image_id": image_id,
                "protocol": "standard",
                "quantized": True,
                "psnr": psnr,
                "ssim_skimage": 0.80 + psnr / 400,
                "ssim_matlab": 0.79 + psnr / 400,
                "ssim_basicsr": 0.80 + psnr / 400,
                "lpips": float("nan") if model == "wiener" else 0.3 - psnr / 200,
                "lpips_net": "alex",
                "seconds": 0.05,
                "height": 720,
                "width": 1280,
                "device": "cpu",
                "dtype": "float32",
            }
        )
    return [QualityRecord.from_dict(row) for row in rows]


def fabricate(out: Path, images: bool = False) -> Store:
    """A store in ``out`` with every kind of row; ``images`` also writes restored PNGs under out/images."""
    store = Store(out)
    run_id = store.start_run("run", {"fabricated": True})
    for model, params, used, gmacs in NETWORKS:
        for size in SIZES:
            store.put(complexity_result(model, size, params, used, gmacs), run_id)
        for size in SIZES:
            store.put(latency_result(model, size, gmacs * 3 * size[0] * size[1] / 65536), run_id)
    # MIMO-UNet's README: 0.008 s timed without synchronising; 0.130 s with it
    store.put(latency_result("mimo_unet", (720, 1280), 130.0, "cuda", sync=True), run_id)
    store.put(latency_result("mimo_unet", (720, 1280), 8.5, "cuda", sync=False), run_id)
    store.put(latency_result("lmfn", (720, 1280), 20.0, "cuda", sync=True), run_id)
    for model, weights, dataset, mean in QUALITY:
        store.put(quality_rows(model, weights, dataset, mean), run_id)
    store.put_failure("restormer", "complexity 720x1280", "RuntimeError: out of memory\ntraceback", run_id)
    store.finish_run(run_id)
    if images:
        from PIL import Image

        from deblurbench.bench.evaluate import image_folder, image_path, sharp_folder

        rng = np.random.default_rng(0)
        stored = {
            r.model: r.to_dict() for m, w, d, _ in QUALITY if d == "gopro" for r in quality_rows(m, w, d, 0)
        }
        folders = [image_folder(out / "images", stored[m]) for m in ("identity", "lmfn", "mimo_unet")]
        for folder in [*folders, sharp_folder(out / "images", stored["identity"])]:
            target = image_path(folder, IMAGES[0])
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(target)
    return store
