"""The census of one meta forward, and what each counter gets wrong against it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import deblurbench as db
from deblurbench.bench.census import aliases
from deblurbench.bench.complexity import _meta_pass, complexity, meta_complexity
from deblurbench.models.registry import ModelSpec, Paper

SPEC = ModelSpec(name="toy", display_name="Toy", paper=Paper("toy", "test", 2024), repo="-", commit="-")


class Aliased(nn.Module):
    """A backbone whose first block is registered again under an encoder name, as DeblurGAN-v2's FPN does."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.Conv2d(8, 8, 3, padding=1, bias=False)
        )
        self.enc0 = nn.Sequential(self.backbone[0])
        self.head = nn.Conv2d(8, 3, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone[1](self.enc0(x)))


class Attention(nn.Module):
    """A conv and a channel attention written with the @ operator, as Restormer's is."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Conv2d(3, 24, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).flatten(2).chunk(3, dim=1)
        attn = (q @ k.transpose(-2, -1)).softmax(-1)
        return (attn @ v).view(x.shape[0], 8, *x.shape[2:])[:, :3]


def test_aliases_are_the_outermost_modules_under_several_names() -> None:
    found = aliases(Aliased())
    assert found == {"backbone.0": ("enc0.0",)}


def test_an_aliased_module_is_listed_with_the_macs_ptflops_charges_twice() -> None:
    record = complexity(Aliased(), (16, 16), spec=SPEC)
    first = 3 * 8 * 9 * 16 * 16  # backbone.0's MACs, charged again under enc0.0
    assert record.miscounted["ptflops_pytorch"] == {"aliased module counted 2x: backbone.0 = enc0.0": first}
    assert record.macs["ptflops_pytorch"] == record.macs["torch_flop_counter"] + first
    assert record.aliases == {"backbone.0": ("enc0.0",)}


def test_matmuls_by_the_operator_are_listed_as_unseen_by_ptflops() -> None:
    record = complexity(Attention(), (8, 8), spec=SPEC)
    bmm = 2 * 8 * 8 * 64  # q @ k^T and attn @ v: 8 channels x 8 channels x 64 pixels each
    assert record.macs["torch_flop_counter"] - record.macs["ptflops_pytorch"] == pytest.approx(bmm, rel=0.05)
    unseen = {k: v for k, v in record.miscounted["ptflops_pytorch"].items() if k.startswith("unseen")}
    assert list(unseen.values()) == [-bmm]


def test_the_output_grid_convention_charges_transposed_convolutions_per_output_element() -> None:
    net = nn.Sequential(
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), nn.Conv2d(2, 2, 1)
    )
    spec = ModelSpec(name="toy", display_name="Toy", paper=SPEC.paper, repo="-", commit="-")
    meta = _meta_pass(net, spec, (1, 4, 8, 8))
    transposed_correct = 4 * 2 * 9 * 8 * 8  # on the input grid
    transposed_grid = 2 * 16 * 16 * (4 * 9 + 1)  # per output element, plus one for the bias
    pointwise = 2 * 16 * 16 * (2 + 1)
    assert meta.census.op_macs["convolution"] == transposed_correct + 2 * 2 * 16 * 16
    assert meta.census.output_grid_macs == transposed_grid + pointwise


@pytest.mark.parametrize("name", db.list_models(plugins=False))
def test_the_census_equals_torch_s_counter(name: str) -> None:
    """Every network: the census's per-op MACs add up to FlopCounterMode's total (its formulas, halved).
    The pass runs by itself: that ptflops driving it changes no op of the census is the test below."""
    model, spec, shape = _on_meta(name, at_least=128)
    meta = _meta_pass(model, spec, shape)
    assert meta.census.macs * 2 == meta.torch_flops


def _on_meta(name: str, at_least: int) -> tuple[nn.Module, ModelSpec, tuple[int, int, int, int]]:
    """``name`` built on the meta device, its spec, and the smallest square input it accepts of side >= ``at_least``."""
    with torch.device("meta"):
        model = db.create_model(name)
    spec = db.get_spec(name)
    size = max(spec.min_size, at_least)
    size += -size % spec.multiple
    return model, spec, (1, 3, size, size)


def test_hinet_s_published_170_65_g_is_the_output_grid_count() -> None:
    assert round(meta_complexity("hinet", (256, 256)).conventions["output_grid"] / 1e9, 2) == 170.65


class Raising(nn.Module):
    """A network whose forward fails half-way, after a convolution has run."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.conv(x)
        raise LookupError("toy forward failed")


@pytest.mark.parametrize("counters", [None, ("ptflops_pytorch",), ("torch_flop_counter",)])
def test_a_forward_that_raises_raises_its_own_error(
    counters: tuple[str, ...] | None, capsys: pytest.CaptureFixture[str]
) -> None:
    # ptflops swallows a forward's exception (prints it, returns None): the pass it drives must not
    import torch.nn.functional as F

    relu = F.relu
    with pytest.raises(LookupError, match="toy forward failed"):
        complexity(Raising(), (8, 8), spec=SPEC, counters=counters)
    assert F.relu is relu  # ptflops put its patched functions back
    assert capsys.readouterr() == ("", "")  # nor did its traceback reach stderr


class ModeProbe(nn.Module):
    """Records the train/eval mode each forward runs in."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.seen: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(self.conv.training)
        return self.conv(x)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_pass_through_ptflops_runs_in_the_spec_s_test_mode(mode: str) -> None:
    # ptflops puts the model in eval mode before its forward; the official path may be in train mode
    spec = ModelSpec(name="toy", display_name="Toy", paper=SPEC.paper, repo="-", commit="-", test_mode=mode)
    meta = _meta_pass(ModeProbe(), spec, (1, 3, 8, 8), ("ptflops_pytorch",))
    assert meta.path.net.seen == [mode == "train"] and meta.path.net.training == (mode == "train")
    assert meta.driven["ptflops_pytorch"] == 3 * 3 * 64 + 3 * 64  # the 1x1 convolution and its bias


def _census_by_name(meta: object) -> dict:
    names = {id(m): n for n, m in meta.path.net.named_modules(remove_duplicate=False)}
    census = meta.census
    return {
        "ops": census.ops,
        "op_macs": census.op_macs,
        "module_macs": {names[i]: m for i, m in census.module_macs.items()},
        "outside_hooked_ops": census.outside_hooked_ops,
        "outside_hooked_macs": census.outside_hooked_macs,
        "output_grid_macs": census.output_grid_macs,
        "ptflops_aten": census.ptflops_aten,
        "torch_flops": meta.torch_flops,
        "called": meta.called,
    }


@pytest.mark.parametrize("name", ["lmfn", "stripformer", "deblurganv2_mobilenet"])
def test_the_census_is_the_same_whether_ptflops_drives_the_pass_or_not(name: str) -> None:
    """Every op (factory and view ops too), MAC and module of the census, torch's total and the
    called modules: ptflops' own input, hooks and patched functions add nothing to them.
    Stripformer's meta kernels call the functions ptflops patches; DeblurGAN-v2 runs in train mode."""
    model, spec, shape = _on_meta(name, at_least=64)
    plain = _meta_pass(model, spec, shape)
    driven = _meta_pass(model, spec, shape, ("ptflops_pytorch",))
    assert not plain.driven and driven.driven["ptflops_pytorch"] > 0
    assert _census_by_name(driven) == _census_by_name(plain)


def test_one_counter_at_most_drives_the_census_pass() -> None:
    from deblurbench.bench.counters import COUNTERS, register_counter

    declaration = dict(label="x", unit="MACs", macs_per_unit=1.0, meta=True, counts="-", skips="-")
    with pytest.raises(ValueError, match="ptflops_pytorch already drives the census pass"):
        register_counter(name="second_driver", drive=lambda path, shape, make_input: 0, **declaration)(
            lambda ctx: None
        )
    assert "second_driver" not in COUNTERS.names()
