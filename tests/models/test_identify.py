"""``weights identify``: a checkpoint's keys and shapes against every registered network's.

State dicts are written with one-element tensors expanded to each shape (``torch.zeros(()).expand``):
the file keeps every key and shape and a single float per tensor, so even the 68M-parameter
NAFNet is a few hundred kilobytes and its network is never built in real memory (meta device).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

import deblurbench as db
from deblurbench.cli import main
from deblurbench.models.identify import EXACT, FITS, NEAREST, NONE, UNREADABLE, identify

from reference import cheap_state, meta_shapes

NAMES = db.list_models()
REAL = Path(os.environ.get("DEBLURBENCH_REAL", Path(__file__).resolve().parents[3] / "shared" / "real"))

# Registered names that build the same state dict (same keys, same shapes): a checkpoint of one
# is a checkpoint of each, so identify must name them all. NAFNet's TLC names differ only in how
# the pooling runs at test time.
TWINS: dict[str, set[str]] = {
    "nafnet_gopro_width32": {"nafnet_gopro_width32_tlc"},
    "nafnet_gopro_width32_tlc": {"nafnet_gopro_width32"},
    "nafnet_gopro_width64": {"nafnet_gopro_width64_tlc"},
    "nafnet_gopro_width64_tlc": {"nafnet_gopro_width64"},
}


def save(path: Path, state: object) -> Path:
    torch.save(state, path)
    return path


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_state_dict_names_its_network_and_its_twins(name: str, tmp_path: Path) -> None:
    shapes = meta_shapes(name)
    path = save(tmp_path / f"{name}.pth", cheap_state(shapes))
    assert path.stat().st_size < 4096 + 512 * len(shapes)  # one float per tensor, not the weights
    assert {k: tuple(v.shape) for k, v in torch.load(path, weights_only=True).items()} == shapes

    found = identify(path)

    assert found.verdict == EXACT, found.row()
    assert {c.network for c in found.matches} == {name} | TWINS.get(name, set())
    assert found.row()["missing"] == found.row()["unexpected"] == found.row()["misshaped"] == 0
    assert found.keys == len(shapes)


def test_official_wrappings_are_undone_as_loading_undoes_them(tmp_path: Path) -> None:
    """BasicSR's {'params': ...} with DataParallel's 'module.' prefix: the loader's own unwrapping."""
    state = {f"module.{k}": v for k, v in cheap_state(meta_shapes("lmfn")).items()}
    path = save(tmp_path / "basicsr.pth", {"params": state, "iter": 3})
    found = identify(path)
    assert (found.verdict, [c.network for c in found.matches]) == (EXACT, ["lmfn"])


def test_a_per_module_folder_is_read_by_its_network_s_reader(tmp_path: Path) -> None:
    """DMPHN's layout (one file per submodule, keys without the prefix), 1-2-4-8: never taken for
    1-2-4, whose reader would read only the first three levels."""
    folder = tmp_path / "DMPHN_1_2_4_8"
    folder.mkdir()
    state = cheap_state(meta_shapes("dmphn_1_2_4_8"))
    for module in sorted({k.split(".")[0] for k in state}):
        prefix = f"{module}."
        save(
            folder / f"{module}.pkl", {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        )
    found = identify(folder)
    assert (found.verdict, [c.network for c in found.matches]) == (EXACT, ["dmphn_1_2_4_8"])
    shallower = identify(folder, ["dmphn_1_2_4"])
    assert shallower.verdict == NEAREST
    assert shallower.row()["unexpected"] == 60 and shallower.row()["missing"] == 0


@pytest.mark.skipif(not (REAL / "dmphn").is_dir(), reason=f"no real data at {REAL}")
@pytest.mark.parametrize(
    ("folder", "name", "keys"), [("DMPHN_1_2_4", "dmphn_1_2_4", 180), ("DMPHN_1_2_4_8", "dmphn_1_2_4_8", 240)]
)
def test_the_authors_dmphn_folders(folder: str, name: str, keys: int) -> None:
    found = identify(REAL / "dmphn" / folder)
    assert (found.verdict, [c.network for c in found.matches], found.keys) == (EXACT, [name], keys)
    other = next(c for c in found.ranking if c.network != name)
    assert other.network.startswith("dmphn") and other.mismatches == 60  # one level more or less


def test_a_perturbed_dict_gives_the_nearest_with_its_counts(tmp_path: Path) -> None:
    shapes = meta_shapes("lmfn")
    dropped, reshaped = list(shapes)[5], list(shapes)[-1]
    del shapes[dropped]
    shapes[reshaped] = (*shapes[reshaped], 2)
    shapes["extra.weight"] = (4, 4)
    found = identify(save(tmp_path / "perturbed.pth", cheap_state(shapes)))
    assert (found.verdict, [c.network for c in found.matches]) == (NEAREST, ["lmfn"])
    row = found.row()
    assert (row["missing"], row["unexpected"], row["misshaped"]) == (1, 1, 1)
    assert dropped in row["detail"] and "extra.weight" in row["detail"] and reshaped in row["detail"]
    assert row["options"] == ""  # nothing fits: an option is named only when the rebuilt network matches


@pytest.mark.parametrize(
    ("name", "options", "fitting"),
    [
        ("nafnet_gopro_width32", {"width": 16}, {"nafnet_gopro_width32", "nafnet_gopro_width32_tlc"}),
        ("lmfn", {"nf": 32}, {"lmfn"}),
        ("mimo_unet", {"num_res": 12}, {"mimo_unet"}),
        ("deblurgan", {"n_blocks": 5}, {"deblurgan"}),  # a Sequential: the count shifts later indices
    ],
)
def test_a_changed_option_is_found_and_confirmed(
    name: str, options: dict[str, int], fitting: set[str], tmp_path: Path
) -> None:
    found = identify(save(tmp_path / "variant.pth", cheap_state(meta_shapes(name, **options))))
    assert found.verdict == FITS, found.row()
    assert {c.network for c in found.matches} == fitting
    assert found.options == " ".join(f"{k}={v}" for k, v in options.items())
    assert found.row()["detail"].startswith("as registered: ")


def test_variants_registered_apart_are_told_apart(tmp_path: Path) -> None:
    """MIMO-UNet vs MIMO-UNet+, NAFNet width 32 vs 64: separate entries, found by the exact rule."""
    for name in ("mimo_unet_plus", "nafnet_gopro_width64"):
        found = identify(save(tmp_path / f"{name}.pth", cheap_state(meta_shapes(name))))
        assert found.verdict == EXACT and found.matches[0].network == name


def test_a_dict_no_network_shares_a_key_with_is_none(tmp_path: Path) -> None:
    found = identify(save(tmp_path / "other.pth", {"fc.weight": torch.zeros(()).expand(10, 4)}))
    assert found.verdict == NONE and not found.matches
    assert "fc.weight" in found.row()["detail"]


class _RunsCode:
    """Pickles as a call: what a malicious checkpoint holds."""

    def __reduce__(self) -> tuple:
        return (os.getcwd, ())


def bad_files(root: Path) -> dict[str, tuple[Path, str]]:
    """Files that are no checkpoint, each with a word its one-line reason must hold."""
    (root / "empty.pth").write_bytes(b"")
    (root / "text.pth").write_text("hello, I am not a checkpoint\n")
    (root / "random.pth").write_bytes(bytes(range(256)) * 4)
    torch.save({"state_dict": _RunsCode()}, root / "evil.pth")
    torch.save(torch.zeros(3), root / "tensor.pth")
    (root / "folder").mkdir()
    return {
        "missing": (root / "nowhere.pth", "no such file"),
        "empty": (root / "empty.pth", "empty"),
        "text": (root / "text.pth", "neither a torch zip file nor a pickle"),
        "random": (root / "random.pth", "neither a torch zip file nor a pickle"),
        "malicious": (root / "evil.pth", "could run code"),
        "a bare tensor": (root / "tensor.pth", "not a state dict"),
        "a folder of nothing": (root / "folder", "no network's folder reader accepts"),
    }


def test_bad_files_are_one_line_each_and_the_others_are_identified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = save(tmp_path / "lmfn.pth", cheap_state(meta_shapes("lmfn")))
    bad = bad_files(tmp_path)
    argv = ["weights", "identify", str(good), *(str(p) for p, _ in bad.values()), "--format", "json"]
    assert main(argv) == 1  # not every file loads
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert err == "" and [r["file"] for r in rows] == [str(good), *(str(p) for p, _ in bad.values())]
    assert rows[0]["verdict"] == EXACT and rows[0]["matches"][0]["network"] == "lmfn"
    for row, (what, (path, word)) in zip(rows[1:], bad.items(), strict=True):
        assert row["verdict"] == UNREADABLE, what
        assert "\n" not in row["error"] and str(path) in row["error"] and word in row["error"], (what, row)


def test_the_table_has_one_row_per_file_and_exit_0_when_all_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = save(tmp_path / "lmfn.pth", cheap_state(meta_shapes("lmfn")))
    two = save(tmp_path / "mimo.pth", cheap_state(meta_shapes("mimo_unet", num_res=12)))
    assert main(["weights", "identify", str(one), str(two)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "lmfn" in lines[1] and "num_res=12" in lines[2]
    assert main(["weights", "identify", str(one), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("file,verdict,networks,options")


def test_weights_without_a_folder_or_identify_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["weights"]) == 2
    assert "--weights-dir" in capsys.readouterr().err


def test_identify_with_a_weights_dir_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = save(tmp_path / "lmfn.pth", cheap_state(meta_shapes("lmfn")))
    assert main(["weights", "--weights-dir", str(tmp_path), "identify", str(one)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--weights-dir does not apply" in err
