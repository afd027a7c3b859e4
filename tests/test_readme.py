"""The README's facts about the networks are the specs' facts (one definition: the spec)."""

from __future__ import annotations

from pathlib import Path

import deblurbench as db
from deblurbench.reports.subject import published_quality

README = (Path(__file__).parents[1] / "README.md").read_text()


def network_rows() -> dict[str, list[str]]:
    start = README.index("## The networks")
    section = README[start : README.index("\n## ", start + 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {row.split("`")[1]: [cell.strip() for cell in row.strip("|").split("|")] for row in rows}


def test_every_network_has_its_row_with_the_spec_s_figure_and_checkpoints() -> None:
    rows = network_rows()
    assert set(rows) == set(db.list_models(plugins=False))
    for name, cells in rows.items():
        figure = published_quality(name)
        assert cells[1] == (f"{figure.value:g} dB" if figure else "none published"), name
        for checkpoint in db.get_spec(name).checkpoints:
            assert f"`{checkpoint.name}`" in cells[3], (name, checkpoint.name)
        if db.get_spec(name).real_frame:
            assert "real GoPro frame" in cells[4], name
