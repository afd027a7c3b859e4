"""DeblurGAN (ResnetGenerator): the authors' ResnetBlock, the residual output, dropout, spec facts.

The generic fidelity tests prove the GoPro generator against its manifest, and
test_contract.py holds it to the registry's contract (sizes, Restorer, spec,
checkpoints); these cover the rest with a narrow generator (ngf=8, 2 blocks)
where a full one is not needed.
"""

from __future__ import annotations

import torch
from torch import nn

import deblurbench as db
from deblurbench.models.deblurgan import ResnetGenerator, get_norm_layer

NAME = "deblurgan"


def tiny_model(**overrides: object) -> ResnetGenerator:
    torch.manual_seed(0)
    config: dict[str, object] = {
        "ngf": 8,
        "n_blocks": 2,
        "norm_layer": get_norm_layer("instance"),
        "use_dropout": True,
        "learn_residual": True,
    }
    config.update(overrides)
    return ResnetGenerator(**config).eval()


def test_two_convolutions_per_block_not_heads() -> None:
    """The authors' block: keys conv_block.1 and conv_block.6 in all 9 blocks (HEAD drops .6)."""
    keys = db.create_model(NAME).state_dict().keys()
    for block in range(10, 19):
        assert f"model.{block}.conv_block.1.weight" in keys
        assert f"model.{block}.conv_block.6.weight" in keys
    assert len(keys) == 48  # 14 convolutions x (weight, bias), no norm entries


def test_without_dropout_the_second_conv_moves_to_index_5() -> None:
    keys = tiny_model(use_dropout=False).state_dict().keys()
    assert "model.10.conv_block.5.weight" in keys
    assert "model.10.conv_block.6.weight" not in keys


def test_instance_norm_has_no_parameters_or_running_stats() -> None:
    model = db.create_model(NAME)
    norms = [m for m in model.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 23  # 3 down + 2 x 9 blocks + 2 up
    for norm in norms:
        assert not norm.affine and not norm.track_running_stats
    assert not any("running" in k for k in model.state_dict())


def test_residual_output_is_clamped_input_plus_tanh() -> None:
    model = tiny_model()
    last = model.model[-2]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()  # tanh(0) = 0: the generator returns its input
    x = torch.rand(1, 3, 16, 20)
    y = db.Restorer(model, spec=db.get_spec(NAME), clamp=False)(x)
    assert torch.allclose(y, x, atol=1e-6)
    with torch.no_grad():
        last.bias.fill_(100.0)  # tanh = 1: (2x - 1) + 1, clamped to [-1, 1] inside the network
    y = db.Restorer(model, spec=db.get_spec(NAME), clamp=False)(x)
    assert torch.allclose(y, (torch.clamp(2 * x, max=1) + 1) / 2, atol=1e-6)
    assert y.max().item() == 1.0 and (x > 0.5).any()


def test_without_residual_the_output_is_tanh() -> None:
    model = tiny_model(learn_residual=False)
    last = model.model[-2]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
        y = model(torch.rand(1, 3, 8, 8) * 2 - 1)
    assert torch.all(y == 0)


def test_dropout_is_active_in_train_mode_only() -> None:
    model = tiny_model()
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        model.eval()
        assert torch.equal(model(x), model(x))
        model.train()
        torch.manual_seed(1)
        first = model(x)
        torch.manual_seed(2)
        assert not torch.equal(first, model(x))


def test_spec_facts() -> None:
    spec = db.get_spec(NAME)
    assert (spec.interface.scale, spec.interface.shift, spec.interface.output) == (2.0, -1.0, None)
    assert (spec.multiple, spec.min_size, spec.test_mode) == (4, 8, "eval")
    assert spec.commit == "39e8a4b408b90d0ef98608c5c4562eae3e184251"
    assert "#134" in spec.notes and "second convolution" in spec.notes


def test_published_figures() -> None:
    """The authors' only figures are results.png's PSNR before/after their fix; the rest is second-hand."""
    spec = db.get_spec(NAME)
    figures = spec.figures()
    assert figures == spec.published
    own = {(f.label, f.printed): f.value for f in figures if f.own}
    assert own == {
        ("DeblurGAN Wild", "Before"): 33.16,
        ("DeblurGAN Wild", "After"): 27.2,
        ("DeblurGAN Synth", "Before"): 30.34,
        ("DeblurGAN Synth", "After"): 23.7,
        ("DeblurGAN Comb", "Before"): 33.29,
        ("DeblurGAN Comb", "After"): 28.7,
    }
    for figure in (f for f in figures if f.own):
        assert figure.quantity == "psnr" and figure.dataset == "gopro"
        assert figure.source.startswith(
            "KupynOrest/DeblurGAN@2499a87f96f34f262ea294c7e4cd3fd7e90251f8:images/results.png"
        )
    # no parameter count by the authors; a third-party table's 11.6 M is kept as second-hand
    (params,) = [f for f in figures if f.quantity == "params"]
    assert (params.value, params.unit, params.own) == (11.6, "M", False)
    gopro_ssim = {f.reporter: f.value for f in figures if f.quantity == "ssim" and f.dataset == "gopro"}
    assert gopro_ssim == {
        "LFDN (Sensors 2021) Table 3": 0.927,
        "DeblurGAN-v2 README table": 0.927,
        "HINet Table 2 (README figure)": 0.858,
    }
    kohler_ssim = {f.reporter: f.value for f in figures if f.quantity == "ssim" and f.dataset == "kohler"}
    assert kohler_ssim == {
        "LFDN (Sensors 2021) Table 4": 0.807,
        "DeblurGAN-v2 Kohler table (doc_images, commented out of the README)": 0.816,
    }
    (flops,) = [f for f in figures if f.quantity == "flops"]
    assert (flops.value, flops.unit, flops.printed, flops.size, flops.label) == (
        678.29,
        "G",
        "FLOPS",
        None,
        "DeblurGAN [21]",
    )
    (hide,) = [f for f in figures if f.dataset == "hide" and f.quantity == "psnr"]
    assert (hide.value, hide.label) == (26.44, "Kupyn et al. [14]")
    assert "0.858 in HINet" in spec.notes and "0.807 in LFDN" in spec.notes


def test_official_checkpoint() -> None:
    (checkpoint,) = db.get_spec(NAME).checkpoints
    assert checkpoint.name == "latest_net_G.pth" and not checkpoint.is_folder
    assert "dropbox.com/s/5r6cy0x72s8x9yf/latest_net_G.pth" in checkpoint.where
    assert checkpoint.datasets == ("gopro", "hide") and checkpoint.sha256 == ""


def test_restorer_narrow_generator_97x131() -> None:
    """A module not from create_model, with its spec given: padded, run, cropped (the full
    network at small sizes is in test_contract.py)."""
    restorer = db.Restorer(tiny_model(), spec=db.get_spec(NAME))
    x = torch.rand(3, 97, 131)
    y = restorer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert y.min().item() >= 0.0 and y.max().item() <= 1.0
