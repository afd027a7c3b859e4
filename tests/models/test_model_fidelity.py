"""Every network with a reference manifest is the authors' network.

For each manifest in tests/fixtures/reference: identical state-dict keys and
shapes (so official checkpoints load with strict=True), identical parameter
count, and the manifest's output under its weight fill to a relative error
< 1e-6 in float64, called through the manifest's ``interface`` (float64 grouped
convolutions through ``fast_float64_grouped_conv``, held to ``F.conv2d`` below).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import deblurbench as db

from reference import (
    apply_fill,
    fast_float64_grouped_conv,
    load_manifest,
    manifest_input,
    manifest_layout,
    manifest_names,
    manifest_output,
    meta_model,
    relative_error,
    state_dict_layout,
)

NAMES = manifest_names()


@pytest.mark.parametrize("name", NAMES)
def test_registered(name: str) -> None:
    assert name in db.list_models()
    # A manifest without output (official code not runnable here) proves params and layers only.
    expected = "manifest" if "output" in load_manifest(name) else "params-only"
    assert db.get_spec(name).fidelity == expected


@pytest.mark.parametrize("name", [n for n in NAMES if "state_dict" in load_manifest(n)])
def test_state_dict_keys_and_shapes(name: str) -> None:
    model = meta_model(name)  # keys and shapes as the real build has them (its output is proved below)
    assert state_dict_layout(model) == manifest_layout(load_manifest(name))


@pytest.mark.parametrize("name", NAMES)
def test_parameter_count(name: str) -> None:
    manifest = load_manifest(name)
    model = meta_model(name)
    assert sum(p.numel() for p in model.parameters()) == manifest["params_total"]
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == manifest["params_trainable"]


@pytest.mark.parametrize(
    ("groups", "stride", "padding", "dilation", "bias"),
    [(4, 1, 1, 1, True), (8, 2, 0, 1, False), (2, (1, 2), (2, 1), 2, True)],
)
def test_grouped_conv_float64_is_conv2d(groups: int, stride, padding, dilation, bias: bool) -> None:
    g = torch.Generator().manual_seed(groups)
    x = torch.rand(2, 8, 9, 11, generator=g, dtype=torch.float64)
    weight = torch.rand(16, 8 // groups, 3, 3, generator=g, dtype=torch.float64)
    b = torch.rand(16, generator=g, dtype=torch.float64) if bias else None
    expected = F.conv2d(x, weight, b, stride, padding, dilation, groups)
    with fast_float64_grouped_conv():
        assert F.conv2d is not conv2d_before  # the module-level name is what nn.Conv2d calls
        got = nn.Conv2d(8, 16, 3, stride, padding, dilation, groups, bias).double()
        with torch.no_grad():
            got.weight.copy_(weight)
            if b is not None:
                got.bias.copy_(b)
            y = got(x)
    assert F.conv2d is conv2d_before
    assert y.shape == expected.shape
    torch.testing.assert_close(y, expected, rtol=1e-12, atol=1e-12)


conv2d_before = F.conv2d


@pytest.mark.parametrize("name", [n for n in NAMES if "output" in load_manifest(n)])
def test_reference_output(name: str) -> None:
    with fast_float64_grouped_conv():
        reference_output(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if "output" in load_manifest(n)])
def test_reference_output_on_torch_s_own_convolution(name: str) -> None:
    """The same proof with ``F.conv2d`` as torch ships it: the default run's fast path is never the only witness."""
    reference_output(name)


def reference_output(name: str) -> None:
    manifest = load_manifest(name)
    x = manifest_input(manifest)
    if manifest["interface"] == "official":
        # The fill writes float32 values (the official modules are float32), then
        # the module is cast to float64, exactly as the reference run did.
        restorer = db.Restorer(apply_fill(db.create_model(name)), dtype=torch.float64, clamp=False)
        y = restorer(x)
    else:
        assert manifest["interface"] == "module"
        spec = db.get_spec(name)
        model = apply_fill(db.create_model(name)).double()
        model.train(spec.test_mode == "train")
        with torch.no_grad():
            y = spec.interface.pick(model(x))
    ref = manifest_output(manifest)
    assert tuple(y.shape) == tuple(ref.shape)
    assert relative_error(y, ref) < 1e-6
