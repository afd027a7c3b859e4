"""The output directory's report, regenerated from the results store.

``write_report(store, out)`` writes ``out/report.md``, a self-contained
``out/report.html`` (figures embedded as base64 PNG, styles inline),
``out/tables/*.{csv,md,tex,html}`` and ``out/figures/*.{png,svg}``. Every
section is built once (:class:`Section`) and rendered to both Markdown and
HTML, so the two always hold the same tables and figures. A section or figure
whose data the store lacks is left out; an empty store gives a report saying so.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import sizes
from ..atomic import write_text
from ..bench.records import QualityRecord, RunRecord
from ..bench.store import Store
from ..config import SUBJECT
from . import plots
from .answer import Claims, check_claims
from .claims import NOT_COMPARABLE
from .cost import LATENCY_GROUP, complexity_table, latency_table, summary_frame
from .display import display_name, weights_suffix
from .formats import TableText, render_table, write_texts
from .frames import complexity_frame, failures_frame, latency_frame, pick_protocol
from .paper import paper_table
from .quality import BY_SOURCE_GROUP, QUALITY_GROUP, quality_by_source, quality_tables

STRIP_IMAGES = 2  # comparison strips per dataset, when restored images were saved


@dataclass
class Table:
    """A table of a section, written to ``tables/<name>.*``; best values marked within ``group``."""

    name: str
    frame: pd.DataFrame
    caption: str = ""
    group: tuple[str, ...] = ()
    better: dict[str, str | None] | None = None  # None: as the frame's columns declare; {}: none

    @cached_property
    def text(self) -> TableText:
        """The table in every format, rendered once for its files, report.md and report.html."""
        return render_table(self.frame, self.name, self.group, self.caption, self.better)


@dataclass
class Figure:
    """A figure of a section: its PNG (embedded in the HTML) and SVG files."""

    caption: str
    png: Path
    svg: Path


@dataclass
class Section:
    """One heading of the report: paragraphs, bullet lines, tables and figures, in that order."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    details: list[Table] = field(default_factory=list)  # long tables: collapsed in HTML, linked from Markdown


def _figure(caption: str, written: list[Path]) -> list[Figure]:
    """A Figure from what a plot function wrote, or nothing when it skipped."""
    if not written:
        return []
    png = next(p for p in written if p.suffix == ".png")
    svg = next(p for p in written if p.suffix == ".svg")
    return [Figure(caption, png, svg)]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "x"


def _environment(store: Store) -> list[str]:
    runs = store.frame(RunRecord.TABLE)
    if runs.empty:
        return []
    last = runs.iloc[-1]
    env = json.loads(last["environment"] or "{}")
    load = ""
    if "load_start" in runs and pd.notna(last["load_start"]):
        end = f", {last['load_end']:.2f} at its end" if pd.notna(last.get("load_end")) else ""
        load = f" Load average {last['load_start']:.2f} when the last run started{end} (timings on a busy machine are slower)."
    return [
        f"torch {env.get('torch')}, Python {env.get('python')}, {env.get('platform')}, "
        f"{env.get('cpu_threads')} CPU threads.{load}"
    ]


@dataclass(frozen=True)
class ReportContext:
    """What every section needs: the store, where figures go, the two sizes and the subject network."""

    store: Store
    out: Path
    size: str
    large: str
    subject: str = SUBJECT

    @property
    def figures(self) -> Path:
        return self.out / "figures"

    @property
    def highlight(self) -> str:
        """The subject's display name: its points, lines and panels are drawn highlighted."""
        return display_name(self.subject)


def _summary_section(ctx: ReportContext) -> Section | None:
    summary = summary_frame(ctx.store, size=ctx.size, large=ctx.large)
    if summary.empty:
        return None
    section = Section(
        "Complexity and CPU latency",
        [
            f"MACs are multiply-accumulates (FLOPs = 2 x MACs), counted on each network's official "
            f"test-time path at the size it accepts. Latency: batch 1, float32, median and p90 of "
            f"repeated calls after warm-up, at {ctx.size}."
        ],
        tables=[Table("summary", summary.drop(columns="model"), "Parameters, MACs and CPU latency")],
    )
    macs_column = next(c for c in summary.columns if c.startswith(f"GMACs @{ctx.size}"))
    written = plots.macs_vs_params(summary, ctx.figures / "macs_vs_params", macs_column, ctx.highlight)
    section.figures += _figure("MACs vs. parameters", written)
    return section


def _paper_section(ctx: ReportContext) -> Section | None:
    table = paper_table(ctx.store, size=ctx.size)
    if table.empty or not any(c.startswith("PSNR") for c in table.columns):
        return None
    section = Section(
        "Paper table",
        [
            "Quality, size, computation and latency per network, in one table as a paper would give it. "
            "Quality is the mean over the dataset named in the header (standard protocol, 8-bit outputs); "
            f"MACs and latency at {ctx.size}, latency the synchronised median at batch 1."
        ],
        tables=[Table("paper", table, "Quality and cost per network")],
    )
    references = _reference_psnr(table)
    for name, title, plot in (
        ("psnr_vs_params", "PSNR vs. parameters", plots.psnr_vs_params),
        ("psnr_vs_latency", "PSNR vs. latency", plots.psnr_vs_latency),
    ):
        section.figures += _figure(title, plot(table, ctx.figures / name, ctx.highlight, references))
    return section


def _reference_psnr(table: pd.DataFrame) -> dict[str, float]:
    """The reference methods' PSNR in the paper table (label -> dB): the lines the networks are read against."""
    from ..bench.references import REFERENCES

    names = {REFERENCES.get(n).display_name for n in REFERENCES.names()}
    psnr = next((c for c in table.columns if c.startswith("PSNR")), None)
    if psnr is None:
        return {}
    rows = table[table["Network"].isin(names)]
    return {str(n): float(v) for n, v in zip(rows["Network"], rows[psnr], strict=True) if pd.notna(v)}


def _strip(
    ctx: ReportContext, dataset: str, where: str, image_id: str, rows: list
) -> tuple[list[Figure], str]:
    """One comparison strip from the saved images, or a note naming an image that cannot be read."""
    panels = plots.strip_panels(ctx.out / "images", image_id, rows)
    if len(panels) < 2:
        return [], ""
    title = f"{where} {image_id}"
    try:
        written = plots.comparison_strip(
            panels,
            ctx.figures / f"strip_{_slug(where)}_{_slug(image_id)}",
            title=f"{title} (centre crop)",
            highlight=ctx.highlight,
        )
    except (OSError, ValueError, SyntaxError) as exc:  # a truncated or corrupt saved image
        bad = next((p for _, p in panels if not plots.readable(p)), panels[0][1])
        return (
            [],
            f"No comparison strip for {title}: {bad} cannot be read ({exc}); rerun with --save-images to rewrite it.",
        )
    return _figure(f"Visual comparison, {title}", written), ""


def _strip_rows(rows: pd.DataFrame) -> list[tuple[dict, str]]:
    """Each evaluation among ``rows`` (one dataset variant's split) as ``(its key, its label)``, best
    PSNR first; a label shared by two evaluations (other device or dtype) says which it is."""
    from ..bench.evaluate import IMAGE_KEYS

    keys = list(IMAGE_KEYS)
    means = rows.groupby(keys, sort=False, dropna=False).agg(psnr=("psnr", "mean"), label=("label", "first"))
    means = means.sort_values("psnr", ascending=False, kind="stable")
    shared = means["label"].duplicated(keep=False)
    out = []
    for index, row in means.iterrows():
        key = dict(zip(keys, index, strict=True))
        label = f"{row['label']} ({key['device']} {key['dtype']})" if shared[index] else row["label"]
        out.append((key, str(label)))
    return out


def _strips(ctx: ReportContext, dataset: str, rows: pd.DataFrame) -> tuple[list[Figure], list[str]]:
    """Up to ``STRIP_IMAGES`` comparison strips per split (and variant) of ``dataset``, and notes on
    unreadable images; each panel is the saved image of exactly the row it is labelled with."""
    from ..bench.evaluate import path_segment

    if not (ctx.out / "images").is_dir():
        return [], []
    found: list[Figure] = []
    notes: list[str] = []
    for (split, variant), mine in rows.groupby(["split", "variant"], sort=True, dropna=False):
        where = dataset if split == "test" else f"{dataset} {split}"
        where += f" variant {path_segment('variant', variant)}" if variant else ""
        keyed = _strip_rows(mine)
        made = 0
        for image_id in sorted(mine["image_id"].unique()):
            if made >= STRIP_IMAGES:
                break
            figures, note = _strip(ctx, dataset, where, str(image_id), keyed)
            found += figures
            made += len(figures)
            notes += [note] if note else []
    return found, notes


def _quality_paragraph(table: pd.DataFrame) -> str:
    ssim = [c for c in table.columns if c.startswith("SSIM")]
    named = (
        f"SSIM by the {', '.join(c[6:-1] for c in ssim)} convention(s), named in each header; "
        if ssim
        else ""
    )
    return f"Means over the images of each split. {named}a missing LPIPS (no backbone weights) is shown as a dash, never 0."


def _quality_section(
    ctx: ReportContext, dataset: str, table: pd.DataFrame, per_image: pd.DataFrame
) -> Section:
    section = Section(
        f"Quality: {dataset}",
        [_quality_paragraph(table)],
        tables=[Table(f"quality_{_slug(dataset)}", table, f"Quality on {dataset}", QUALITY_GROUP)],
    )
    rows = pick_protocol(per_image[per_image["dataset"] == dataset])
    by_source = quality_by_source(rows)
    if not by_source.empty:
        section.paragraphs.append(
            "PSNR per source (the first part of the image id: a scene, a part, a picture). The split's "
            "mean weighs each source by its image count; the mean of sources weighs them equally."
        )
        section.tables.append(
            Table(
                f"quality_{_slug(dataset)}_by_source",
                by_source,
                f"PSNR by source, {dataset}",
                BY_SOURCE_GROUP,
            )
        )
    rows = rows.assign(label=rows["model"].map(display_name) + weights_suffix(rows["weights"]))
    title = f"Per-image PSNR, {dataset}"
    path = ctx.figures / f"psnr_distribution_{_slug(dataset)}"
    section.figures += _figure(title, plots.psnr_distribution(rows, path, title, ctx.highlight))
    strips, notes = _strips(ctx, dataset, rows)
    section.figures += strips
    section.paragraphs += notes
    return section


def _quality_sections(ctx: ReportContext) -> list[Section]:
    tables = quality_tables(ctx.store)
    if not tables:
        return []
    per_image = ctx.store.frame(QualityRecord.TABLE)
    return [_quality_section(ctx, dataset, table, per_image) for dataset, table in tables.items()]


def _complexity_section(ctx: ReportContext) -> Section | None:
    cx = complexity_table(ctx.store)
    if cx.empty:
        return None
    section = Section(
        "Complexity by counter",
        [
            "Parameters declared and used (modules the forward calls), and MACs by each counter, "
            "converted to multiply-accumulates; best values are marked within each size."
        ],
        tables=[Table("complexity", cx, "Parameters and GMACs per counter", ("Size (HxW)",))],
    )
    frame = complexity_frame(ctx.store)
    names = {m: display_name(m) for m in frame["model"].unique()}
    written = plots.cost_vs_resolution(
        frame, latency_frame(ctx.store), ctx.figures / "cost_vs_resolution", names, ctx.highlight
    )
    section.figures += _figure("Cost vs. resolution", written)
    return section


def _latency_section(ctx: ReportContext) -> Section | None:
    lat = latency_table(ctx.store)
    if lat.empty:
        return None
    paragraphs = [
        "Median and p90 of repeated calls after warm-up; peak memory is torch.cuda.max_memory_allocated."
    ]
    if lat["Timing"].str.startswith("UNSYNCHRONISED").any():
        paragraphs.append(
            "Rows marked UNSYNCHRONISED time CUDA work without waiting for it, as many papers did: "
            "they are not the true latency and are shown only to check papers' runtimes."
        )
    return Section("Latency", paragraphs, tables=[Table("latency", lat, "Latency", LATENCY_GROUP)])


def _claim_sections(ctx: ReportContext) -> list[Section]:
    """The answer first: the claim figure and its verdict, then published vs. measured per network."""
    from ..bench.complexity import meta_complexity

    claims = check_claims(ctx.store, subject=ctx.subject, count=meta_complexity)
    if claims.figures.empty and claims.subject_table.empty:
        return []
    return [_answer_section(ctx, claims), _published_section(ctx, claims)]


def _answer_section(ctx: ReportContext, claims: Claims) -> Section:
    name = ctx.highlight
    section = Section(
        f"{name}'s claim",
        [
            f"{name} claims a state-of-the-art result with fewer parameters and less computation. Below: every "
            "network's published GoPro PSNR (its authors' own figure first) against its correct MAC count and its "
            "parameters, measured here, with the Pareto front (no network has both lower cost and higher PSNR "
            "than a point on it)."
        ],
        bullets=claims.front + claims.subject_lines + claims.scored_front,
    )
    if not claims.points.empty:
        written = plots.claim_figure(claims.points, ctx.figures / "claim", name, "Published GoPro PSNR")
        section.figures += _figure("Published GoPro PSNR against measured MACs and parameters", written)
    if not claims.scored.empty:
        title = f"Our PSNR on {claims.scored_dataset}"
        written = plots.claim_figure(claims.scored, ctx.figures / "claim_scored", name, title)
        section.figures += _figure(f"{title} against measured MACs and parameters", written)
    if not claims.subject_table.empty:
        section.tables.append(
            Table(
                f"{_slug(ctx.subject)}_claim",
                claims.subject_table,
                f"{name} against each baseline",
                better={},
            )
        )
    return section


def _published_section(ctx: ReportContext, claims: Claims) -> Section:
    figures = claims.figures
    comparable = figures[figures["Verdict"] != NOT_COMPARABLE]
    section = Section(
        "Published vs. measured",
        [
            "Every figure a paper or repository printed for a network, held against this suite's measurement. "
            "Reproduced: a correct count or score within the figure's printed precision (parameter counts by "
            "rounding; MACs within 2%, PSNR 0.1 dB, SSIM 0.005). Explained: the figure equals a named counter "
            "artifact or convention that differs from the correct count (shown with it), or a size found by "
            "search for its whole table. 'Reported by' is the authors only for the network's own paper or "
            "repository. A figure printed in several tables counts once.",
            claims.summary + ".",
        ],
        tables=[
            Table("claims_by_network", claims.networks, "Verdicts per network (distinct figures)", better={}),
            Table(
                "claims",
                comparable.drop(columns=["model", "Reference"]),
                "Published figures that could be compared here",
                better={},
            ),
        ],
    )
    if not claims.relative.empty:
        section.tables.append(
            Table(
                "claims_relative",
                claims.relative.drop(columns=["model"]),
                "Comparisons the sources print",
                better={},
            )
        )
    section.details.append(
        Table(
            "claims_all", figures.drop(columns=["model"]), f"All {len(figures)} published figures", better={}
        )
    )
    return section


def report_sizes(store: Store, size: str | None = None, large: str | None = None) -> tuple[str, str]:
    """The headline size and the large size of the report (:data:`~deblurbench.sizes.HEADLINE`,
    :data:`~deblurbench.sizes.LARGE`) where measured.

    Otherwise the size most networks were counted at (the smallest on a tie), and
    the largest other size, so that a run at other sizes still gets its table.
    """
    headline, frame = sizes.label(sizes.HEADLINE), sizes.label(sizes.LARGE)
    cx = complexity_frame(store)
    if cx.empty:
        return size or headline, large or frame
    counts = cx.groupby(["size", "pixels"])["model"].nunique().reset_index()
    if size is None:
        if (counts["size"] == headline).any():
            size = headline
        else:
            size = str(counts.sort_values(["model", "pixels"], ascending=[False, True])["size"].iloc[0])
    if large is None:
        others = counts[counts["size"] != size]
        if (others["size"] == frame).any() or others.empty:
            large = frame
        else:
            large = str(others.sort_values("pixels")["size"].iloc[-1])
    return size, large


def build_sections(
    store: Store, out: Path, size: str | None = None, large: str | None = None, subject: str = SUBJECT
) -> list[Section]:
    """Every section of the report, with its figures written to ``out/figures``."""
    ctx = ReportContext(store, Path(out), *report_sizes(store, size, large), subject=subject)
    sections = [s for s in (_summary_section(ctx), _paper_section(ctx)) if s is not None]
    sections += _quality_sections(ctx)
    sections += [s for s in (_complexity_section(ctx), _latency_section(ctx)) if s is not None]
    if sections:
        sections = _claim_sections(ctx) + sections
    failures = failures_frame(store)
    if not failures.empty:
        sections.append(Section("Failures", tables=[Table("failures", failures, "Failed measurements")]))
    return sections


def render_markdown(sections: list[Section], out: Path, preamble: list[str]) -> str:
    """The report as Markdown: figures as relative links to their PNG files."""
    lines = ["# deblurbench report", ""]
    for text in preamble:
        lines += [text, ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for text in section.paragraphs:
            lines += [text, ""]
        if section.bullets:
            lines += [f"- {b}" for b in section.bullets] + [""]
        for table in section.tables:
            lines += [table.text.markdown, ""]
        for figure in section.figures:
            lines += [f"![{figure.caption}]({figure.png.relative_to(out).as_posix()})", ""]
        for table in section.details:
            lines += [
                f"{table.caption}: [tables/{table.name}.md](tables/{table.name}.md) (also .csv, .tex, .html).",
                "",
            ]
    return "\n".join(lines)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
table.results { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
table.results th, table.results td { padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }
table.results th { border-bottom: 2px solid #444; }
table.results td:first-child, table.results th:first-child { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.85em; color: #555; }
"""


def render_html(sections: list[Section], preamble: list[str]) -> str:
    """The report as one self-contained HTML page: styles inline, figures as base64 PNG."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>deblurbench report</title>',
        f"<style>{STYLE}</style></head><body>",
        "<h1>deblurbench report</h1>",
    ]
    parts += [f"<p>{html.escape(text)}</p>" for text in preamble]
    for section in sections:
        parts.append(f'<section id="{_slug(section.title)}"><h2>{html.escape(section.title)}</h2>')
        parts += [f"<p>{html.escape(text)}</p>" for text in section.paragraphs]
        if section.bullets:
            parts.append("<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in section.bullets) + "</ul>")
        for table in section.tables:
            parts.append(table.text.html)
        for figure in section.figures:
            data = base64.b64encode(figure.png.read_bytes()).decode("ascii")
            caption = html.escape(figure.caption)
            parts.append(
                f'<figure id="{html.escape(figure.png.stem)}"><img alt="{caption}" '
                f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
            )
        for table in section.details:
            parts.append(f"<details><summary>{html.escape(table.caption)}</summary>")
            parts.append(table.text.html)
            parts.append("</details>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(
    store: Store, out: Path, size: str | None = None, large: str | None = None, subject: str = SUBJECT
) -> Path:
    """Regenerate ``out/report.md``, ``out/report.html``, ``out/tables/`` and ``out/figures/``; returns report.md.

    ``size`` / ``large`` (e.g. ``"256x256"``, ``"720x1280"``) default to :func:`report_sizes`;
    ``subject`` is the network whose claim the report checks and whose points it highlights.
    """
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    sections = build_sections(store, out, size=size, large=large, subject=subject)
    preamble = _environment(store)
    if not sections:
        preamble.append("No results in the store yet.")
    for section in sections:
        for table in [*section.tables, *section.details]:
            write_texts(table.text, out / "tables", table.name)
    report = out / "report.md"
    write_text(report, render_markdown(sections, out, preamble))
    write_text(out / "report.html", render_html(sections, preamble))
    return report
