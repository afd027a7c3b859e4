"""DMPHN 1-2-4 and 1-2-4-8: level structure, the 1-2-4-8 hierarchy, size rules, checkpoints.

The generic fidelity tests prove the 1-2-4 model against its manifest (keys,
count, output through the -0.5 offset), and test_contract.py holds both to the
registry's contract (size rule, Restorer on any size, spec, the per-module checkpoint
directory). The 1-2-4-8 model has no manifest: here its count is four encoder+decoder
levels, its first three levels have the 1-2-4 layout, and its forward is checked
against the authors' test loop written out step by step (``DMPHN_1_2_4_8_test.py``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import deblurbench as db
from deblurbench.models import CheckpointError
from deblurbench.models.dmphn import DMPHN, Decoder, Encoder, merge_official_checkpoints

from reference import apply_fill, load_manifest, manifest_layout, rand, state_dict_layout

PER_LEVEL = 1_808_131
# The authors' checkpoints and outputs, where this checkout sits next to the shared folder.
REAL = Path(__file__).resolve().parents[3] / "shared" / "real"


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_counts_are_levels_times_encoder_plus_decoder() -> None:
    assert count(Encoder()) + count(Decoder()) == PER_LEVEL
    assert (
        count(db.create_model("dmphn_1_2_4")) == 3 * PER_LEVEL == load_manifest("dmphn_1_2_4")["params_total"]
    )
    assert count(db.create_model("dmphn_1_2_4_8")) == 4 * PER_LEVEL == 7_232_524


def test_1_2_4_8_layout_extends_1_2_4_by_a_fourth_level() -> None:
    layout = state_dict_layout(db.create_model("dmphn_1_2_4_8"))
    prefixes = list(dict.fromkeys(key.split(".", 1)[0] for key, _ in layout))
    assert prefixes == [f"encoder_lv{i}" for i in range(1, 5)] + [f"decoder_lv{i}" for i in range(1, 5)]
    ref = manifest_layout(load_manifest("dmphn_1_2_4"))
    for prefix in prefixes:
        part = [(k.split(".", 1)[1], s) for k, s in layout if k.startswith(prefix + ".")]
        same_kind = "encoder_lv1." if prefix.startswith("encoder") else "decoder_lv1."
        assert part == [(k.removeprefix(same_kind), s) for k, s in ref if k.startswith(same_kind)]


def test_levels_other_than_3_or_4_are_refused() -> None:
    with pytest.raises(ValueError, match="levels"):
        DMPHN(levels=2)


def authors_1_2_4_8(m: DMPHN, images_lv1: torch.Tensor) -> torch.Tensor:
    """DMPHN_1_2_4_8_test.py's loop body, statement for statement."""
    H, W = images_lv1.size(2), images_lv1.size(3)  # noqa: N806
    images_lv2_1 = images_lv1[:, :, 0 : int(H / 2), :]
    images_lv2_2 = images_lv1[:, :, int(H / 2) : H, :]
    images_lv3_1 = images_lv2_1[:, :, :, 0 : int(W / 2)]
    images_lv3_2 = images_lv2_1[:, :, :, int(W / 2) : W]
    images_lv3_3 = images_lv2_2[:, :, :, 0 : int(W / 2)]
    images_lv3_4 = images_lv2_2[:, :, :, int(W / 2) : W]
    images_lv4_1 = images_lv3_1[:, :, 0 : int(H / 4), :]
    images_lv4_2 = images_lv3_1[:, :, int(H / 4) : int(H / 2), :]
    images_lv4_3 = images_lv3_2[:, :, 0 : int(H / 4), :]
    images_lv4_4 = images_lv3_2[:, :, int(H / 4) : int(H / 2), :]
    images_lv4_5 = images_lv3_3[:, :, 0 : int(H / 4), :]
    images_lv4_6 = images_lv3_3[:, :, int(H / 4) : int(H / 2), :]
    images_lv4_7 = images_lv3_4[:, :, 0 : int(H / 4), :]
    images_lv4_8 = images_lv3_4[:, :, int(H / 4) : int(H / 2), :]
    f4 = [
        m.encoder_lv4(p)
        for p in (
            images_lv4_1,
            images_lv4_2,
            images_lv4_3,
            images_lv4_4,
            images_lv4_5,
            images_lv4_6,
            images_lv4_7,
            images_lv4_8,
        )
    ]
    feature_lv4_top_left = torch.cat((f4[0], f4[1]), 2)
    feature_lv4_top_right = torch.cat((f4[2], f4[3]), 2)
    feature_lv4_bot_left = torch.cat((f4[4], f4[5]), 2)
    feature_lv4_bot_right = torch.cat((f4[6], f4[7]), 2)
    feature_lv4_top = torch.cat((feature_lv4_top_left, feature_lv4_top_right), 3)
    feature_lv4_bot = torch.cat((feature_lv4_bot_left, feature_lv4_bot_right), 3)
    residual_lv4_top_left = m.decoder_lv4(feature_lv4_top_left)
    residual_lv4_top_right = m.decoder_lv4(feature_lv4_top_right)
    residual_lv4_bot_left = m.decoder_lv4(feature_lv4_bot_left)
    residual_lv4_bot_right = m.decoder_lv4(feature_lv4_bot_right)

    feature_lv3_1 = m.encoder_lv3(images_lv3_1 + residual_lv4_top_left)
    feature_lv3_2 = m.encoder_lv3(images_lv3_2 + residual_lv4_top_right)
    feature_lv3_3 = m.encoder_lv3(images_lv3_3 + residual_lv4_bot_left)
    feature_lv3_4 = m.encoder_lv3(images_lv3_4 + residual_lv4_bot_right)
    feature_lv3_top = torch.cat((feature_lv3_1, feature_lv3_2), 3) + feature_lv4_top
    feature_lv3_bot = torch.cat((feature_lv3_3, feature_lv3_4), 3) + feature_lv4_bot
    feature_lv3 = torch.cat((feature_lv3_top, feature_lv3_bot), 2)
    residual_lv3_top = m.decoder_lv3(feature_lv3_top)
    residual_lv3_bot = m.decoder_lv3(feature_lv3_bot)

    feature_lv2_1 = m.encoder_lv2(images_lv2_1 + residual_lv3_top)
    feature_lv2_2 = m.encoder_lv2(images_lv2_2 + residual_lv3_bot)
    feature_lv2 = torch.cat((feature_lv2_1, feature_lv2_2), 2) + feature_lv3
    residual_lv2 = m.decoder_lv2(feature_lv2)

    feature_lv1 = m.encoder_lv1(images_lv1 + residual_lv2) + feature_lv2
    return m.decoder_lv1(feature_lv1)


def test_1_2_4_8_forward_is_the_authors_test_loop() -> None:
    restorer = db.Restorer("dmphn_1_2_4_8", dtype=torch.float64, clamp=False)
    apply_fill(restorer.model)
    x = rand(1, 3, 32, 16, dtype=torch.float64)  # no padding: multiples of 16
    with torch.no_grad():
        ref = authors_1_2_4_8(restorer.model, x - 0.5) + 0.5
    y = restorer(x)
    assert torch.linalg.vector_norm(y - ref) / torch.linalg.vector_norm(ref) < 1e-12
    # The fourth level matters: a 1-2-4 model with the same first three levels differs.
    three = DMPHN(levels=3).double()
    three.load_state_dict({k: v for k, v in restorer.model.state_dict().items() if "lv4" not in k})
    with torch.no_grad():
        assert not torch.allclose(three(x - 0.5) + 0.5, y)


def test_restorer_applies_the_offsets() -> None:
    spec = db.get_spec("dmphn_1_2_4")
    assert (spec.interface.scale, spec.interface.shift, spec.interface.output) == (1.0, -0.5, None)
    restorer = db.Restorer("dmphn_1_2_4", clamp=False)
    x = rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(restorer(x), restorer.model(x - 0.5) + 0.5)


@pytest.mark.parametrize(("bad", "good"), [((8, 8), (16, 8)), ((24, 16), (32, 8))])
def test_1_2_4_8_needs_h_multiple_of_16_and_w_of_8(bad: tuple[int, int], good: tuple[int, int]) -> None:
    """Level-4 patches are H/4 x W/2: W needs only a multiple of 8, which the spec's one
    multiple (16) cannot say (test_contract.py marks 16 x 24 as that spec bug)."""
    model = DMPHN(levels=4).eval()
    with torch.no_grad():
        assert model(rand(1, 3, *good)).shape == (1, 3, *good)
        with pytest.raises(RuntimeError):
            model(rand(1, 3, *bad))


def test_spec_sizes_and_fidelity() -> None:
    small, big = db.get_spec("dmphn_1_2_4"), db.get_spec("dmphn_1_2_4_8")
    assert (small.multiple, small.min_size, small.fidelity) == (8, 8, "manifest")
    assert (big.multiple, big.min_size, big.fidelity) == (16, 16, "unproven")
    for spec in (small, big):
        assert spec.unused_modules == ()


def test_merge_official_checkpoints(tmp_path) -> None:
    source = DMPHN(levels=3)
    for name in ("encoder_lv1", "encoder_lv2", "encoder_lv3", "decoder_lv1", "decoder_lv2", "decoder_lv3"):
        torch.save(getattr(source, name).state_dict(), tmp_path / f"{name}.pkl")
    state = merge_official_checkpoints(tmp_path)
    target = DMPHN(levels=3)
    target.load_state_dict(state, strict=True)
    assert torch.equal(target.decoder_lv3.layer24.weight, source.decoder_lv3.layer24.weight)
    # Saved as one file, it goes through create_model's strict loader.
    torch.save(state, tmp_path / "merged.pth")
    loaded = db.create_model("dmphn_1_2_4", weights=tmp_path / "merged.pth")
    assert torch.equal(loaded.encoder_lv2.layer10[2].bias, source.encoder_lv2.layer10[2].bias)
    with pytest.raises(FileNotFoundError, match="encoder_lv4"):
        merge_official_checkpoints(tmp_path, levels=4)


def test_a_deeper_folder_is_refused_not_read_in_part(tmp_path) -> None:
    """The 1-2-4-8 folder holds encoder_lv1..3 too: loading those into 1-2-4 would give a network
    whose weights were trained in another hierarchy, so the folder is refused, naming the extra files."""
    source = DMPHN(levels=4)
    for name, child in source.named_children():
        torch.save(child.state_dict(), tmp_path / f"{name}.pkl")
    assert len(merge_official_checkpoints(tmp_path, levels=4)) == len(source.state_dict())
    with pytest.raises(CheckpointError, match=r"decoder_lv4.pkl, encoder_lv4.pkl: a DMPHN with more than 3"):
        db.create_model("dmphn_1_2_4", weights=tmp_path)


def test_official_checkpoints_are_the_committed_folders_with_their_hashes() -> None:
    for name, levels in (("dmphn_1_2_4", 3), ("dmphn_1_2_4_8", 4)):
        spec = db.get_spec(name)
        (checkpoint,) = spec.checkpoints
        folder = {3: "DMPHN_1_2_4", 4: "DMPHN_1_2_4_8"}[levels]
        assert checkpoint.name == f"{folder}/" and checkpoint.is_folder
        assert f"checkpoints/{folder}/" in checkpoint.where and spec.repo in checkpoint.where
        assert checkpoint.datasets == ("gopro", "hide")
        expected = {f"{part}_lv{lv}.pkl" for part in ("encoder", "decoder") for lv in range(1, levels + 1)}
        assert set(checkpoint.sha256) == expected == set(checkpoint.files)
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in checkpoint.sha256.values())
    assert db.get_spec("dmphn_1_2_4").checkpoints[0].sha256["encoder_lv1.pkl"] == (
        "64b21c627f67382b20d472689a4766c6426d1f3b11763e73cde0cd13270064e1"
    )
    assert db.get_spec("dmphn_1_2_4_8").checkpoints[0].sha256["decoder_lv4.pkl"] == (
        "5f88c7117f902ce7087ba18fc2b4ec395680d2ad2e6ddc0931284c8e4f1c25e5"
    )


@pytest.mark.skipif(not (REAL / "SHA256SUMS").is_file(), reason="the shared real-data folder is absent")
def test_recorded_hashes_match_the_authors_files_which_load_strictly() -> None:
    sums = {}
    for line in (REAL / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        sums[path.removeprefix("./")] = digest
    for name in ("dmphn_1_2_4", "dmphn_1_2_4_8"):
        (checkpoint,) = db.get_spec(name).checkpoints
        folder = REAL / "dmphn" / checkpoint.name
        for file, digest in checkpoint.sha256.items():
            assert sums[f"dmphn/{checkpoint.name}{file}"] == digest
            assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest
        db.create_model(name, weights=folder)  # the spec's reader merges the folder; strict load


def test_published_figures_sit_on_1_2_4_with_their_sources() -> None:
    small, big = db.get_spec("dmphn_1_2_4"), db.get_spec("dmphn_1_2_4_8")
    figures = small.figures()
    assert big.figures() == ()  # no source names the 1-2-4-8 model
    by = {(f.quantity, f.reporter, f.dataset): f for f in figures}
    # LFDN's "21.7" Model Size (MB) and the MPRNet maintainer's "21.7 Million": both the
    # 1-2-4 model, 5,424,393 parameters x 4 bytes.
    size = by[("model_size", "LFDN (Sensors 2021) Table 3", "")]
    assert (size.value, size.unit, size.printed, size.label) == (21.7, "MB", "Model Size (MB)", "DMPHN [11]")
    assert "LiQiang0307/LFDN@" in size.source and "fig/8.png" in size.source
    assert round(count(db.create_model("dmphn_1_2_4")) * 4 / 1e6, 1) == size.value
    quote = by[("params", "MPRNet issue #6 (maintainer)", "")]
    assert (quote.value, quote.unit, quote.printed) == (21.7, "M", "21.7 Million")
    assert "swz30/MPRNet/issues/6" in quote.source and "5.4" in quote.note
    assert by[("psnr", "LFDN (Sensors 2021) Table 3", "gopro")].value == 30.21
    assert by[("ssim", "LFDN (Sensors 2021) Table 3", "gopro")].value == 0.9345
    assert by[("psnr", "HINet Table 2 (README figure)", "gopro")].value == 31.20
    assert by[("ssim", "HINet Table 2 (README figure)", "gopro")].label == "DMPHN [57]"
    assert by[("psnr", "MIMO-UNet README", "gopro")].value == 31.20
    mimo = {f.sync: f for f in figures if f.quantity == "runtime" and f.reporter == "MIMO-UNet README"}
    assert (mimo[False].value, mimo[True].value) == (0.308, 0.588)
    assert {f.device for f in mimo.values()} == {"RTX 3090"}
    (own,) = [f for f in figures if f.own]
    assert (own.quantity, own.value, own.unit, own.size) == ("runtime", 30.0, "ms", (720, 1280))
    assert "openaccess.thecvf.com" in own.source and "basic multi-patch model" in own.source
    assert all(f.note for f in figures if not f.own), (
        "each second-hand DMPHN figure says why it sits on 1-2-4"
    )
    assert len(figures) == 11
    # The authors' 1-2-4-8 outputs are not from the committed checkpoint: said where fidelity is recorded.
    assert "56 dB" in big.notes and "92 dB" in big.notes and "DMPHN_1_2_4_8_test.py" in big.notes
    assert "30.21" in small.notes and "31.20" in small.notes  # the discrepancy REPORTED.md lists
