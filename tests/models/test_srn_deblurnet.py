"""SRN-DeblurNet: layer list and counts from the manifest, the TF ports, the test-time path.

The official code is TensorFlow 1.x, so its manifest has no reference output
and no PyTorch state dict: it lists the TF layers (``layers``, each with its
``tf_vars``) and the parameter counts. These tests hold our modules to that list
(keys mapped from the TF variable names, kernels permuted to torch's layout),
check the TF operations the port depends on (legacy bilinear resize, asymmetric
SAME padding, the ConvLSTM equations and its state carried across scales), and
the official test path (each RGB plane a grey image; portrait images transposed).

The generic fidelity tests check its registration ("params-only") and the
parameter count, and test_contract.py holds both names to the registry's contract
(the multiple-of-16 rule, Restorer on any size, spec, checkpoints); the layer list is
checked here.
"""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

import deblurbench as db
from deblurbench.models.srn_deblurnet import (
    BasicConvLSTMCell,
    SRNDeblurNet,
    SRNInterface,
    convert_tf_checkpoint,
    pad_same,
    resize_bilinear_tf,
    tf_variable_to_key,
)

from reference import load_manifest, rand, state_dict_layout

MANIFEST = load_manifest("srn_deblurnet")


def expected_layout(layers: list[dict]) -> list[tuple[str, list[int]]]:
    """The manifest's TF variables as torch keys and shapes, written out independently of the model file."""
    layout = []
    for layer in layers:
        prefix = layer["name"].removeprefix("g_net/").replace("/", ".")
        for tf_name, shape in layer["tf_vars"]:
            leaf = {"weights": "weight", "biases": "bias"}[tf_name.rsplit("/", 1)[1]]
            if len(shape) == 4:  # [kh, kw, a, b] -> [b, a, kh, kw]
                shape = [shape[3], shape[2], shape[0], shape[1]]
            layout.append((f"{prefix}.{leaf}", list(shape)))
    return layout


# ---- layer list and parameter counts ----


def test_lstm_layer_list_matches_manifest() -> None:
    model = db.create_model("srn_deblurnet")
    assert state_dict_layout(model) == expected_layout(MANIFEST["layers"])
    assert len(MANIFEST["layers"]) == 43


def test_color_layer_list_is_the_manifest_without_convlstm_and_with_rgb_ends() -> None:
    layers = [dict(layer) for layer in MANIFEST["layers"] if "convLSTM" not in layer["name"]]
    for layer in layers:
        if layer["name"] == "g_net/enc1_1":
            layer["tf_vars"] = [["g_net/enc1_1/weights", [5, 5, 6, 32]], ["g_net/enc1_1/biases", [32]]]
        if layer["name"] == "g_net/dec1_0":
            layer["tf_vars"] = [["g_net/dec1_0/weights", [5, 5, 32, 3]], ["g_net/dec1_0/biases", [3]]]
    assert state_dict_layout(db.create_model("srn_deblurnet_color")) == expected_layout(layers)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("lstm", MANIFEST["params_total"]),
        ("color", MANIFEST["variants"]["color"]["params_total"]),
        ("gray", MANIFEST["variants"]["gray"]["params_total"]),
    ],
)
def test_parameter_counts(model: str, expected: int) -> None:
    net = SRNDeblurNet(model=model)
    assert sum(p.numel() for p in net.parameters()) == expected
    assert all(p.requires_grad for p in net.parameters())


def test_registered_counts() -> None:
    assert sum(p.numel() for p in db.create_model("srn_deblurnet").parameters()) == 8_056_609
    assert sum(p.numel() for p in db.create_model("srn_deblurnet_color").parameters()) == 6_881_251


def test_unknown_model_type_is_refused() -> None:
    with pytest.raises(ValueError, match="lstm"):
        SRNDeblurNet(model="rgb_lstm")


# ---- official TF checkpoints ----


def test_tf_variable_names_map_to_our_keys() -> None:
    assert tf_variable_to_key("g_net/enc1_2/conv1/weights") == "enc1_2.conv1.weight"
    assert tf_variable_to_key("g_net/convLSTM/LSTM_conv/biases:0") == "convLSTM.LSTM_conv.bias"
    assert tf_variable_to_key("g_net/dec1_0/weights") == "dec1_0.weight"
    with pytest.raises(ValueError, match="g_net"):
        tf_variable_to_key("LSTM/enc1_1/weights")
    with pytest.raises(ValueError, match="weights"):
        tf_variable_to_key("g_net/enc1_1/kernel")


def test_converted_tf_checkpoint_loads_strictly_with_permuted_kernels() -> None:
    variables = {}
    for i, layer in enumerate(MANIFEST["layers"]):
        for tf_name, shape in layer["tf_vars"]:
            variables[tf_name] = rand(*shape, seed=i).numpy()
    # What a real checkpoint also holds, to be skipped.
    variables["g_net/enc1_1/weights/Adam"] = variables["g_net/enc1_1/weights"]
    variables["global_step"] = torch.tensor(523000).numpy()

    state = convert_tf_checkpoint(variables)
    model = SRNDeblurNet(model="lstm")
    model.load_state_dict(state, strict=True)

    tf_conv = torch.as_tensor(variables["g_net/enc2_1/weights"])  # [kh, kw, in, out]
    assert torch.equal(model.enc2_1.weight[7, 3, 1, 4], tf_conv[1, 4, 3, 7])
    tf_deconv = torch.as_tensor(variables["g_net/dec2_4/weights"])  # [kh, kw, out, in]
    assert model.dec2_4.weight.shape == (128, 64, 4, 4)  # torch ConvTranspose2d: [in, out, kh, kw]
    assert torch.equal(model.dec2_4.weight[100, 5, 0, 3], tf_deconv[0, 3, 5, 100])
    assert torch.equal(model.dec1_0.bias, torch.as_tensor(variables["g_net/dec1_0/biases"]))


# ---- TensorFlow operations ----


def test_tf_resize_halving_is_subsampling() -> None:
    x = rand(2, 3, 16, 24)
    assert torch.equal(resize_bilinear_tf(x, 8, 12), x[..., ::2, ::2])
    assert torch.equal(resize_bilinear_tf(x, 4, 6), x[..., ::4, ::4])
    assert resize_bilinear_tf(x, 16, 24) is x


def test_tf_resize_doubling_interpolates_forward_and_repeats_the_edge() -> None:
    x = torch.tensor([[1.0, 3.0, 7.0]]).reshape(1, 1, 1, 3)
    out = resize_bilinear_tf(x, 1, 6)
    assert out.flatten().tolist() == [1.0, 2.0, 3.0, 5.0, 7.0, 7.0]
    col = resize_bilinear_tf(x.transpose(-2, -1), 6, 1)
    assert col.flatten().tolist() == [1.0, 2.0, 3.0, 5.0, 7.0, 7.0]
    # Neither of torch's bilinear conventions.
    for align in (False, True):
        assert not torch.allclose(F.interpolate(x, size=(1, 6), mode="bilinear", align_corners=align), out)


def test_tf_resize_is_separable_bilinear_in_2d() -> None:
    x = torch.tensor([[0.0, 4.0], [8.0, 12.0]]).reshape(1, 1, 2, 2)
    out = resize_bilinear_tf(x, 4, 4)
    expected = torch.tensor(
        [[0.0, 2.0, 4.0, 4.0], [4.0, 6.0, 8.0, 8.0], [8.0, 10.0, 12.0, 12.0], [8.0, 10.0, 12.0, 12.0]]
    )
    assert torch.equal(out[0, 0], expected)


def test_stride_2_convs_pad_same_like_tensorflow() -> None:
    model = SRNDeblurNet(model="gray")
    layer = model.enc2_1
    assert (layer.stride, layer.padding) == ((2, 2), (0, 0))
    even = rand(1, 32, 8, 10)
    assert torch.equal(pad_same(even, 5, 2), F.pad(even, (1, 2, 1, 2)))
    ours = layer(pad_same(even, 5, 2))
    assert ours.shape == (1, 64, 4, 5)
    # Symmetric padding (torch's padding=2) is not the same.
    assert not torch.allclose(F.conv2d(even, layer.weight, layer.bias, stride=2, padding=2), ours)
    odd = rand(1, 32, 7, 7)  # total padding (4 - 1) * 2 + 5 - 7 = 4: 2 each side
    assert torch.equal(pad_same(odd, 5, 2), F.pad(odd, (2, 2, 2, 2)))
    assert torch.equal(pad_same(even, 5, 1), F.pad(even, (2, 2, 2, 2)))


def test_convlstm_cell_equations() -> None:
    torch.manual_seed(0)
    cell = BasicConvLSTMCell(input_channels=3, num_features=2, filter_size=3)
    x, state = rand(1, 3, 5, 5, seed=1), rand(1, 4, 5, 5, seed=2)
    c, h = state[:, :2], state[:, 2:]
    gates = F.conv2d(torch.cat([x, h], 1), cell.LSTM_conv.weight, cell.LSTM_conv.bias, padding=1)
    i, j, f, o = gates[:, 0:2], gates[:, 2:4], gates[:, 4:6], gates[:, 6:8]
    new_c = c * torch.sigmoid(f + 1.0) + torch.sigmoid(i) * torch.tanh(j)
    new_h = torch.tanh(new_c) * torch.sigmoid(o)
    out, new_state = cell(x, state)
    assert torch.allclose(out, new_h)
    assert torch.allclose(new_state, torch.cat([new_c, new_h], 1))


# ---- the network ----


def test_three_scales_coarse_to_fine() -> None:
    model = SRNDeblurNet(model="gray").eval()
    with torch.no_grad():
        outs = model(rand(2, 1, 16, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 1, 4, 8), (2, 1, 8, 16), (2, 1, 16, 32)]


def test_convlstm_state_is_carried_across_scales_and_h_is_decoded() -> None:
    torch.manual_seed(0)
    model = SRNDeblurNet(model="lstm").eval()
    for p in model.convLSTM.parameters():  # the authors' 1e-3 init leaves the cell near-silent
        torch.nn.init.uniform_(p, -0.05, 0.05)
    steps: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    decoded: list[torch.Tensor] = []
    model.convLSTM.register_forward_hook(lambda m, args, out: steps.append((args[1], out[0], out[1])))
    model.dec3_3.register_forward_pre_hook(lambda m, args: decoded.append(args[0]))
    with torch.no_grad():
        model(rand(1, 1, 16, 32))
    assert len(steps) == 3
    assert torch.count_nonzero(steps[0][0]) == 0  # zero state at the coarsest scale
    for prev, cur in itertools.pairwise(steps):
        assert torch.count_nonzero(prev[2]) > 0
        assert torch.equal(cur[0], resize_bilinear_tf(prev[2], *cur[0].shape[-2:]))
    assert [tuple(s[0].shape[-2:]) for s in steps] == [(1, 2), (2, 4), (4, 8)]
    for (_, h, _), dec_in in zip(steps, decoded, strict=True):
        assert torch.equal(h, dec_in)


# ---- the official test-time path ----


def test_restorer_runs_each_rgb_plane_as_a_grey_image() -> None:
    restorer = db.Restorer("srn_deblurnet", clamp=False)
    x = rand(1, 3, 16, 16)
    y = restorer(x)
    with torch.no_grad():
        planes = [restorer.model(x[:, k : k + 1])[-1] for k in range(3)]
    assert torch.allclose(y, torch.cat(planes, dim=1), atol=1e-5)
    # Planes never mix: changing red leaves green and blue alone.
    x2 = x.clone()
    x2[:, 0] = 1 - x2[:, 0]
    y2 = restorer(x2)
    assert not torch.allclose(y2[:, 0], y[:, 0], atol=1e-4)
    assert torch.allclose(y2[:, 1:], y[:, 1:], atol=1e-6)


def test_portrait_images_are_transposed_as_the_official_test_does() -> None:
    restorer = db.Restorer("srn_deblurnet_color", clamp=False)
    x = rand(1, 3, 32, 16)
    y = restorer(x)
    with torch.no_grad():
        ref = restorer.model(x.transpose(-2, -1))[-1].transpose(-2, -1)
        plain = SRNInterface(output=-1, transpose_portrait=False)(restorer.model, x)
    assert torch.allclose(y, ref, atol=1e-6)
    assert not torch.allclose(plain, ref, atol=1e-4)


def test_specs() -> None:
    lstm, color = db.get_spec("srn_deblurnet"), db.get_spec("srn_deblurnet_color")
    for spec in (lstm, color):
        assert spec.fidelity == "params-only"
        assert spec.interface.output == -1
        assert spec.family == "SRN-DeblurNet"
        assert (spec.multiple, spec.min_size) == (16, 16)  # the README's rule
    assert lstm.interface.per_channel and not color.interface.per_channel
    # The README's figures for the released lstm weights, MATLAB SSIM, linear GoPro (issue #56).
    own = {f.quantity: f for f in lstm.figures() if f.own}
    assert set(own) == {"psnr", "ssim"}
    assert (own["psnr"].value, own["psnr"].dataset, own["psnr"].variant) == (30.19, "gopro", "blur")
    assert (own["ssim"].value, own["ssim"].ssim_tool) == (0.9334, "matlab")
    assert all(f"{MANIFEST['source']['repo']}@{lstm.commit}:README.md" in f.source for f in own.values())
    # Second-hand: each with the table it comes from and the name printed there.
    second = {(f.reporter, f.quantity, f.dataset): f for f in lstm.figures() if not f.own}
    lfdn = second[("LFDN (Sensors 2021) Table 3", "psnr", "gopro")]
    assert (lfdn.value, lfdn.label) == (30.10, "Tao et al. [9]") and "fig/8.png" in lfdn.source
    assert second[("LFDN (Sensors 2021) Table 5", "model_size", "")].printed == "modle size(MB)"
    assert second[("LFDN (Sensors 2021) Table 4", "ssim", "kohler")].value == 0.8373
    flops = second[("DeblurGAN-v2 README table", "flops", "")]
    assert (flops.value, flops.unit, flops.size, flops.label) == (1434.82, "G", None, "SRN [45]")
    assert "doc_images/gopro_table.png" in flops.source
    assert second[("DeblurGAN-v2 README table", "psnr", "gopro")].variant == "blur"
    assert second[("HINet Table 2 (README figure)", "psnr", "gopro")].value == 30.26
    assert len(lstm.figures()) == 23
    assert "30.10" in lstm.notes and "30.26" in lstm.notes  # the discrepancy REPORTED.md lists
    assert color.figures() == ()
    # The released TensorFlow checkpoints, one folder per model in the authors' zip.
    assert [c.name for c in lstm.checkpoints] == ["lstm/"] and [c.name for c in color.checkpoints] == [
        "color/"
    ]
    for spec in (lstm, color):
        assert "srndeblur_models.zip" in spec.checkpoints[0].where
        assert "convert_tf_checkpoint" in spec.checkpoints[0].note
