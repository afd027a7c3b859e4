"""The contract every built-in network keeps, one test per clause, parametrised over the registry.

``db.list_models(plugins=False)`` (the networks of this package, whatever plugins are
installed) is read at collection time, so a newly added network is held to all of this
with no edit here:

* ``Restorer`` takes any size, (N, 3, H, W) or (3, H, W), and gives back that shape,
  float32, finite, in [0, 1]; so do the narrow networks of ``tests/tiny.py`` at 97 x 131,
  built by ``create_model`` with constructor overrides;
* the bare network (through ``spec.interface``, in ``spec.test_mode``) returns every
  size ``spec.accepts`` and refuses every size it rejects: it raises, or (only where
  listed in ``RETURNS_ANOTHER_SIZE``) returns an image of another size, never one of
  the input's size;
* the spec is complete: paper, repository, commit, size rule, reported figures with
  their source, unused modules that exist and are exactly those never called,
  shipped weights inside the package;
* a checkpoint in the network's official format loads back strictly to the same
  state dict and the same output.

Where a spec rejects sizes its network runs (``SPEC_TOO_STRICT``), those cases are
strict xfails: the spec bug stays visible and a fixed spec makes them fail.

Sizes are derived from the spec (its ``multiple`` and ``min_size``) and kept to the
smallest the network accepts. Each network is built once per module (``built``).
Per-network files keep what is specific to one network.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
import torch
from torch import nn

import deblurbench as db
from deblurbench.models import read_checkpoint
from deblurbench.models.dmphn import read_dmphn_checkpoint
from deblurbench.models.registry import resolve_weights
from deblurbench.models.validation import check_fields

from reference import load_manifest, manifest_names, rand
from tiny import TINY

NAMES = db.list_models(plugins=False)

# Over 50M parameters: deep-copying, writing and reading back their checkpoint takes
# seconds (2-3 s each on 2 cores), so their round trip is slow; the loader is shared.
LARGE = frozenset({"hinet", "nafnet_gopro_width64", "nafnet_gopro_width64_tlc", "deblurganv2_inception"})

# Sizes the spec rejects where the bare network returns an image of another size
# instead of raising: LMFN's unpadded first convolution and two stride-2 convolutions
# round H/4, and its x4 upsampling gives back four times that (65 x 64 -> 64 x 64).
# Everywhere else a rejected size must raise.
RETURNS_ANOTHER_SIZE: dict[str, frozenset[tuple[int, int]]] = {
    "lmfn": frozenset({(65, 64), (64, 65), (79, 64), (64, 79)}),
}

# Spec bugs: sizes the spec rejects but the bare network runs, returning the input's
# size. Reported, not fixed here; strict, so a corrected spec turns them into failures
# that ask for the entry to be removed.
SPEC_TOO_STRICT: dict[str, dict[tuple[int, int], str]] = {
    "hinet": dict.fromkeys(
        [(16, 32), (32, 16)],
        "min_size=32 per side, but the deepest half instance norm (H/16 x W/16) only needs "
        "two spatial elements: 16 x 32 runs (16 x 16 does not)",
    ),
    "deblurganv2_mobilenet": dict.fromkeys(
        [(32, 64), (64, 32)],
        "min_size=64 per side, but train-mode BatchNorm on the last stage (H/32 x W/32) only "
        "needs two values per channel: 32 x 64 runs (32 x 32 does not)",
    ),
    "dmphn_1_2_4_8": dict.fromkeys(
        [(16, 24)],
        "multiple=16 for both sides, but W only needs a multiple of 8 (the spec's own sizes "
        "text says so; ModelSpec has one multiple for H and W)",
    ),
}

# Registered variants without a manifest of their own: the manifest of the network they
# vary, made from the same repository at the same commit.
SHARED_MANIFEST = {
    "dmphn_1_2_4_8": "dmphn_1_2_4",
    "nafnet_gopro_width32_tlc": "nafnet_gopro_width32",
    "nafnet_gopro_width64_tlc": "nafnet_gopro_width64",
    "srn_deblurnet_color": "srn_deblurnet",
}
MANIFEST_OF = {
    name: SHARED_MANIFEST.get(name, name)
    for name in NAMES
    if SHARED_MANIFEST.get(name, name) in manifest_names()
}


# ---- sizes from the spec ----


def smallest_side(spec: db.ModelSpec) -> int:
    """The smallest side the spec accepts (the spec says it)."""
    return spec.smallest_side()


def accepted_sizes(spec: db.ModelSpec) -> list[tuple[int, int]]:
    """The smallest accepted square, and one step of the multiple more along each side."""
    g, m = smallest_side(spec), spec.multiple
    return [(g, g), (g, g + m), (g + m, g)]


def rejected_sizes(spec: db.ModelSpec) -> list[tuple[int, int]]:
    """Sizes the spec rejects, one side at a time next to the smallest accepted one.

    Below min_size: the largest multiple under it (square and each side alone).
    Not a multiple: the smallest side plus 1, half the multiple and the multiple - 1.
    """
    g, m = smallest_side(spec), spec.multiple
    sizes: list[tuple[int, int]] = []
    below = (spec.min_size - 1) // m * m
    if below >= 1:
        sizes += [(below, below), (below, g), (g, below)]
    if m > 1:
        for offset in sorted({1, m // 2, m - 1}):
            sizes += [(g + offset, g), (g, g + offset)]
    return list(dict.fromkeys(sizes))


def odd_sizes(spec: db.ModelSpec) -> list[tuple[int, ...]]:
    """Restorer inputs: (3, H, W) one below the multiple, and an odd non-square batch just
    around the smallest side, which pads to a non-square size (g - 1 x g + 1 -> g x g + m).

    Neither is a size the bare network accepts when its multiple is above 1; networks
    that take any size get 3 x 5.
    """
    g, m = smallest_side(spec), spec.multiple
    below = max(m - 1, 1)
    height, width = (g - 1, g + 1) if g > 2 else (3, 5)
    return [(3, below, below), (1, 3, height | 1, width | 1)]


def _id(size: tuple[int, ...]) -> str:
    return "x".join(map(str, size))


def _cases(
    sizes_of: Callable[[db.ModelSpec], list[tuple[int, ...]]],
    extra_marks: Callable[[str, tuple[int, ...]], list[pytest.MarkDecorator]] = lambda name, size: [],
) -> list:
    return [
        pytest.param(name, size, id=f"{name}-{_id(size)}", marks=extra_marks(name, size))
        for name in NAMES
        for size in sizes_of(db.get_spec(name))
    ]


def _spec_too_strict(name: str, size: tuple[int, ...]) -> list[pytest.MarkDecorator]:
    reason = SPEC_TOO_STRICT.get(name, {}).get(size)
    return (
        [pytest.mark.xfail(reason=f"spec bug: {reason}", raises=AssertionError, strict=True)]
        if reason
        else []
    )


# ---- fixtures and helpers ----


@pytest.fixture(scope="module")
def built() -> Iterator[Callable[[str], nn.Module]]:
    """``built(name)``: the registered network with default weights, built once per module.

    Tests may change its mode, never its weights (copy it first).
    """
    cache: dict[str, nn.Module] = {}

    def get(name: str) -> nn.Module:
        if name not in cache:
            torch.manual_seed(0)
            cache[name] = db.create_model(name)
        return cache[name]

    yield get
    cache.clear()


def bare_forward(model: nn.Module, spec: db.ModelSpec, x: torch.Tensor) -> torch.Tensor:
    """The bare network on ``x`` the official way (no padding), in its test mode."""
    model.train(spec.test_mode == "train")
    with torch.no_grad():
        return spec.interface(model, x)


@torch.no_grad()
def perturb(model: nn.Module, seed: int = 1) -> nn.Module:
    """Move every state-dict entry off its default: floats to a x + b with random a in
    [0.9, 1.1] and b in [-0.01, 0.01] per entry, integers + 7.

    Small enough to keep outputs finite (running variances stay positive), and no entry
    keeps a value that a fresh build could also give (zero biases, unit norms, counters).
    """
    g = torch.Generator().manual_seed(seed)
    for tensor in model.state_dict(keep_vars=True).values():
        if tensor.is_floating_point():
            a, b = torch.rand(2, generator=g, dtype=torch.float64).tolist()
            tensor.mul_(0.9 + 0.2 * a).add_(0.02 * b - 0.01)
        elif tensor.dtype != torch.bool:
            tensor.add_(7)
    return model


def write_per_module_files(model: nn.Module, directory: Path) -> Path:
    """DMPHN's official layout: one ``<submodule>.pkl`` state dict per top-level submodule."""
    directory.mkdir()
    for name, child in model.named_children():
        torch.save(child.state_dict(), directory / f"{name}.pkl")
    return directory


# checkpoint_reader (its function, for partials) -> how to write that official format.
CHECKPOINT_WRITERS: dict[Callable, Callable[[nn.Module, Path], Path]] = {
    read_dmphn_checkpoint: write_per_module_files,
}


def write_official_checkpoint(model: nn.Module, spec: db.ModelSpec, where: Path) -> Path:
    """``model``'s weights in the format ``create_model(spec.name, weights=...)`` reads."""
    if spec.checkpoint_reader is None:
        path = where / f"{spec.name}.pth"
        torch.save(model.state_dict(), path)
        return path
    reader = getattr(spec.checkpoint_reader, "func", spec.checkpoint_reader)
    if reader not in CHECKPOINT_WRITERS:
        pytest.fail(
            f"{spec.name}: no writer for its checkpoint_reader {reader!r}; add one to CHECKPOINT_WRITERS"
        )
    return CHECKPOINT_WRITERS[reader](model, where / spec.name)


def uncalled_modules(model: nn.Module, spec: db.ModelSpec, x: torch.Tensor) -> set[str]:
    """Outermost modules of which nothing (the module itself or anything inside) runs on ``x``."""
    called: set[int] = set()
    hooks = [m.register_forward_pre_hook(lambda m, args: called.add(id(m))) for m in model.modules()]
    try:
        bare_forward(model, spec, x)
    finally:
        for hook in hooks:
            hook.remove()
    modules = dict(model.named_modules())
    unused = {n for n, m in modules.items() if n and not any(id(s) in called for s in m.modules())}
    return {n for n in unused if n.rpartition(".")[0] not in unused}


# ---- Restorer: any size ----


@pytest.mark.parametrize(("name", "shape"), _cases(odd_sizes))
def test_restorer_any_size(built, name: str, shape: tuple[int, ...]) -> None:
    """Padding to the spec and cropping back: the input's shape, float32, finite, in [0, 1]."""
    spec = db.get_spec(name)
    assert not spec.accepts(*shape[-2:]) or spec.multiple == 1  # Restorer must pad here
    x = rand(*shape)
    y = db.Restorer(built(name))(x)
    assert y.shape == x.shape
    assert y.dtype == torch.float32
    assert torch.isfinite(y).all()
    assert y.min().item() >= 0.0 and y.max().item() <= 1.0
    assert y.std().item() > 0  # an image, not a constant


@pytest.mark.parametrize("name", sorted(TINY))
def test_restorer_tiny_override_97x131(name: str) -> None:
    """create_model with constructor overrides (``tests/tiny.py``), through Restorer at a
    larger odd size: the input's shape, float32, finite, in [0, 1]."""
    assert name in NAMES
    restorer = db.Restorer(db.create_model(name, **TINY[name]))
    x = rand(1, 3, 97, 131)
    y = restorer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert torch.isfinite(y).all() and y.min() >= 0 and y.max() <= 1


# ---- the bare network's size rule ----


@pytest.mark.parametrize(("name", "size"), _cases(accepted_sizes))
def test_bare_network_returns_every_size_its_spec_accepts(built, name: str, size: tuple[int, int]) -> None:
    spec = db.get_spec(name)
    assert spec.accepts(*size)
    y = bare_forward(built(name), spec, rand(1, 3, *size))
    assert tuple(y.shape) == (1, 3, *size)
    assert y.dtype == torch.float32 and torch.isfinite(y).all()


@pytest.mark.parametrize(("name", "size"), _cases(rejected_sizes, _spec_too_strict))
def test_bare_network_refuses_every_size_its_spec_rejects(built, name: str, size: tuple[int, int]) -> None:
    """It raises (torch's shape errors or the network's own check), or, where listed,
    returns an image of another size; never silently one of the input's size."""
    spec = db.get_spec(name)
    assert not spec.accepts(*size)
    try:
        y = bare_forward(built(name), spec, rand(1, 3, *size))
    except (RuntimeError, ValueError):
        assert size not in RETURNS_ANOTHER_SIZE.get(name, ()), "listed as returning another size, but raised"
        return
    assert tuple(y.shape[-2:]) != size, "the spec rejects this size, but the bare network runs it"
    assert size in RETURNS_ANOTHER_SIZE.get(name, ()), f"returned {tuple(y.shape[-2:])} instead of raising"


# ---- the spec ----


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_complete(built, name: str) -> None:
    spec = db.get_spec(name)
    check_fields(spec, name)  # what registration checks: paper, repo, commit, interface, size rule, ...
    assert spec.name == name and spec.family.strip()
    assert 2010 <= spec.paper.year <= datetime.date.today().year  # the field's papers, published
    assert spec.input_convention.strip() and spec.output_pick.strip()
    assert spec.sizes.strip()
    assert spec.official_weights.strip(), "say which checkpoint files the authors publish, and where"
    modules = dict(built(name).named_modules())
    missing = [m for m in spec.unused_modules if m not in modules]
    assert not missing, f"unused_modules not in the network: {missing}"


@pytest.mark.parametrize("name", sorted(MANIFEST_OF))
def test_spec_cites_the_source_its_manifest_was_made_from(name: str) -> None:
    spec, source = db.get_spec(name), load_manifest(MANIFEST_OF[name])["source"]
    assert (spec.repo, spec.commit) == (source["repo"], source["commit"])


PLAUSIBLE = {
    "psnr": (15, 50),
    "ssim": (0, 1),
    "runtime": (0, 1e4),
    "params": (0, 1e12),
    "model_size": (0, 1e4),
}


@pytest.mark.parametrize("name", NAMES)
def test_published_figures_are_plausible_and_own_counts_are_the_network_s(built, name: str) -> None:
    from deblurbench.reports.claims import QUANTITIES

    spec = db.get_spec(name)
    count = sum(p.numel() for p in {id(p): p for p in built(name).parameters()}.values())
    for figure in spec.figures():
        low, high = PLAUSIBLE.get(figure.quantity, (0, 1e6))
        assert low < figure.value <= high, figure
        if figure.dataset:
            assert figure.dataset in db.list_datasets() or figure.dataset in ("dvd", "lai", "reds"), figure
        if figure.quantity in ("macs", "flops", "runtime") and figure.size is not None:
            assert len(figure.size) == 2 and all(isinstance(v, int) and v > 0 for v in figure.size), figure
        if figure.quantity == "params" and figure.own:  # the authors' own count, to the digits printed
            assert QUANTITIES["params"].reproduces(count, figure.value, figure.unit), (count, figure)


@pytest.mark.parametrize("name", NAMES)
def test_official_checkpoints_are_named_as_published(name: str) -> None:
    """Each published checkpoint is listed with where to get it; a network whose authors
    publish none says so in ``official_weights`` ("none <found, released...>: why")."""
    spec = db.get_spec(name)
    says_none = re.match(r"none\b[^:]*:\s*\S", spec.official_weights) is not None
    if says_none:
        assert not spec.checkpoints, "official_weights says none are published, but checkpoints are listed"
    else:
        assert spec.checkpoints, "list the published checkpoints, or say 'none ...: why' in official_weights"
    for checkpoint in spec.checkpoints:
        assert checkpoint.name.strip() and checkpoint.where.strip(), checkpoint
        hashes = checkpoint.sha256.values() if isinstance(checkpoint.sha256, dict) else [checkpoint.sha256]
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes if h), checkpoint
        if isinstance(checkpoint.sha256, dict):
            assert checkpoint.is_folder, "per-file hashes belong to a folder checkpoint"
        if checkpoint.is_folder and spec.checkpoint_kind == "file":  # a zip that unpacks to a folder
            assert checkpoint.files or checkpoint.note.strip(), (
                "name the file to load, or say why it is unknown"
            )
        assert checkpoint.datasets, checkpoint


@pytest.mark.parametrize("name", NAMES)
def test_unused_modules_are_exactly_those_never_called(built, name: str) -> None:
    spec = db.get_spec(name)
    g = smallest_side(spec)
    assert uncalled_modules(built(name), spec, rand(1, 3, g, g)) == set(spec.unused_modules)


@pytest.mark.parametrize("name", [n for n in NAMES if db.get_spec(n).weights])
def test_shipped_weights_are_package_files_that_load(name: str) -> None:
    package = Path(str(resources.files("deblurbench"))).resolve()
    for tag in db.get_spec(name).weights:
        path = resolve_weights(name, tag).resolve()
        assert path.is_file(), path
        assert path.is_relative_to(package), path
        state = db.create_model(name, weights=tag).state_dict()
        shipped = read_checkpoint(path)
        assert list(state) == list(shipped)
        assert all(torch.equal(state[k], v) for k, v in shipped.items())


# ---- checkpoints ----


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.slow] if n in LARGE else []) for n in NAMES]
)
def test_official_checkpoint_round_trip(built, name: str, tmp_path: Path) -> None:
    """Saved in the network's official format, loaded strictly: same state dict, same output."""
    spec = db.get_spec(name)
    default = built(name)
    source = perturb(copy.deepcopy(default))
    state = source.state_dict()
    unchanged = [k for k, v in default.state_dict().items() if torch.equal(v, state[k])]
    assert not unchanged, f"perturb left entries at their default: {unchanged[:5]}"

    loaded = db.create_model(name, weights=write_official_checkpoint(source, spec, tmp_path))
    loaded_state = loaded.state_dict()
    assert list(loaded_state) == list(state)
    for key, value in state.items():
        assert loaded_state[key].dtype == value.dtype, key
        assert torch.equal(loaded_state[key], value), key

    g = smallest_side(spec)
    x = rand(1, 3, g, g, seed=3)
    expected = bare_forward(source, spec, x)
    assert torch.isfinite(expected).all()
    torch.testing.assert_close(bare_forward(loaded, spec, x), expected, rtol=0, atol=0)
