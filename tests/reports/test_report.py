"""`deblurbench report` over a fabricated store: report.md, a self-contained report.html, tables, figures."""

from __future__ import annotations

import base64
import contextlib
import io
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from deblurbench.bench.store import Store
from deblurbench.cli import main
from deblurbench.reports.report import write_report


class Page(HTMLParser):
    """Every <img> and every table (id -> rows of cell texts) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or f"t{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, fabricated) -> tuple[Path, int, str, str]:
    """A fabricated store with saved images, its report made by ``deblurbench report``: (dir, code, out, err)."""
    out = tmp_path_factory.mktemp("report") / "out"
    fabricated(out, images=True).close()
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["report", "--out", str(out)])
    return out, code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def report_dir(made: tuple[Path, int, str, str]) -> Path:
    """The output directory of :func:`made`."""
    return made[0]


def test_report_command_prints_one_line(made: tuple[Path, int, str, str]) -> None:
    _, code, out, err = made
    assert code == 0 and err == ""
    assert len(out.strip().splitlines()) == 1 and "report.md" in out and "report.html" in out
    assert "9 figures" in out


def test_markdown_keeps_the_headline_and_adds_sections(report_dir: Path) -> None:
    report = (report_dir / "report.md").read_text()
    assert "| LMFN" in report and "figures/macs_vs_params.png" in report
    for heading in (
        "## Complexity and CPU latency",
        "## Paper table",
        "## Quality: gopro",
        "## Quality: synthetic",
        "## Latency",
        "## Published vs. measured",
        "## LMFN's claim",
        "## Failures",
    ):
        assert heading in report
    # the answer first: the claim and published vs. measured before the measurements they rest on
    assert (
        report.index("## LMFN's claim")
        < report.index("## Published vs. measured")
        < report.index("## Complexity")
    )
    assert "distinct published figures" in report and "tables/claims_all.md" in report
    assert "deviates" in report and "RuntimeError: out of memory" in report
    for link in [line for line in report.splitlines() if line.startswith("![")]:
        assert (report_dir / link.split("(")[-1].rstrip(")")).is_file()


FIGURES = {
    "claim",  # published GoPro PSNR against measured cost, with the Pareto front
    "claim_scored",  # the same against our own scores
    "macs_vs_params",
    "psnr_vs_params",
    "psnr_vs_latency",
    "cost_vs_resolution",
    "psnr_distribution_gopro",
    "psnr_distribution_synthetic",
    "strip_gopro_gopr0384_11_00_000001",
}


def test_figures_written_and_non_empty(report_dir: Path) -> None:
    pngs = {p.stem for p in (report_dir / "figures").glob("*.png")}
    assert pngs == FIGURES
    for stem in FIGURES:
        for suffix in (".png", ".svg"):
            assert (report_dir / "figures" / f"{stem}{suffix}").stat().st_size > 1000


def test_tables_in_every_format(report_dir: Path) -> None:
    names = {p.stem for p in (report_dir / "tables").glob("*.csv")}
    expected = (
        "summary paper quality_gopro quality_synthetic complexity latency claims claims_all claims_by_network "
        "lmfn_claim failures"
    )
    assert set(expected.split()) <= names
    # the fabricated ids name GoPro scenes (two images of one, one of two others): a by-source table each
    assert {"quality_gopro_by_source", "quality_synthetic_by_source"} <= names
    for name in names:
        for suffix in (".md", ".tex", ".html"):
            assert (report_dir / "tables" / f"{name}{suffix}").stat().st_size > 0
        tex = (report_dir / "tables" / f"{name}.tex").read_text()
        assert tex.count("\\begin{") == tex.count("\\end{") == 2


def test_html_is_self_contained_with_every_figure_and_row(report_dir: Path) -> None:
    text = (report_dir / "report.html").read_text()
    page = Page()
    page.feed(text)
    assert "<link" not in text and "<script" not in text  # nothing fetched from elsewhere
    figures = {p.stem for p in (report_dir / "figures").glob("*.png")}
    assert len(page.images) == len(figures)
    for image in page.images:
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    for csv in (report_dir / "tables").glob("*.csv"):
        frame = pd.read_csv(csv, keep_default_na=False)
        rows = page.tables[csv.stem]
        assert rows[0] == list(frame.columns), csv.stem  # header row
        assert len(rows) - 1 == len(frame), csv.stem
        assert [r[0] for r in rows[1:]] == [str(v) for v in frame.iloc[:, 0]], csv.stem


def test_missing_directory_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--out", str(tmp_path / "nowhere")])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no such directory" in err
    assert not (tmp_path / "nowhere").exists()  # not created as a side effect
    code = main(["report", "--out", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "no results.sqlite" in err


def test_empty_store_says_no_results(tmp_path: Path) -> None:
    Store(tmp_path).close()
    assert main(["report", "--out", str(tmp_path)]) == 0
    assert "No results in the store yet." in (tmp_path / "report.md").read_text()
    assert "No results in the store yet." in (tmp_path / "report.html").read_text()


def test_quality_only_store_skips_what_it_lacks(tmp_path: Path, make_quality_rows) -> None:
    store = Store(tmp_path)
    store.put(make_quality_rows("identity", "", "synthetic", 24.8))
    report = write_report(store, tmp_path).read_text()
    assert "## Quality: synthetic" in report and "Complexity" not in report
    assert {p.stem for p in (tmp_path / "figures").glob("*.png")} == {"psnr_distribution_synthetic"}


def test_subject_is_a_parameter(tmp_path: Path, fabricated, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    fabricated(out).close()
    assert main(["report", "--out", str(out), "--subject", "mimo_unet"]) == 0
    report = (out / "report.md").read_text()
    assert "## MIMO-UNet's claim" in report and "LMFN's claim" not in report
    claim = pd.read_csv(out / "tables" / "mimo_unet_claim.csv")
    assert "MIMO-UNet fewer params" in claim.columns and "LMFN fewer params" not in claim.columns
    assert "LMFN" in set(claim["Baseline"]) and "MIMO-UNet" not in set(claim["Baseline"])
    capsys.readouterr()
    assert main(["report", "--out", str(out), "--subject", "mimo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "subject" in err and "did you mean mimo_unet" in err


def test_highlight_follows_the_subject() -> None:
    from deblurbench.reports.plots import is_highlight

    assert is_highlight("MIMO-UNet", "MIMO-UNet") and is_highlight("MIMO-UNet [a.pkl]", "MIMO-UNet")
    assert not is_highlight("MIMO-UNet++", "MIMO-UNet") and not is_highlight("LMFN", "MIMO-UNet")
    assert not is_highlight("LMFN", None)
