"""spandrel as a peer: where it implements one of our networks, the same weights give the same output.

Our network gets the manifests' deterministic fill; its state dict goes to spandrel's loader, which
must detect the architecture (and its width) from the keys alone; both run in float64 in eval mode
on the same input, each called as its own code calls it. Skips without spandrel (the extra).
"""

from __future__ import annotations

import pytest
import torch

from deblurbench.models import create_model, get_spec, list_models

from reference import apply_fill, cheap_state, meta_shapes, rand, relative_error

spandrel = pytest.importorskip("spandrel")
spandrel_extra_arches = pytest.importorskip("spandrel_extra_arches")

# Our network -> (spandrel's architecture id, its tags): every registered network spandrel 0.4.2 with
# spandrel-extra-arches 0.2.0 detects. The NAFNet TLC variants are the same weights under another test
# path (local average pooling fixed at test time): spandrel detects plain NAFNet, without TLC.
DETECTED = {
    "nafnet_gopro_width32": ("NAFNet", ["32w"]),
    "nafnet_gopro_width32_tlc": ("NAFNet", ["32w"]),
    "nafnet_gopro_width64": ("NAFNet", ["64w"]),
    "nafnet_gopro_width64_tlc": ("NAFNet", ["64w"]),
    "fftformer": ("FFTformer", ["48dim"]),
    "mprnet": ("MPRNet", ["96nf"]),
    "restormer": ("Restormer", ["48dim"]),
}
# Whose outputs are compared: the TLC variants are left out (up to 384 px TLC pools the whole
# feature map, as plain NAFNet does, so a small input cannot tell them apart).
PEERS = [name for name in DETECTED if not name.endswith("_tlc")]
REL_TOL = 1e-12  # float64; the runs here agreed exactly (0.0)
# The same comparison on small configurations of each family: spandrel must read every one of
# these hyperparameters back from the keys.
SMALL = {
    "nafnet_gopro_width32": ({"width": 8, "enc_blk_nums": (1, 1), "dec_blk_nums": (1, 1)}, ["8w"]),
    "fftformer": ({"dim": 8, "num_blocks": (1, 1, 1, 1), "num_refinement_blocks": 1}, ["8dim"]),
    "mprnet": ({"n_feat": 8, "scale_unetfeats": 4, "scale_orsnetfeats": 4, "num_cab": 1}, ["8nf"]),
    "restormer": (
        {"dim": 8, "num_blocks": (1, 1, 1, 1), "num_refinement_blocks": 1, "heads": (1, 1, 2, 2)},
        ["8dim"],
    ),
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One CPU thread: on a shared host, torch's threads waiting on each other cost seconds per forward."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _descriptor(state: dict[str, torch.Tensor]):
    spandrel_extra_arches.install(ignore_duplicates=True)
    return spandrel.ModelLoader().load_from_state_dict(state)


@pytest.mark.parametrize("name", list_models())
def test_spandrel_detects_exactly_these(name: str) -> None:
    state = cheap_state(meta_shapes(name))  # detection reads keys and shapes only
    if name not in DETECTED:
        with pytest.raises(spandrel.UnsupportedModelError):
            _descriptor(state)
        return
    descriptor = _descriptor(state)
    assert (descriptor.architecture.id, descriptor.tags) == DETECTED[name]
    assert descriptor.size_requirements.multiple_of == get_spec(name).multiple


@pytest.mark.parametrize("name", PEERS)
def test_same_weights_same_output(name: str) -> None:
    peer = _compare(name, {})
    assert (peer.architecture.id, peer.tags) == DETECTED[name]


@pytest.mark.parametrize("name", SMALL)
def test_small_configuration_same_output(name: str) -> None:
    overrides, tags = SMALL[name]
    peer = _compare(name, overrides)
    assert (peer.architecture.id, peer.tags) == (DETECTED[name][0], tags)


def _compare(name: str, overrides: dict):
    """Our network (filled) and spandrel's from its state dict on one float64 input; spandrel's descriptor."""
    ours = apply_fill(create_model(name, **overrides)).double().eval()
    peer = _descriptor(ours.state_dict())
    theirs = peer.model.double().eval()
    side = max(16, get_spec(name).multiple)  # a multiple of the size rule, and not square
    x = rand(1, 3, side, 2 * side, seed=1, dtype=torch.float64)
    with torch.no_grad():
        expected = get_spec(name).interface(ours, x)
        got = peer._call_fn(theirs, x)  # spandrel's own call, before its clamp
    assert got.shape == expected.shape == x.shape
    assert relative_error(got, expected) <= REL_TOL
    return peer


@pytest.mark.slow
def test_tlc_checkpoint_is_plain_nafnet_to_spandrel() -> None:
    """Up to 384 px TLC pools globally, as plain NAFNet does; above, spandrel's output is not the TLC path."""
    ours = apply_fill(create_model("nafnet_gopro_width32_tlc")).eval()
    peer = _descriptor(ours.state_dict())
    errors = {}
    for side in (384, 448):
        x = rand(1, 3, side, side, seed=1)
        with torch.no_grad():
            expected = get_spec("nafnet_gopro_width32_tlc").interface(ours, x)
            errors[side] = relative_error(peer._call_fn(peer.model.eval(), x), expected.double())
    assert errors[384] <= 1e-6 and errors[448] > 1e-3, errors  # 0.0 and 7.0e-3 here
