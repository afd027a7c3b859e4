"""Figures: written and non-empty from data, skipped (no crash) without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import MACS_COLUMN

from deblurbench.reports import plots


def test_every_figure_skips_without_data(tmp_path: Path) -> None:
    empty = pd.DataFrame()
    assert plots.macs_vs_params(empty, tmp_path / "a", "GMACs @256x256 (fvcore)") == []
    assert plots.psnr_vs_params(empty, tmp_path / "b") == []
    assert (
        plots.psnr_vs_latency(pd.DataFrame({"Network": ["LMFN"], "Params (M)": [1.2]}), tmp_path / "c") == []
    )
    assert plots.cost_vs_resolution(empty, empty, tmp_path / "d") == []
    assert plots.psnr_distribution(empty, tmp_path / "e") == []
    assert plots.comparison_strip([], tmp_path / "f") == []
    assert list(tmp_path.iterdir()) == []


def test_cost_vs_resolution_needs_two_sizes(tmp_path: Path) -> None:
    one = pd.DataFrame(
        {"model": ["lmfn"], "pixels": [65536], "gmacs_torch_flop_counter": [4.5], "gmacs_fvcore": [4.5]}
    )
    assert plots.cost_vs_resolution(one, pd.DataFrame(), tmp_path / "cost") == []


def test_comparison_strip_from_arrays_and_files(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    blurry = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    restored = rng.random((3, 64, 80)).astype(np.float32)  # (C, H, W) floats, as a tensor would be
    sharp_file = tmp_path / "sharp.png"
    Image.fromarray(blurry).save(sharp_file)
    written = plots.comparison_strip(
        [("Blurry input", blurry), ("LMFN", restored), ("Sharp (ground truth)", sharp_file)],
        tmp_path / "strip",
        crop=(8, 8, 48, 48),
    )
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in written)


def test_strip_panels_finds_saved_images(tmp_path: Path) -> None:
    from PIL import Image

    from deblurbench.bench.evaluate import image_folder, sharp_folder

    def row(model: str, weights: str = "", split: str = "test") -> dict[str, str]:
        return {"model": model, "weights": weights, "dataset": "gopro", "variant": "", "split": split}

    for folder in (image_folder(tmp_path, row("identity")), image_folder(tmp_path, row("lmfn", "a@1"))):
        target = folder / "GOPR0384_11_00" / "000001.png"
        target.parent.mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(target)
    target = sharp_folder(tmp_path, row("")) / "GOPR0384_11_00" / "000001.png"
    target.parent.mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(target)
    rows = [(row("identity"), "Identity"), (row("lmfn", "a@1"), "LMFN"), (row("hinet"), "HINet")]
    panels = plots.strip_panels(tmp_path, "GOPR0384_11_00/000001", rows)
    assert [label for label, _ in panels] == ["Blurry input", "LMFN", "Sharp (ground truth)"]
    # other weights of the same network are another folder: never shown under this label
    assert plots.strip_panels(tmp_path, "GOPR0384_11_00/000001", [(row("lmfn", "b@2"), "LMFN [b]")]) == [
        ("Sharp (ground truth)", target)
    ]
    # another split of the same dataset is another folder: its ids never meet the test split's
    assert plots.strip_panels(tmp_path, "GOPR0384_11_00/000001", [(row("lmfn", "a@1", "tiny"), "LMFN")]) == []


def test_bubble_sizes_have_a_key(tmp_path: Path, networks: pd.DataFrame, drawn: list) -> None:
    assert plots.psnr_vs_params(networks, tmp_path / "psnr", "LMFN")
    legend = drawn[0].axes[0].get_legend()
    assert MACS_COLUMN in legend.get_title().get_text()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["20 GMACs", "100 GMACs", "760 GMACs"]  # the largest, 760.018, to two digits
    areas = [float(h.get_sizes()[0]) for h in legend.legend_handles]
    largest = networks[MACS_COLUMN].max()
    assert areas == pytest.approx([30 + 870 * v / largest for v in (20, 100, 760)])
    # the key's sizes are the points' sizes: the largest point is drawn at (about) the largest key size
    points = [c for c in drawn[0].axes[0].collections if len(c.get_offsets())]
    assert max(float(c.get_sizes()[0]) for c in points) == pytest.approx(900.0)


def test_no_bubble_no_key(tmp_path: Path, networks: pd.DataFrame, drawn: list) -> None:
    assert plots.macs_vs_params(networks, tmp_path / "macs", MACS_COLUMN, "LMFN")
    assert drawn[0].axes[0].get_legend() is None


def _sizes_frames(networks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complexity of every network, and latency of every network and reference method, at two sizes."""
    models = [f"net{i:02d}" for i in range(len(networks))] + ["lmfn"]
    sizes = [(256 * 256, 1.0), (720 * 1280, 14.06)]
    complexity = pd.DataFrame(
        [
            {"model": m, "pixels": px, "gmacs_torch_flop_counter": (i + 1) * f}
            for i, m in enumerate(models)
            for px, f in sizes
        ]
    )
    timed = [*models, "identity", "wiener", "richardson_lucy"]
    latency = pd.DataFrame(
        [
            {
                "model": m,
                "pixels": px,
                "median_ms": (i + 1) * f,
                "sync": 1,
                "batch": 1,
                "device_name": "CPU",
                "dtype": "float32",
            }
            for i, m in enumerate(timed)
            for px, f in sizes
        ]
    )
    return complexity, latency


def test_cost_vs_resolution_gives_every_line_its_own_colour_and_marker(
    tmp_path: Path, networks: pd.DataFrame, drawn: list
) -> None:
    from matplotlib.colors import to_hex

    complexity, latency = _sizes_frames(networks)
    names = {"lmfn": "LMFN", "identity": "Blurry input"}
    assert plots.cost_vs_resolution(complexity, latency, tmp_path / "cost", names, "LMFN")
    styles = {}
    for ax in drawn[0].axes:
        lines = {line.get_label(): line for line in ax.get_lines()}
        pairs = [(to_hex(line.get_color()), line.get_marker()) for line in lines.values()]
        assert len(set(pairs)) == len(pairs), "two lines share a colour and a marker"
        for label, line in lines.items():  # a network keeps its style from panel to panel
            style = (to_hex(line.get_color()), line.get_marker())
            assert styles.setdefault(label, style) == style, f"{label} changes style between panels"
    assert len(drawn[0].axes) == 2 and len(styles) == len(networks) + 1 + 3
    subject = next(line for line in drawn[0].axes[0].get_lines() if line.get_label() == "LMFN")
    assert to_hex(subject.get_color()) == to_hex(plots.HIGHLIGHT_COLOUR) and subject.get_linewidth() > 2
    others = [s for label, s in styles.items() if label != "LMFN"]
    assert all(colour != to_hex(plots.HIGHLIGHT_COLOUR) for colour, _ in others)  # vermilion is the subject's
    assert styles["Blurry input"][0] == to_hex(plots.REFERENCE_COLOUR)


def test_strip_panels_carry_their_psnr_against_the_sharp_image(tmp_path: Path, drawn: list) -> None:
    rng = np.random.default_rng(1)
    sharp = rng.integers(20, 236, (64, 80, 3), dtype=np.uint8)
    restored = sharp.copy()
    restored[:8] += 10  # off by 10 grey levels in the top rows only, outside the crop
    mse = (8 * 80 * 3 * 10**2) / sharp.size
    blurry = np.clip(sharp.astype(int) + rng.integers(-20, 21, sharp.shape), 0, 255).astype(np.uint8)
    mse_blurry = np.mean((blurry.astype(float) - sharp) ** 2)
    plots.comparison_strip(
        [("Blurry input", blurry), ("LMFN", restored), (plots.SHARP, sharp)],
        tmp_path / "strip",
        crop=(16, 16, 32, 32),
    )
    titles = [ax.get_title() for ax in drawn[0].axes]
    expected = [10 * np.log10(255**2 / m) for m in (mse_blurry, mse)]
    assert titles == [f"PSNR {expected[0]:.2f} dB", f"PSNR {expected[1]:.2f} dB", ""]


def test_panel_psnr_is_metrics_psnr_on_8_bit_images() -> None:
    import torch

    from deblurbench.bench.metrics import psnr

    rng = np.random.default_rng(2)
    sharp, output = rng.random((2, 16, 16, 3))
    scores = plots.panel_psnr([("a", output), (plots.SHARP, sharp), ("small", output[:8])])
    as_8_bit = [torch.from_numpy(np.round(x * 255) / 255).permute(2, 0, 1)[None] for x in (output, sharp)]
    assert scores[0] == pytest.approx(float(psnr(*as_8_bit)[0]))
    assert scores[1:] == [None, None]  # the sharp panel itself; another size
    assert plots.panel_psnr([("a", output)]) == [None]  # no sharp panel: nothing to measure against


def _claim_points() -> pd.DataFrame:
    from conftest import NETWORK_ROWS

    rows = pd.DataFrame(NETWORK_ROWS, columns=["Network", "params_m", "gmacs", "psnr"])
    extra = pd.DataFrame(
        [
            {"Network": "Unmeasured", "params_m": 0.5, "gmacs": np.nan, "psnr": 30.0},
            {"Network": "Unscored", "params_m": 0.4, "gmacs": 1.0, "psnr": np.nan},
        ]
    )
    return pd.concat([rows, extra], ignore_index=True)


def test_claim_figure_draws_each_panels_pareto_front(tmp_path: Path, drawn: list) -> None:
    from deblurbench.reports.pareto import pareto_front

    points = _claim_points()
    written = plots.claim_figure(points, tmp_path / "claim", "LMFN", "LMFN's claim")
    assert [p.suffix for p in written] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in written)
    gmacs_ax, params_ax = drawn[0].axes
    fronts = {}
    for ax, cost in ((gmacs_ax, "gmacs"), (params_ax, "params_m")):
        assert ax.get_xscale() == "log"
        usable = points.dropna(subset=[cost, "psnr"])
        front = usable[pareto_front(usable[cost].tolist(), usable["psnr"].tolist())].sort_values(cost)
        front = front.drop_duplicates(subset=[cost, "psnr"])  # twins are one point
        (line,) = [line for line in ax.get_lines() if line.get_gid() == plots.FRONT_GID]
        assert line.get_drawstyle() == "steps-post"
        assert list(line.get_xdata()) == front[cost].tolist()
        assert list(line.get_ydata()) == front["psnr"].tolist()
        labels = {t.get_text(): t for t in ax.texts}
        assert "Unscored" not in labels  # no PSNR: in neither panel
        assert labels["LMFN"].get_fontweight() == "bold"
        assert "NAFNet-GoPro-width32 (+ TLC)" in labels and "NAFNet-GoPro-width32" not in labels
        fronts[cost] = list(line.get_xdata())
    assert "Unmeasured" not in {t.get_text() for t in gmacs_ax.texts}  # no GMACs: left out of that panel
    assert "Unmeasured" in {t.get_text() for t in params_ax.texts}  # but drawn in the other,
    assert fronts["params_m"][:2] == [0.5, 1.247707]  # the cheapest there, so first on its front
    assert fronts["gmacs"][:2] == [2.761, 4.493] and len(fronts["gmacs"]) == 5
    assert plots.claim_figure(points.iloc[0:0], tmp_path / "none", "LMFN") == []


def test_latency_figures_mark_a_timing_on_a_busy_machine(
    tmp_path: Path, networks: pd.DataFrame, drawn: list
) -> None:
    complexity, latency = _sizes_frames(networks)
    latency["doubt"] = ["busy machine (load 7.5 on 2 cores)" if m == "lmfn" else "" for m in latency["model"]]
    assert plots.cost_vs_resolution(complexity, latency, tmp_path / "cost", {"lmfn": "LMFN"}, "LMFN")
    labels = [c.get_label() for ax in drawn[0].axes for c in ax.collections]
    assert plots.DOUBT_MARK in labels
    paper = pd.DataFrame(
        {
            "Network": ["A", "B"],
            "PSNR (dB) gopro": [30.0, 31.0],
            "CPU latency (ms) @256x256": [10.0, 20.0],
            "CPU latency note": ["", "busy machine (load 7.5 on 2 cores)"],
        }
    )
    assert plots.psnr_vs_latency(paper, tmp_path / "lat")
    texts = [t.get_text() for t in drawn[1].axes[0].texts]
    assert any(t == f"B ({plots.DOUBT_MARK})" for t in texts), texts


def test_psnr_distribution_draws_the_same_dots_every_time(tmp_path: Path) -> None:
    """The strip plot's jitter is seeded: two drawings of the same rows are the same image, and the
    caller's numpy generator is left where it was."""
    rows = pd.DataFrame({"label": ["A"] * 6 + ["B"] * 6, "psnr": np.linspace(24, 30, 12)})
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = plots.psnr_distribution(rows, tmp_path / "one.png")[0].read_bytes()
    assert (np.random.get_state()[1] == before).all()  # the caller's generator is where it was
    np.random.rand()  # move the global generator: the figure must not depend on it
    second = plots.psnr_distribution(rows, tmp_path / "two.png")[0].read_bytes()
    assert first == second


def test_save_lays_a_figure_out_once_for_both_formats(tmp_path: Path) -> None:
    """The PNG is the file ``bbox_inches="tight"`` writes; the SVG is cropped to the same box."""
    import re

    import matplotlib.pyplot as plt
    from PIL import Image

    def figure() -> plt.Figure:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([1, 10], [2, 3])
        ax.set_title("A title far wider than the axes it is set over, out to the right")
        ax.set_ylabel("PSNR (dB)")
        return fig

    reference = figure()
    reference.savefig(tmp_path / "tight.png", dpi=plots.DPI, bbox_inches="tight")
    plt.close(reference)
    fig = figure()
    box = plots.tight_box(fig)
    png, svg = plots.save(fig, tmp_path / "once")
    assert png.read_bytes() == (tmp_path / "tight.png").read_bytes()
    assert Image.open(png).size == (round(box.width * plots.DPI), round(box.height * plots.DPI))
    page = re.search(r'<svg [^>]*width="([0-9.]+)pt" height="([0-9.]+)pt"', svg.read_text())
    assert page is not None
    assert (float(page[1]), float(page[2])) == pytest.approx((box.width * 72, box.height * 72), abs=1e-5)
