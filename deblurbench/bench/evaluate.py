"""One model (a network or a reference method) over one dataset -> one row per image.

Each row holds the image id, PSNR, SSIM in every convention, LPIPS (NaN when its
backbone is missing), the forward time and the settings. Images are decoded in a
background thread where that can overlap the model (CUDA, or a core the model leaves
free) and inline otherwise; the metrics run on the model's device. With a ``store``,
every image's row is written as soon as it is scored (a killed run loses at most the
image in flight) and images already in the store are skipped; an image that fails
(unreadable file, NaN output, out of memory) becomes a failure row with its reason and
the evaluation goes on.

The protocol follows the dataset: RealBlur pairs are scored after the RealBlur ECC
alignment, Köhler shots against their best-matching recorded frame, the rest directly.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..datasets.paired import Pair, PairedDataset
from ..models.registry import get_spec, list_models, resolve_weights
from .metrics import SSIM_CONVENTIONS, check_conventions, lpips, psnr, quantize, ssim_conventions
from .references import get_reference, is_reference

PROTOCOLS = ("auto", "standard", "realblur", "kohler")
_PROTOCOL_OF_DATASET = {"realblur_j": "realblur", "realblur_r": "realblur", "kohler": "kohler"}


@dataclass(frozen=True)
class EvalSettings:
    """What a quality row depends on besides the model and the image."""

    protocol: str = "auto"
    quantized: bool = True
    conventions: tuple[str, ...] = SSIM_CONVENTIONS
    lpips_net: str | None = "alex"
    device: str = "cpu"
    dtype: str = "float32"
    save_dir: Path | None = None


def protocol_for(dataset: PairedDataset, protocol: str = "auto") -> str:
    """The scoring protocol of a dataset: ``realblur``, ``kohler`` or ``standard``."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
    if protocol != "auto":
        return protocol
    return _PROTOCOL_OF_DATASET.get(dataset.name, "standard")


def weights_label(weights: str | Path | None, model: str | None = None) -> str:
    """How weights are named in the store: '' for none, ``file@sha256[:12]``, or ``tag@sha256[:12]``.

    A shipped tag of a registered ``model`` is qualified by its file's hash too, so that
    rows scored with one release's weights are never taken for another's; a tag
    without ``model`` (or not one of its tags) stays as given.
    """
    if weights is None:
        return ""
    path = Path(weights)
    if path.exists():
        name = f"{path.name}/" if path.is_dir() else path.name
        return f"{name}@{_content_digest(path)}"
    if model in list_models():  # networks only: reference methods ship no weights
        spec = get_spec(model)
        if str(weights) in spec.weights:
            return f"{weights}@{_content_digest(resolve_weights(model, str(weights)))}"
    return str(weights)


def _content_digest(path: Path) -> str:
    """sha256[:12] of a checkpoint file, or of a per-module checkpoint directory's files and names."""
    if path.is_dir():  # per-module checkpoint directories (DMPHN)
        digest = hashlib.sha256()
        for child in sorted(path.iterdir()):
            if child.is_file():
                digest.update(child.name.encode())
                digest.update(child.read_bytes())
        return digest.hexdigest()[:12]
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:12]


def _load_guarded(dataset: PairedDataset, index: int) -> tuple[int, Pair | None, str | None]:
    """``(index, pair, None)``, or ``(index, None, error)`` for an image that cannot be read."""
    try:
        return index, dataset[index], None
    except Exception as exc:
        return index, None, f"{type(exc).__name__}: {exc}".splitlines()[0]


def default_workers(device: torch.device) -> int:
    """Background decoding threads worth having: 1 on CUDA or with a core the model leaves free, else 0.

    On CPU the model's intra-op threads use every core by default; a decoder beside
    them only takes turns with the forward (and the GIL), which measured slower than
    decoding inline (benchmarks/evaluation_overhead.py).
    """
    if device.type != "cpu":
        return 1
    return 1 if torch.get_num_threads() < (os.cpu_count() or 1) else 0


def _prefetched(
    dataset: PairedDataset, indices: Sequence[int], workers: int
) -> Iterator[tuple[int, Pair | None, str | None]]:
    """The pairs at ``indices`` in order, read ahead by ``workers`` background threads (0: inline).

    Threads, not processes: decoding (PIL, numpy) releases the GIL, and a forked
    worker would make every page the model writes afterwards a copy-on-write fault
    (on CPU that cost more than the decoding it hid). At most ``2 * workers`` pairs
    are held ahead of the model.
    """
    if workers <= 0:
        for index in indices:
            yield _load_guarded(dataset, index)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deblurbench-load")
    ahead: deque[Future] = deque()
    pending = iter(indices)
    try:
        for index in itertools.islice(pending, 2 * workers):
            ahead.append(pool.submit(_load_guarded, dataset, index))
        while ahead:
            item = ahead.popleft().result()
            for index in itertools.islice(pending, 1):
                ahead.append(pool.submit(_load_guarded, dataset, index))
            yield item
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _model_runner(
    model_or_name: str | nn.Module, weights: str | Path | None, device: torch.device, dtype: str
) -> tuple[str, Callable[[torch.Tensor, dict[str, Any]], torch.Tensor]]:
    """(name, restore(blur (1, 3, H, W), meta) -> restored) for a network or a reference method."""
    if is_reference(model_or_name):
        if weights is not None:
            raise ValueError(f"{model_or_name} is a reference method: it takes no --weights")
        method = get_reference(model_or_name).method
        return model_or_name, lambda blur, meta: method(blur, [meta])
    from ..models import Restorer

    restorer = Restorer(model_or_name, weights=weights, device=device, dtype=dtype)
    return restorer.name, lambda blur, meta: restorer(blur)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _score_standard(pred: torch.Tensor, sharp: torch.Tensor, settings: EvalSettings) -> dict[str, Any]:
    if settings.quantized:
        pred, sharp = quantize(pred), quantize(sharp)
    row: dict[str, Any] = {"psnr": float(psnr(pred, sharp)[0])}
    # one filtering pass for matlab and skimage; basicsr (no crop, RGB) is skimage's number
    for convention, value in ssim_conventions(pred, sharp, settings.conventions).items():
        row[f"ssim_{convention}"] = float(value[0])
    return {**row, **_lpips_entry(pred, sharp, settings)}


def _lpips_entry(pred: torch.Tensor, sharp: torch.Tensor, settings: EvalSettings) -> dict[str, Any]:
    """LPIPS of 8-bit-or-float images as the settings ask, or nothing when LPIPS is off."""
    if settings.lpips_net is None:
        return {}
    return {"lpips": float(lpips(pred, sharp, settings.lpips_net)[0]), "lpips_net": settings.lpips_net}


def _score(
    pred: torch.Tensor,
    pair: Pair,
    index: int,
    dataset: PairedDataset,
    protocol: str,
    settings: EvalSettings,
    device: torch.device,
) -> dict[str, Any]:
    """The metrics of one restored image under the dataset's protocol."""
    if protocol == "standard":
        return _score_standard(pred, pair.sharp[None].to(device), settings)
    from .align import kohler_psnr, realblur_psnr_ssim

    out8 = quantize(pred[0]).cpu()  # both official scripts read the saved 8-bit PNG
    if protocol == "realblur":
        value_psnr, value_ssim = realblur_psnr_ssim(out8, pair.sharp)
        sharp = quantize(pair.sharp[None].to(device))
        return {
            "psnr": value_psnr,
            "ssim_skimage": value_ssim,
            **_lpips_entry(quantize(pred), sharp, settings),
        }
    if not hasattr(dataset, "frames"):
        raise ValueError(
            f"the kohler protocol needs a dataset with recorded sharp frames, not {dataset.name}"
        )
    frames = [frame for _, frame in dataset.frames(index)]
    value, best = kohler_psnr(out8, frames)
    return {"psnr": value, "best_frame": best}


def image_path(save_dir: Path, image_id: str) -> Path:
    """Where :func:`save_image` keeps an image: ``<save_dir>/<image id>.png``, never outside ``save_dir``."""
    relative = Path(*[part for part in Path(image_id).parts if part not in ("..", "/", "\\")])
    return (Path(save_dir) / relative).with_suffix(".png")


def save_image(image: torch.Tensor, save_dir: Path, image_id: str) -> Path:
    """Write ``image`` ((1, 3, H, W) or (3, H, W) in [0, 1]) as ``<save_dir>/<image id>.png``, 8-bit."""
    from PIL import Image

    image = image[0] if image.dim() == 4 else image
    target = image_path(save_dir, image_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    array = (quantize(image).clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    Image.fromarray(np.ascontiguousarray(array)).save(target)
    return target


def evaluate(
    model_or_name: str | nn.Module,
    dataset: PairedDataset,
    weights: str | Path | None = None,
    *,
    device: str | torch.device = "cpu",
    dtype: str = "float32",
    protocol: str = "auto",
    quantized: bool = True,
    conventions: Sequence[str] = SSIM_CONVENTIONS,
    lpips_net: str | None = "alex",
    save_dir: str | Path | None = None,
    store: Any = None,
    run_id: int | None = None,
    indices: Sequence[int] | None = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Restore and score every image of ``dataset`` (or those at ``indices``): one row per image.

    ``store`` (a :class:`~deblurbench.bench.store.Store`) receives every row as it is
    scored and makes the call resumable; failures are recorded there and listed in
    ``df.attrs["failures"]`` as ``(image_id, reason)``. ``save_dir`` keeps the restored
    8-bit PNGs (``<save_dir>/<image id>.png``). ``workers``: background decoding threads
    (0: inline; None: :func:`default_workers`).
    """
    from ..models.restorer import parse_device, parse_dtype

    check_conventions(conventions)
    dev = parse_device(device)
    dtype_name = str(parse_dtype(dtype)).removeprefix("torch.")
    settings = EvalSettings(
        protocol=protocol_for(dataset, protocol),
        quantized=quantized,
        conventions=tuple(conventions),
        lpips_net=lpips_net,
        device=str(dev),
        dtype=dtype_name,
        save_dir=Path(save_dir) if save_dir is not None else None,
    )
    name = model_or_name if isinstance(model_or_name, str) else getattr(model_or_name, "deblurbench_name", "")
    key = {
        "model": name,
        "weights": weights_label(weights, name or None),
        "dataset": dataset.name,
        "split": str(dataset.info.get("split", "")),
        "protocol": settings.protocol,
        "quantized": quantized,
    }
    wanted = list(range(len(dataset))) if indices is None else list(indices)
    ids = dataset.ids
    if store is not None:
        done = store.quality_done(
            name, key["weights"], key["dataset"], key["split"], key["protocol"], key["quantized"]
        )
        wanted = [i for i in wanted if ids[i] not in done]
    rows: list[dict[str, Any]] = []
    failures: list[tuple[str, str]] = []
    if not wanted:  # all stored already: no need to build the network or load its weights
        return _frame(rows, failures)
    name, restore = _model_runner(model_or_name, weights, dev, dtype_name)
    key["model"] = name

    def fail(image_id: str, reason: str, detail: str = "") -> None:
        failures.append((image_id, reason))
        print(
            f"deblurbench: {name} on {dataset.name} {image_id} failed ({reason}); recorded, going on",
            file=sys.stderr,
        )
        if store is not None:
            task = f"quality {key['dataset']}/{key['split']} {image_id}"
            store.put_failure(name, task, f"{reason}\n{detail}".rstrip(), run_id)

    loader = _prefetched(dataset, wanted, default_workers(dev) if workers is None else workers)
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(loader, total=len(wanted), disable=not show, unit="img", file=sys.stderr, dynamic_ncols=True)
    bar.set_description(f"{name} on {dataset.name}")
    for index, pair, error in bar:
        image_id = ids[index]
        if error is not None:
            fail(image_id, error)
            continue
        try:
            blur = pair.blur[None].to(dev)
            _sync(dev)
            started = time.perf_counter()
            pred = restore(blur, pair.meta)
            _sync(dev)
            seconds = time.perf_counter() - started
            if not torch.isfinite(pred).all():
                raise FloatingPointError("the output holds NaN or Inf values")
            pred = pred.to(torch.float32).clamp(0.0, 1.0)
            row = {
                **key,
                "image_id": image_id,
                **_score(pred, pair, index, dataset, settings.protocol, settings, dev),
            }
            row.update(
                seconds=seconds,
                height=int(pair.blur.shape[-2]),
                width=int(pair.blur.shape[-1]),
                device=settings.device,
                dtype=settings.dtype,
            )
            if settings.save_dir is not None:
                save_image(pred, settings.save_dir, image_id)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            if isinstance(exc, torch.cuda.OutOfMemoryError):
                torch.cuda.empty_cache()
            fail(image_id, f"{type(exc).__name__}: {exc}".splitlines()[0], traceback.format_exc(limit=3))
            continue
        if store is not None:
            store.put_quality([row], run_id)
        rows.append(row)
    return _frame(rows, failures)


def _frame(rows: list[dict[str, Any]], failures: list[tuple[str, str]]) -> pd.DataFrame:
    """The per-image rows, with the ``(image_id, reason)`` failures in ``attrs["failures"]``."""
    frame = pd.DataFrame(rows)
    frame.attrs["failures"] = failures
    return frame
