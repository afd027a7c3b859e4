"""One model (a network, a reference method or released outputs) over one dataset -> one row per image.

Each row holds the image id, PSNR, SSIM in every convention, LPIPS (NaN when its
backbone is missing), the forward time (none for released outputs: they are read, not
run) and the settings. Images are decoded in a
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from ..atomic import atomic_path
from ..datasets.paired import Pair, PairedDataset
from ..models.registry import get_spec, list_models
from ..models.restorer import DEVICES, DTYPE_NAMES, canonical_device, canonical_dtype
from ..options import boolean, either, one_of, option, optional, path
from .labels import weights_label
from .latency import DEVICE
from .metrics import LPIPS_NETS, SSIM_CONVENTIONS, check_conventions, quantize
from .protocols import PROTOCOLS, ScoreContext
from .records import QualityRecord
from .references import get_reference, is_reference
from .released import ReleasedOutputs

if TYPE_CHECKING:
    import pandas as pd

AUTO = "auto"  # the protocol the dataset's spec names
LPIPS_OFF = "off"  # --lpips off: no LPIPS


def protocol_choices() -> tuple[str, ...]:
    """What ``protocol=`` accepts: ``auto`` (the dataset's own) or a protocol of :data:`PROTOCOLS`."""
    return (AUTO, *PROTOCOLS.names())


def _protocol(value: Any) -> str:
    if value not in protocol_choices():
        raise ValueError(f"unknown protocol {value!r}: use one of {', '.join(protocol_choices())}")
    return value


def protocol_for(dataset: PairedDataset, protocol: str = AUTO) -> str:
    """The scoring protocol to use: ``protocol`` itself, or (``auto``) the one the dataset's spec names."""
    if _protocol(protocol) != AUTO:
        return protocol
    from ..datasets import DATASETS

    return DATASETS.get(dataset.name).protocol if dataset.name in DATASETS else "standard"


def _conventions(value: Any) -> tuple[str, ...]:
    check_conventions(value)
    return tuple(value)


def _lpips_net(value: Any) -> str | None:
    if value in (None, LPIPS_OFF):
        return None
    return one_of(LPIPS_NETS)(value)


@dataclass(frozen=True)
class EvalSettings:
    """What a quality row depends on besides the model and the image.

    Each field is an option (:mod:`deblurbench.options`): ``deblurbench evaluate``'s
    ``--device``, ``--dtype``, ``--protocol``, ``--no-quantize`` and ``--lpips`` and the run
    configuration's ``quality_device`` are derived from these declarations.
    """

    protocol: str = option(
        AUTO,
        _protocol,
        "auto (the dataset's own) or a scoring protocol",
        help="auto (the dataset's own), standard, realblur or kohler",
        flag="--protocol",
    )
    quantized: bool = option(
        True,
        boolean,
        "true or false",
        help="score the float output, not its 8-bit image",
        flag="--no-quantize",
    )
    conventions: tuple[str, ...] = option(SSIM_CONVENTIONS, _conventions, "SSIM conventions")
    lpips_net: str | None = option(
        LPIPS_NETS[0],
        _lpips_net,
        either((*LPIPS_NETS, LPIPS_OFF)),
        help="LPIPS backbone",
        flag="--lpips",
        choices=(*LPIPS_NETS, LPIPS_OFF),
    )
    device: str = option(
        "cpu",
        canonical_device,
        DEVICE,
        help=f"{DEVICES} (under torchrun: each rank its local GPU)",
        flag="--device",
    )
    dtype: str = option(
        "float32", canonical_dtype, either(DTYPE_NAMES), help=either(DTYPE_NAMES), flag="--dtype"
    )
    save_dir: Path | None = option(None, optional(path), "a directory path")

    def resolved(self, dataset: PairedDataset) -> EvalSettings:
        """Checked, with the protocol chosen, the device and dtype in canonical form."""
        return replace(
            self,
            protocol=protocol_for(dataset, self.protocol),
            conventions=_conventions(self.conventions),
            device=canonical_device(self.device),
            dtype=canonical_dtype(self.dtype),
            save_dir=Path(self.save_dir) if self.save_dir is not None else None,
        )


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


Restore = Callable[[torch.Tensor, Pair], torch.Tensor]
Method = str | nn.Module | ReleasedOutputs  # a network (name or module), a reference method, released outputs


def method_name(method: Method) -> str:
    """The model field of a method's rows: a network's or reference method's name, or ``released:NAME``."""
    if isinstance(method, ReleasedOutputs):
        return method.method
    return method if isinstance(method, str) else getattr(method, "deblurbench_name", "")


def _model_runner(
    model_or_name: Method, weights: str | Path | None, device: torch.device, dtype: str
) -> tuple[str, Restore]:
    """(name, restore(blur (1, 3, H, W) on ``device``, pair) -> restored) for any :data:`Method`."""
    if isinstance(model_or_name, ReleasedOutputs):
        if weights is not None:
            raise ValueError(f"{model_or_name.method} are released outputs: they take no --weights")
        return model_or_name.method, lambda blur, pair: model_or_name.read(pair)[None].to(blur.device)
    if is_reference(model_or_name):
        if weights is not None:
            raise ValueError(f"{model_or_name} is a reference method: it takes no --weights")
        method = get_reference(model_or_name).method
        return model_or_name, lambda blur, pair: method(blur, [pair.meta])
    from ..models import Restorer

    restorer = Restorer(model_or_name, weights=weights, device=device, dtype=dtype)
    return restorer.name, lambda blur, pair: restorer(blur)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


SHARP = "sharp"  # the folder of the ground-truth images beside each method's


# What changes a saved image: a quality row's key but the image, the protocol and 8-bit scoring (both
# change how an image is scored, not the image itself)
IMAGE_KEYS = ("model", "dataset", "split", "weights", "variant", "device", "dtype")
GROUND_TRUTH_KEYS = ("dataset", "split", "variant")  # what changes a ground-truth image


def image_folder(images_dir: Path, group: Mapping[str, Any]) -> Path:
    """Where the restored images of one evaluation are kept: one folder per value of :data:`IMAGE_KEYS`
    in ``group`` (a :func:`quality_group`, or a stored quality row), so that a comparison strip shows
    exactly the row it is labelled with (two weights, two variants or two splits never share a file).
    """
    return Path(images_dir).joinpath(*(path_segment(key, group.get(key)) for key in IMAGE_KEYS))


def sharp_folder(images_dir: Path, group: Mapping[str, Any]) -> Path:
    """Where the ground-truth images of a dataset variant's split are kept (``group``: any row of it)."""
    return image_folder(images_dir, {"model": SHARP, **{k: group.get(k) for k in GROUND_TRUTH_KEYS}})


def ground_truth_group(dataset: PairedDataset) -> dict[str, str]:
    """The :data:`GROUND_TRUTH_KEYS` of ``dataset``, as its quality rows hold them."""
    info = dataset.info
    return {
        "dataset": dataset.name,
        "variant": str(info.get("variant", "")),
        "split": str(info.get("split", "")),
    }


def path_segment(key: str, value: Any) -> str:
    """One path segment for a key value: '-' for none, a digest for a variant (folder paths), else the
    value with path separators replaced."""
    text = "" if value is None else str(value)
    if not text:
        return "-"
    if key == "variant":
        return hashlib.sha256(text.encode()).hexdigest()[:12]
    text = text.replace("/", "_").replace("\\", "_")
    return "_" + text if text in (".", "..") else text


def image_path(save_dir: Path, image_id: str) -> Path:
    """Where :func:`save_image` keeps an image: ``<save_dir>/<image id>.png``, never outside ``save_dir``."""
    relative = Path(*[part for part in Path(image_id).parts if part not in ("..", "/", "\\")])
    return (Path(save_dir) / relative).with_suffix(".png")


def save_image(image: torch.Tensor, save_dir: Path, image_id: str) -> Path:
    """Write ``image`` ((1, 3, H, W) or (3, H, W) in [0, 1]) as ``<save_dir>/<image id>.png``, 8-bit."""
    from PIL import Image

    image = image[0] if image.dim() == 4 else image
    target = image_path(save_dir, image_id)
    array = (quantize(image).clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    with atomic_path(target) as partial:  # a kill leaves no truncated PNG for a resumed run to skip
        # lossless at any level; level 1 writes ~3x faster than PIL's default 6 for ~10% more bytes
        Image.fromarray(np.ascontiguousarray(array)).save(partial, format="PNG", compress_level=1)
    return target


def method_fields(method: Method, weights: str | Path | None) -> tuple[str, str]:
    """The model and weights key fields of a method's rows: its name and its weights' label
    (released outputs: their folder's label; a network named without weights: ``random init``)."""
    name = method_name(method)
    if isinstance(method, ReleasedOutputs):
        return name, method.label
    if weights is None and not isinstance(method, str):
        return name, ""  # a module given as it is: its weights are its own
    return name, weights_label(weights, name or None)


def quality_group(
    model: Method, weights: str | Path | None, dataset: PairedDataset, settings: EvalSettings
) -> dict[str, Any]:
    """What the quality rows of one evaluation share: every key field of a quality record but the image
    (``settings`` resolved for ``dataset``: protocol, 8-bit or not, device, dtype)."""
    name, label = method_fields(model, weights)
    values = {
        "model": name,
        "weights": label,
        "dataset": dataset.name,
        "split": str(dataset.info.get("split", "")),
        "protocol": settings.protocol,
        "quantized": settings.quantized,
        "variant": str(dataset.info.get("variant", "")),
        "device": torch.device(settings.device).type,  # cuda, not cuda:1: torchrun ranks share their rows
        "dtype": settings.dtype,
    }
    return {key: values[key] for key in QualityRecord.group_names()}  # the record says which


class _Evaluation:
    """One model over one dataset: which images are still to do, and each image restored and scored."""

    def __init__(
        self,
        model_or_name: Method,
        dataset: PairedDataset,
        weights: str | Path | None,
        settings: EvalSettings,
        store: Any,
        run_id: int | None,
    ) -> None:
        self.model_or_name, self.dataset, self.weights = model_or_name, dataset, weights
        self.settings, self.store, self.run_id = settings, store, run_id
        self.name = method_name(model_or_name)
        self.group = quality_group(model_or_name, weights, dataset, settings)
        self.timed = not isinstance(model_or_name, ReleasedOutputs)  # nothing runs for released outputs
        self.rows: list[dict[str, Any]] = []
        self.failures: list[tuple[str, str]] = []

    def pending(self, indices: Sequence[int] | None) -> list[int]:
        """The positions to score: ``indices`` (default all) less the images already stored."""
        wanted = list(range(len(self.dataset))) if indices is None else list(indices)
        if self.store is None:
            return wanted
        done = self.store.quality_done({**self.group, "model": self.name})
        ids = self.dataset.ids
        return [i for i in wanted if ids[i] not in done]

    def fail(self, image_id: str, reason: str, detail: str = "") -> None:
        """Record one image's failure (stderr, the store, ``failures``); the evaluation goes on."""
        self.failures.append((image_id, reason))
        print(
            f"deblurbench: {self.name} on {self.dataset.name} {image_id} failed ({reason}); recorded, going on",
            file=sys.stderr,
        )
        if self.store is not None:
            task = f"quality {self.group['dataset']}/{self.group['split']} {image_id}"
            self.store.put_failure(self.name, task, f"{reason}\n{detail}".rstrip(), self.run_id)

    def score(self, restore: Restore, index: int, pair: Pair) -> QualityRecord:
        """Restore one pair, time the forward, score it under the protocol (and save it if asked).

        Released outputs are read, not restored: their rows have no time.
        """
        if torch.equal(pair.blur, pair.sharp):
            raise ValueError(
                "blur and sharp images are identical: not a blur/sharp pair (its PSNR would be inf); "
                "check the dataset's files"
            )
        dev = torch.device(self.settings.device)
        blur = pair.blur[None].to(dev)
        _sync(dev)
        started = time.perf_counter()
        pred = restore(blur, pair)
        _sync(dev)
        seconds = time.perf_counter() - started
        if not torch.isfinite(pred).all():
            raise FloatingPointError("the output holds NaN or Inf values")
        pred = pred.to(torch.float32).clamp(0.0, 1.0)
        s = self.settings
        ctx = ScoreContext(pair, self.dataset, index, s.quantized, s.conventions, s.lpips_net, dev)
        scores = PROTOCOLS.get(s.protocol).score(pred, ctx)
        if s.save_dir is not None:
            save_image(pred, s.save_dir, pair.id)
        height, width = pair.blur.shape[-2:]
        return QualityRecord(
            **{**self.group, "model": self.name},
            image_id=pair.id,
            **scores,
            seconds=seconds if self.timed else None,
            height=int(height),
            width=int(width),
        )

    def run(self, wanted: list[int], workers: int | None, progress: bool | None) -> None:
        """Score every image at ``wanted``, each row stored as soon as it is scored."""
        dev = torch.device(self.settings.device)
        self.name, restore = _model_runner(self.model_or_name, self.weights, dev, self.settings.dtype)
        loader = _prefetched(self.dataset, wanted, default_workers(dev) if workers is None else workers)
        ids = self.dataset.ids
        for index, pair, error in _progress(
            loader, len(wanted), f"{self.name} on {self.dataset.name}", progress
        ):
            if error is not None:
                self.fail(ids[index], error)
                continue
            try:
                record = self.score(restore, index, pair)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                if isinstance(exc, torch.cuda.OutOfMemoryError):
                    torch.cuda.empty_cache()
                self.fail(ids[index], _first_line(exc), traceback.format_exc(limit=3))
                continue
            if self.store is not None:
                self.store.put(record, self.run_id)
            self.rows.append(record.to_dict())


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _progress(items: Iterator[Any], total: int, label: str, show: bool | None) -> Iterator[Any]:
    """``items`` behind a tqdm bar on stderr (shown on a terminal unless ``show`` says otherwise)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if show is None else show
    bar = tqdm(items, total=total, disable=not show, unit="img", file=sys.stderr, dynamic_ncols=True)
    bar.set_description(label)
    return iter(bar)


def evaluate(
    model_or_name: Method,
    dataset: PairedDataset,
    weights: str | Path | None = None,
    *,
    store: Any = None,
    run_id: int | None = None,
    indices: Sequence[int] | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    weights_dir: str | Path | None = None,
    settings: EvalSettings | None = None,
    save_root: str | Path | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Restore and score every image of ``dataset`` (or those at ``indices``): one row per image.

    ``model_or_name``: a network (name or module), a reference method, or
    :class:`~deblurbench.bench.released.ReleasedOutputs` (their images are read, not restored).

    ``settings`` (an :class:`EvalSettings`) or ``options`` (its fields: device, dtype, protocol,
    quantized, conventions, lpips_net, save_dir; they override ``settings``) say how to score. ``store`` (a :class:`~deblurbench.bench.store.Store`)
    receives every row as it is scored and makes the call resumable; failures are recorded
    there and listed in ``df.attrs["failures"]`` as ``(image_id, reason)``. ``save_dir``
    keeps the restored 8-bit PNGs (``<save_dir>/<image id>.png``). ``workers``: background
    decoding threads (0: inline; None: :func:`default_workers`). ``weights_dir``: without
    ``weights``, the network's official checkpoint found there (hash-checked) is used.
    ``save_root``: keep the restored PNGs under :func:`image_folder` of the rows' key instead.
    """
    if (
        weights is None
        and weights_dir is not None
        and isinstance(model_or_name, str)
        and model_or_name in list_models()
    ):
        weights = official_checkpoint(model_or_name, weights_dir, dataset.name)
    resolved = replace(settings or EvalSettings(), **options).resolved(dataset)
    if save_root is not None:
        group = quality_group(model_or_name, weights, dataset, resolved)
        resolved = replace(resolved, save_dir=image_folder(Path(save_root), group))
    job = _Evaluation(model_or_name, dataset, weights, resolved, store, run_id)
    wanted = job.pending(indices)
    if wanted:  # all stored already: no need to build the network or load its weights
        job.run(wanted, workers, progress)
    return _frame(job.rows, job.failures)


def official_checkpoint(model: str, weights_dir: str | Path, dataset: str) -> Path:
    """The official checkpoint of ``model`` in ``weights_dir``, or a one-line error naming what is expected."""
    from ..models.official import official_weights

    found = official_weights(model, weights_dir, dataset)
    if found is None:
        names = ", ".join(c.name for c in get_spec(model).checkpoints) or "none: its authors release none"
        raise FileNotFoundError(
            f"--weights-dir {weights_dir}: no official checkpoint of {model} (expected {names})"
        )
    return found


def _frame(rows: list[dict[str, Any]], failures: list[tuple[str, str]]) -> pd.DataFrame:
    """The per-image rows, with the ``(image_id, reason)`` failures in ``attrs["failures"]``.

    Real-valued columns are floats (a missing metric is NaN), as the record declares them.
    """
    import pandas as pd  # here, not at the top: the parser (config.py reads EvalSettings) and ``train`` need none

    frame = pd.DataFrame(rows)
    real = {c.name: float for c in QualityRecord.columns() if c.sql == "REAL" and c.name in frame}
    frame = frame.astype(real)
    frame.attrs["failures"] = failures
    return frame
