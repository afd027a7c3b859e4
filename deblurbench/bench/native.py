"""The compiled CPU kernel behind SSIM: built once per machine with its C compiler, used through ctypes.

Why hand-written: SSIM on CPU is memory-bound in eager PyTorch (about a dozen
elementwise passes over float64 maps per pixel, which eager mode cannot fuse), and
torch.compile's CPU code for the horizontal filter was slower than the banded matrix
products it would replace. One C loop that filters, mixes and sums a row while it is
in cache is several times faster and gives the same numbers to ~1e-13.

The source (``_ssim_native.c``) is compiled with ``$CC`` (default ``cc``) into
``$DEBLURBENCH_CACHE/native`` (default ``~/.cache/deblurbench/native``), keyed by a
hash of the source, compiler and flags, so it is built once per machine. Where no
compiler works, or ``DEBLURBENCH_NATIVE=0`` is set, ``available()`` is False and the
metrics use their torch code (also the CUDA path) instead; one line on stderr says why.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from ..threads import shared_pool

SOURCE = Path(__file__).with_name("_ssim_native.c")
_FLAGS = ("-O3", "-shared", "-fPIC", "-std=c99", "-ffp-contract=fast")
_TUNE = ("-march=native",)  # dropped, with a second try, by compilers that do not know it
_MIN_BAND_ROWS = 32  # output rows per task: above this the 10 halo rows cost little
_RING_BYTES = 1 << 19  # per task: the ring of 11 filtered rows (4 maps x channels) stays in L2
_MAPS, _TAPS = 4, 11  # as MAPS and TAPS in the C source: x, y, x^2 + y^2, xy; the Gaussian's taps

_c_long, _c_double, _c_int, _c_void = ctypes.c_long, ctypes.c_double, ctypes.c_int, ctypes.c_void_p


def _cache_dir() -> Path:
    root = os.environ.get("DEBLURBENCH_CACHE") or Path.home() / ".cache" / "deblurbench"
    return Path(root) / "native"


def _compiler() -> str:
    return os.environ.get("CC", "cc")


def _cpu_id() -> str:
    """What ``-march=native`` depends on: the CPU's feature flags (Linux), else the platform's word."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor()


def _build(target: Path) -> None:
    """Compile ``SOURCE`` into ``target`` atomically (concurrent builders cannot clash)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / target.name
        for tune in (_TUNE, ()):
            cmd = [_compiler(), *tune, *_FLAGS, str(SOURCE), "-o", str(out)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if proc.returncode == 0:
                os.replace(out, target)
                return
        first = (proc.stderr.strip().splitlines() or ["no output"])[0]
        raise RuntimeError(f"{_compiler()} could not build {SOURCE.name}: {first}")


@functools.cache
def _library() -> ctypes.CDLL | None:
    """The loaded kernel, building it first if needed; None (with one line on stderr) if impossible."""
    if os.environ.get("DEBLURBENCH_NATIVE", "1") == "0":
        return None
    try:
        version = subprocess.run([_compiler(), "--version"], capture_output=True, text=True, timeout=30)
        recipe = " ".join((*_TUNE, *_FLAGS, version.stdout, platform.machine(), _cpu_id()))
        key = hashlib.sha256(SOURCE.read_bytes() + recipe.encode()).hexdigest()[:16]
        target = _cache_dir() / f"ssim_{key}.so"
        if not target.exists():
            _build(target)
        lib = ctypes.CDLL(str(target))
    except (OSError, RuntimeError, subprocess.SubprocessError) as err:
        print(
            f"deblurbench: compiled SSIM kernel unavailable ({err}); using the slower torch code "
            "(install a C compiler, or set CC, to speed SSIM up on CPU)",
            file=sys.stderr,
        )
        return None
    lib.dbb_ssim_work_size.restype = _c_long
    lib.dbb_ssim_work_size.argtypes = [_c_long, _c_long]
    lib.dbb_ssim_block.restype = None
    lib.dbb_ssim_block.argtypes = [
        _c_void, _c_void, _c_int, _c_long, _c_long, _c_long, _c_long, _c_void, _c_void,
        _c_double, _c_double, _c_double, _c_long, _c_long, _c_long, _c_long,
        _c_void, _c_void, _c_void, _c_void,
    ]  # fmt: skip
    lib.dbb_sse.restype = None
    lib.dbb_sse.argtypes = [_c_void, _c_void, _c_int, _c_long, _c_double, _c_void, _c_void]
    return lib


def available() -> bool:
    """Whether the compiled kernel can be used (built and loaded, not disabled)."""
    return _library() is not None


def _loaded() -> ctypes.CDLL:
    lib = _library()
    if lib is None:
        raise RuntimeError("the compiled SSIM kernel is not available: check native.available() first")
    return lib


def _spans(length: int, parts: int) -> list[tuple[int, int]]:
    step = -(-length // max(1, parts))
    return [(start, min(start + step, length)) for start in range(0, length, step)]


def _blocks(
    out_h: int, out_w: int, channels: int, images: int, workers: int
) -> list[tuple[int, int, int, int]]:
    """(r0, r1, j0, j1) output blocks per image: columns narrow enough for the ring to stay
    in cache, rows split until every worker has about two tasks (none under 32 rows)."""
    ring_bytes = out_w * channels * _MAPS * _TAPS * 8  # float64
    col_parts = -(-ring_bytes // _RING_BYTES)
    cols = _spans(out_w, col_parts)
    wanted_rows = -(-2 * workers // (images * len(cols)))
    rows = _spans(out_h, max(1, min(wanted_rows, out_h // _MIN_BAND_ROWS)))
    return [(r0, r1, j0, j1) for r0, r1 in rows for j0, j1 in cols]


def _run(tasks: int, run: Callable[[int], None]) -> None:
    """``run(0) .. run(tasks - 1)``, in parallel threads when torch may use several."""
    workers = max(1, torch.get_num_threads())
    if workers == 1 or tasks == 1:
        for task in range(tasks):
            run(task)
    else:
        list(shared_pool("ssim", workers).map(run, range(tasks)))


def _as_kernel_input(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32  # half types widen exactly
    return x.to(dtype).contiguous(), y.to(dtype).contiguous()


def ssim_sums(
    x: Tensor,
    y: Tensor,
    taps: Tensor,
    data_range: float,
    pad: int,
    mix: Tensor | None,
    interior: bool,
) -> tuple[Tensor, Tensor | None, tuple[int, int]]:
    """Per (image, channel) sums of the SSIM map, as ``metrics._ssim_sums_torch`` returns them,
    and the counts of ``x`` and ``y`` values outside [0, data_range] or NaN (checked on the way).

    ``x``, ``y``: (N, C, H, W) float on the CPU; ``taps``: the 11 Gaussian weights;
    ``pad``, ``mix``, ``interior``: as in ``_ssim_sums_torch``.
    """
    lib = _loaded()
    x, y = _as_kernel_input(x, y)
    n_img, channels, height, width = x.shape
    out_h = height + 2 * pad - (taps.numel() - 1)
    out_w = width + 2 * pad - (taps.numel() - 1)
    blocks = _blocks(out_h, out_w, channels, n_img, max(1, torch.get_num_threads()))
    tasks = [(i, *block) for i in range(n_img) for block in blocks]
    sums = torch.zeros(len(tasks), channels, dtype=torch.float64)
    inner = torch.zeros(len(tasks), channels, dtype=torch.float64) if interior and pad > 0 else None
    bad = torch.zeros(len(tasks), 2, dtype=torch.int64)
    _run(len(tasks), _ssim_block_runner(lib, x, y, taps, data_range, pad, mix, tasks, (sums, inner, bad)))
    per_image = sums.view(n_img, len(blocks), channels).sum(dim=1)
    inner_sums = None if inner is None else inner.view(n_img, len(blocks), channels).sum(dim=1)
    return per_image, inner_sums, _bad_counts(bad)


def _ssim_block_runner(
    lib: ctypes.CDLL,
    x: Tensor,
    y: Tensor,
    taps: Tensor,
    data_range: float,
    pad: int,
    mix: Tensor | None,
    tasks: list[tuple[int, int, int, int, int]],
    outputs: tuple[Tensor, Tensor | None, Tensor],
) -> Callable[[int], None]:
    """``run(task)``: the kernel on block ``tasks[task]`` (image, r0, r1, j0, j1), into row ``task`` of
    each of ``outputs`` (sums, interior sums or None, bad-value counts); with its own work buffer."""
    sums, inner, bad = outputs
    channels, height, width = x.shape[1:]
    taps = taps.to(device="cpu", dtype=torch.float64).contiguous()
    mix_t = None if mix is None else mix.to(device="cpu", dtype=torch.float64).contiguous()
    work_size = lib.dbb_ssim_work_size(channels, max(j1 - j0 for *_, j0, j1 in tasks))
    image_bytes = channels * height * width * x.element_size()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def run(task: int) -> None:
        i, r0, r1, j0, j1 = tasks[task]
        work = torch.empty(work_size, dtype=torch.float64)
        lib.dbb_ssim_block(
            x.data_ptr() + i * image_bytes,
            y.data_ptr() + i * image_bytes,
            int(x.dtype == torch.float64),
            channels, height, width, pad,
            None if mix_t is None else mix_t.data_ptr(),
            taps.data_ptr(), c1, c2, float(data_range), r0, r1, j0, j1,
            sums[task].data_ptr(),
            None if inner is None else inner[task].data_ptr(),
            bad[task].data_ptr(),
            work.data_ptr(),
        )  # fmt: skip

    return run


def _bad_counts(bad: Tensor) -> tuple[int, int]:
    """Total (x, y) counts of bad values from the per-task counts (T, 2)."""
    bad_x, bad_y = (int(v) for v in bad.sum(dim=0))
    return bad_x, bad_y


def sse(x: Tensor, y: Tensor, data_range: float) -> tuple[Tensor, tuple[int, int]]:
    """Per-image sum of squared differences (float64, shape (N,)) of (N, ...) float tensors on
    the CPU, and the counts of ``x`` and ``y`` values outside [0, data_range] or NaN."""
    lib = _loaded()
    x, y = _as_kernel_input(x, y)
    n_img, per_image = x.shape[0], x[0].numel()
    parts = _spans(per_image, -(-max(1, torch.get_num_threads()) * 2 // n_img) if per_image >= 1 << 16 else 1)
    tasks = [(i, a, b) for i in range(n_img) for a, b in parts]
    sums = torch.zeros(len(tasks), dtype=torch.float64)
    bad = torch.zeros(len(tasks), 2, dtype=torch.int64)
    size = x.element_size()

    def run(task: int) -> None:
        i, a, b = tasks[task]
        offset = (i * per_image + a) * size
        lib.dbb_sse(
            x.data_ptr() + offset, y.data_ptr() + offset, int(x.dtype == torch.float64), b - a,
            float(data_range), sums[task].data_ptr(), bad[task].data_ptr(),
        )  # fmt: skip

    _run(len(tasks), run)
    return sums.view(n_img, len(parts)).sum(dim=1), _bad_counts(bad)
