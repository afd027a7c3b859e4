"""Point labels that never overprint: each placed where it covers no other label, marker or text.

:func:`place_labels` measures every label with the figure's renderer and tries, per label,
offsets around its point: eight directions next to the marker first, then the same and eight
more directions on rings farther out, where a thin leader line joins the label to its point.
The first offset whose box stays inside the axes and overlaps no label placed before, no
other point's marker, no line and no text or legend already there is taken (a leader line
that crosses a label or a line counts against an offset too). Labels are placed
greedily, bold (the subject's) first, then the most crowded points, which have the fewest
free places. Place labels last: a later change of limits or layout moves the points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

GAP_PT = 2.0  # between a marker's edge and its label
CLEAR_PT = 4.0  # the least room between a label and any other point's marker, so it reads as not theirs
RINGS_PT = (0.0, 10.0, 22.0, 36.0, 52.0, 72.0, 96.0)  # farther out than the marker's edge plus the gap
CROWD_PT = 40.0  # points closer than this count as neighbours when ordering
LEADER = {"arrowstyle": "-", "color": "0.35", "linewidth": 0.6, "shrinkA": 0.5}
_NEAR = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]  # E W N S NE NW SE SW
_FAR = [*_NEAR, (2, 1), (-2, 1), (2, -1), (-2, -1), (1, 2), (-1, 2), (1, -2), (-1, -2)]


@dataclass(frozen=True)
class PointLabel:
    """A label for the point (x, y) in data coordinates, whose marker has ``radius`` points."""

    x: float
    y: float
    text: str
    radius: float = 3.0
    bold: bool = False


@dataclass(frozen=True)
class _Candidate:
    offset: tuple[float, float]  # points from the point to the text's anchor
    ha: str
    va: str
    moved: bool  # beyond the first ring: joined to its point by a leader line


def _candidates(radius_pt: float) -> list[_Candidate]:
    """Offsets in order of preference: nearest ring first; right, left, above, below, then diagonals."""
    found = []
    for ring, extra in enumerate(RINGS_PT):
        distance = radius_pt + GAP_PT + extra
        for dx, dy in _NEAR if ring == 0 else _FAR:
            norm = math.hypot(dx, dy)
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            offset = (distance * dx / norm, distance * dy / norm)
            found.append(_Candidate(offset, ha, va, ring > 0))
    return found


def _box(anchor: np.ndarray, size: tuple[float, float], ha: str, va: str) -> Bbox:
    """The display box of a text of ``size`` (pixels) anchored at ``anchor`` with this alignment."""
    width, height = size
    x0 = anchor[0] - {"left": 0.0, "center": width / 2, "right": width}[ha]
    y0 = anchor[1] - {"bottom": 0.0, "center": height / 2, "top": height}[va]
    return Bbox.from_bounds(x0, y0, width, height)


def _hits_marker(box: Bbox, centre: np.ndarray, radius: float) -> bool:
    """Whether ``box`` reaches into the round marker of ``radius`` pixels around ``centre``."""
    dx = max(box.x0 - centre[0], 0.0, centre[0] - box.x1)
    dy = max(box.y0 - centre[1], 0.0, centre[1] - box.y1)
    return dx * dx + dy * dy < radius * radius


def _crosses(box: Bbox, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether the segment from ``start`` to ``end`` passes through ``box`` (Liang-Barsky clipping)."""
    low, high = 0.0, 1.0
    for delta, begin, lower, upper in (
        (end[0] - start[0], start[0], box.x0, box.x1),
        (end[1] - start[1], start[1], box.y0, box.y1),
    ):
        if delta == 0:
            if not lower < begin < upper:
                return False
            continue
        t0, t1 = sorted(((lower - begin) / delta, (upper - begin) / delta))
        low, high = max(low, t0), min(high, t1)
    return low < high


def _intersect(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> bool:
    """Whether segments ``ab`` and ``cd`` cross (each one's ends on both sides of the other's line)."""

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float(np.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])))

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _segments(ax: Axes) -> list[tuple[np.ndarray, np.ndarray]]:
    """The display segments of the lines drawn in ``ax`` (steps as drawn), which labels keep off."""
    found = []
    for line in ax.get_lines():
        x, y = STEP_LOOKUP_MAP[line.get_drawstyle()](*np.asarray(line.get_xydata(), dtype=float).T)
        vertices = line.get_transform().transform(np.column_stack([x, y]))
        found += [(a, b) for a, b in pairwise(vertices) if np.isfinite([a, b]).all()]
    return found


def _text_size(ax: Axes, label: PointLabel, fontsize: float, renderer: RendererBase) -> tuple[float, float]:
    """The width and height in pixels that ``label``'s text takes, measured by the renderer."""
    weight = "bold" if label.bold else "normal"
    probe = ax.text(0, 0, label.text, fontsize=fontsize, fontweight=weight, transform=ax.transAxes)
    extent = probe.get_window_extent(renderer)
    probe.remove()
    return extent.width, extent.height


def _order(labels: Sequence[PointLabel], centres: np.ndarray, crowd_px: float) -> list[int]:
    """Bold labels first, then by how many other points are near (most first), then left to right."""
    distances = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    neighbours = (distances < crowd_px).sum(axis=1) - 1
    return sorted(range(len(labels)), key=lambda i: (not labels[i].bold, -neighbours[i], centres[i][0]))


@dataclass
class _Obstacles:
    """What a label may not overprint, in display units: markers, boxes, line segments, the axes."""

    centres: np.ndarray
    radii: np.ndarray
    boxes: list[Bbox]
    segments: list[tuple[np.ndarray, np.ndarray]]
    frame: Bbox
    clear: float  # pixels kept between a label and another point's marker


def _conflicts(box: Bbox, i: int, seen: _Obstacles) -> int:
    """How many things ``box`` (label ``i``'s) would overprint or crowd, leaving the axes counted as one."""
    padded, room = box.padded(1.0), box.padded(seen.clear)
    count = sum(padded.overlaps(other) for other in seen.boxes)
    count += sum(
        _hits_marker(room, seen.centres[j], seen.radii[j]) for j in range(len(seen.centres)) if j != i
    )
    count += sum(_crosses(padded, a, b) for a, b in seen.segments)
    frame = seen.frame
    inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    return count + (not inside)


def _score(box: Bbox, i: int, candidate: _Candidate, seen: _Obstacles) -> float:
    """The conflicts of label ``i`` at ``box``; a leader line through a label or a line counts half."""
    score = float(_conflicts(box, i, seen))
    if candidate.moved:
        leader = (seen.centres[i], _nearest(box, seen.centres[i]))
        score += 0.5 * any(_crosses(other, *leader) for other in seen.boxes)
        score += 0.5 * any(_intersect(*leader, *segment) for segment in seen.segments)
    return score


def _best(
    i: int, label: PointLabel, size: tuple[float, float], seen: _Obstacles, px: float
) -> tuple[_Candidate, Bbox]:
    """The first free offset for label ``i`` (of ``size`` pixels), else the one with the fewest conflicts."""
    scored = []
    for candidate in _candidates(label.radius):
        box = _box(seen.centres[i] + np.array(candidate.offset) * px, size, candidate.ha, candidate.va)
        score = _score(box, i, candidate, seen)
        if score == 0:
            return candidate, box
        scored.append((score, candidate, box))
    _, candidate, box = min(scored, key=lambda item: item[0])  # the first of the least bad
    return candidate, box


def place_labels(ax: Axes, labels: Sequence[PointLabel], fontsize: float = 8.0) -> list[Annotation]:
    """Annotate each point of ``labels`` where its text overprints no label, marker, line, text or legend.

    Returns the annotations in the order of ``labels``. Where no candidate offset is free,
    the one with the fewest conflicts is taken, so every point keeps its label.
    """
    return place_panel_labels([(ax, labels)], fontsize)[0]


def place_panel_labels(
    panels: Sequence[tuple[Axes, Sequence[PointLabel]]], fontsize: float = 8.0
) -> list[list[Annotation]]:
    """:func:`place_labels` for each ``(axes, labels)`` of one figure, laid out by one draw for all.

    A label is an obstacle only within its own axes, so the labels of one panel move nothing
    another panel's labels are placed against: one draw serves every panel.
    """
    if not any(labels for _, labels in panels):
        return [[] for _ in panels]
    figures = {ax.figure for ax, _ in panels}
    if len(figures) != 1:
        raise ValueError(
            f"place_panel_labels: panels of {len(figures)} figures given; one draw lays out one figure"
        )
    (figure,) = figures
    figure.draw_without_rendering()  # final limits, legend position and layout, no pixels drawn
    renderer = figure.canvas.get_renderer()
    return [_place(ax, labels, fontsize, renderer) if labels else [] for ax, labels in panels]


def _place(
    ax: Axes, labels: Sequence[PointLabel], fontsize: float, renderer: RendererBase
) -> list[Annotation]:
    """Place ``labels`` in ``ax``, laid out (drawn) since its last change; measured with ``renderer``."""
    px = ax.figure.dpi / 72.0
    centres = ax.transData.transform([(label.x, label.y) for label in labels]).reshape(-1, 2)
    legend = [ax.get_legend()] if ax.get_legend() is not None else []
    seen = _Obstacles(
        centres=centres,
        radii=np.array([label.radius * px for label in labels]),
        boxes=[artist.get_window_extent(renderer) for artist in [*ax.texts, *legend]],
        segments=_segments(ax),
        frame=ax.get_window_extent(renderer),
        clear=CLEAR_PT * px,
    )
    placed: dict[int, Annotation] = {}
    for i in _order(labels, centres, CROWD_PT * px):
        candidate, box = _best(i, labels[i], _text_size(ax, labels[i], fontsize, renderer), seen, px)
        placed[i] = _annotate(ax, labels[i], candidate, fontsize)
        seen.boxes.append(box)
    return [placed[i] for i in range(len(labels))]


def _nearest(box: Bbox, point: np.ndarray) -> np.ndarray:
    """The point of ``box`` nearest ``point``: where a leader line from the point meets the label."""
    return np.array([min(max(point[0], box.x0), box.x1), min(max(point[1], box.y0), box.y1)])


def _annotate(ax: Axes, label: PointLabel, candidate: _Candidate, fontsize: float) -> Annotation:
    """The annotation of ``label`` at ``candidate``'s offset, with a leader line when moved away."""
    relpos = (
        {"left": 0.0, "center": 0.5, "right": 1.0}[candidate.ha],
        {"bottom": 0.0, "center": 0.5, "top": 1.0}[candidate.va],
    )
    arrow = {**LEADER, "relpos": relpos, "shrinkB": label.radius + 0.5} if candidate.moved else None
    return ax.annotate(
        label.text,
        (label.x, label.y),
        xytext=candidate.offset,
        textcoords="offset points",
        ha=candidate.ha,
        va=candidate.va,
        fontsize=fontsize,
        fontweight="bold" if label.bold else "normal",
        arrowprops=arrow,
        zorder=5,
    )
