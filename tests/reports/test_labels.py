"""Label placement: no label overprints another label, another point's marker, or a line."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import MACS_COLUMN
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from deblurbench.reports import plots
from deblurbench.reports.labels import PointLabel, place_labels, place_panel_labels


def _label_boxes(ax: plt.Axes) -> dict[str, Bbox]:
    """The display boxes of the point labels (annotations of a data point), by text."""
    ax.figure.canvas.draw()  # annotations take their places when drawn
    renderer = ax.figure.canvas.get_renderer()
    found = [t for t in ax.texts if isinstance(t, Annotation) and t.xycoords == "data"]
    return {t.get_text(): Text.get_window_extent(t, renderer) for t in found}  # the text, not its leader


def _markers(ax: plt.Axes) -> tuple[np.ndarray, np.ndarray]:
    """Display centres and radii (pixels) of every drawn scatter marker."""
    centres, radii = [], []
    for collection in ax.collections:
        offsets = collection.get_offsets()
        if len(offsets) == 0:  # a size key's handle, not a point
            continue
        centres += list(collection.get_offset_transform().transform(offsets))
        radii += list(np.sqrt(collection.get_sizes()) / 2 * ax.figure.dpi / 72 * np.ones(len(offsets)))
    return np.array(centres), np.array(radii)


def _overlap(a: Bbox, b: Bbox) -> float:
    """The area two boxes share (0 where they are apart or only touch)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def _assert_clear(ax: plt.Axes) -> dict[str, Bbox]:
    """No two labels share any area, and no label box reaches a marker other than its own point's."""
    boxes = _label_boxes(ax)
    for (a, box_a), (b, box_b) in combinations(boxes.items(), 2):
        assert _overlap(box_a, box_b) == 0, f"{a!r} overprints {b!r}"
    centres, radii = _markers(ax)
    for text, box in boxes.items():
        (annotation,) = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text() == text]
        own = ax.transData.transform(annotation.xy)
        for centre, radius in zip(centres, radii, strict=True):
            if np.allclose(centre, own):
                continue
            assert not box.contains(*centre), f"{text!r} covers another point"
            nearest = np.clip(centre, [box.x0, box.y0], [box.x1, box.y1])
            assert np.hypot(*(nearest - centre)) >= radius, f"{text!r} overprints another marker"
    return boxes


def test_macs_vs_params_labels_of_all_networks_never_overprint(
    tmp_path: Path, networks: pd.DataFrame, drawn: list[plt.Figure]
) -> None:
    assert plots.macs_vs_params(networks, tmp_path / "macs", MACS_COLUMN, "LMFN")
    (ax,) = drawn[0].axes
    boxes = _assert_clear(ax)
    # twins are one point with one label naming both; every other network is labelled once
    assert "NAFNet-GoPro-width32 (+ TLC)" in boxes and "NAFNet-GoPro-width64 (+ TLC)" in boxes
    assert len(boxes) == len(networks) - 2 == len(_markers(ax)[0])
    assert {"MIMO-UNet", "DMPHN (1-2-4-8)", "MIMO-UNet+", "Stripformer", "Restormer"} <= set(boxes)
    frame = ax.get_window_extent(drawn[0].canvas.get_renderer())
    assert all(
        frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
        for b in boxes.values()
    )


def test_psnr_vs_params_bubbles_and_reference_lines_stay_clear(
    tmp_path: Path, networks: pd.DataFrame, drawn: list[plt.Figure]
) -> None:
    references = {"Blurry input": 28.1, "Wiener (true kernel)": 30.3}  # among the networks' points
    assert plots.psnr_vs_params(networks, tmp_path / "psnr", "LMFN", references)
    (ax,) = drawn[0].axes
    boxes = _assert_clear(ax)
    renderer = drawn[0].canvas.get_renderer()
    lines = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() not in boxes]
    assert len(lines) == 2
    assert all(_overlap(line, box) == 0 for line in lines for box in boxes.values())


def test_a_tight_cluster_is_spread_out_with_leader_lines() -> None:
    fig, ax = plt.subplots(figsize=(5, 4))
    labels = _crowd(ax, np.random.default_rng(3), 12, "Network number")  # twelve points within a few pixels
    placed = place_labels(ax, labels)
    assert [a.get_text() for a in placed] == [label.text for label in labels]
    _assert_clear(ax)
    assert any(a.arrow_patch is not None for a in placed)  # moved away, joined to the point
    plt.close(fig)


def test_labels_keep_off_lines() -> None:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([0, 10], [5, 5])  # a line through the point, where the first choice (right of it) would be
    ax.scatter([5], [5], s=30)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    (annotation,) = place_labels(ax, [PointLabel(5, 5, "on the line", radius=3)])
    box = annotation.get_window_extent(fig.canvas.get_renderer())
    y = ax.transData.transform((5, 5))[1]
    assert not box.y0 <= y <= box.y1
    plt.close(fig)


@pytest.mark.parametrize(
    ("names", "merged"),
    [
        (["NAFNet-GoPro-width32", "NAFNet-GoPro-width32 + TLC"], "NAFNet-GoPro-width32 (+ TLC)"),
        (["NAFNet-GoPro-width32 + TLC", "NAFNet-GoPro-width32"], "NAFNet-GoPro-width32 (+ TLC)"),
        (["MIMO-UNet", "DMPHN (1-2-4-8)"], "MIMO-UNet / DMPHN (1-2-4-8)"),
        (["LMFN", "LMFN"], "LMFN"),
    ],
)
def test_twin_label(names: list[str], merged: str) -> None:
    assert plots.twin_label(names) == merged


def _two_crowded_panels() -> tuple[plt.Figure, list[tuple[plt.Axes, list[PointLabel]]]]:
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    rng = np.random.default_rng(5)
    return fig, [(ax, _crowd(ax, rng, 8, "Net")) for ax in axes]


def _crowd(ax: plt.Axes, rng: np.random.Generator, n: int, name: str) -> list[PointLabel]:
    """``n`` points drawn within a few pixels of (10, 30) on ``ax``, and a label for each ("``name`` i")."""
    x, y = 10 + rng.normal(0, 0.05, n), 30 + rng.normal(0, 0.02, n)
    ax.scatter(x, y, s=30)
    ax.set_xlim(8, 12)
    ax.set_ylim(29, 31)
    return [
        PointLabel(a, b, f"{name} {i}", radius=np.sqrt(30) / 2)
        for i, (a, b) in enumerate(zip(x, y, strict=True))
    ]


def test_panels_placed_by_one_draw_as_one_by_one() -> None:
    def where(placed: list[Annotation]) -> list[tuple]:
        return [(a.get_text(), tuple(a.xyann), a.get_ha(), a.get_va(), a.arrow_patch is None) for a in placed]

    fig, panels = _two_crowded_panels()
    one_by_one = [where(place_labels(ax, labels)) for ax, labels in panels]
    plt.close(fig)
    fig, panels = _two_crowded_panels()
    together = [where(placed) for placed in place_panel_labels(panels)]
    assert together == one_by_one
    assert any(not straight for panel in together for *_, straight in panel)  # crowded: some moved away
    other, ax = plt.subplots()
    with pytest.raises(ValueError, match="one draw lays out one figure"):
        place_panel_labels([*panels, (ax, panels[0][1])])
    plt.close(fig)
    plt.close(other)
