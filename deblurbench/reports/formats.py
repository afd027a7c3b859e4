"""A display frame as text: Markdown, LaTeX (booktabs), HTML and CSV, and the files of a table.

Markdown, LaTeX and HTML mark the best value of each ranked column in bold and the second
best underlined (italics in Markdown), from the ranks of :mod:`.marks`; CSV holds the plain
values. :func:`write_table` writes all four beside each other; :func:`to_text` is what the
command line prints (aligned text, Markdown, CSV or JSON).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..atomic import write_text
from .display import MISSING
from .marks import cells_and_ranks


def to_markdown(
    df: pd.DataFrame, better: Mapping[str, str | None] | None = None, group: Sequence[str] = ()
) -> str:
    """A GitHub Markdown table; best value per column in bold, second best in italics."""
    if df.empty:
        return "_(no rows)_"
    cells, ranks = cells_and_ranks(df, better, group)
    marked = cells.copy()
    marked[ranks == 1] = "**" + cells[ranks == 1] + "**"
    marked[ranks == 2] = "_" + cells[ranks == 2] + "_"
    marked = marked.map(lambda s: s.replace("|", "\\|"))
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    return marked.to_markdown(
        index=False, disable_numparse=True, colalign=["right" if n else "left" for n in numeric]
    )


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text."""
    text = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    return text.replace(MISSING, "--")


def to_latex(
    df: pd.DataFrame,
    better: Mapping[str, str | None] | None = None,
    group: Sequence[str] = (),
    caption: str = "",
    label: str = "",
) -> str:
    r"""A booktabs ``table``: ``\textbf`` on the best value per column, ``\underline`` on the second.

    Written by hand rather than with ``DataFrame.to_latex``: pandas renders LaTeX
    through its Styler, which needs jinja2, not a dependency of this package.
    Needs ``\usepackage{booktabs}``; rows of one ``group`` are separated by ``\midrule``.
    """
    cells, ranks = cells_and_ranks(df, better, group)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = [
        "% needs \\usepackage{booktabs}",
        "\\begin{table}[t]",
        "\\centering",
    ]
    if caption:
        lines.append(f"\\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(f"\\label{{{label}}}")
    lines += [
        f"\\begin{{tabular}}{{{''.join('r' if n else 'l' for n in numeric)}}}",
        "\\toprule",
        " & ".join(latex_escape(c) for c in df.columns) + " \\\\",
        "\\midrule",
    ]
    keys = [g for g in group if g in df.columns]
    previous = None
    for index in df.index:
        key = tuple(df.loc[index, keys]) if keys else None
        if previous is not None and key != previous:
            lines.append("\\midrule")
        previous = key
        row = []
        for column in df.columns:
            text = latex_escape(cells.loc[index, column])
            rank = ranks.loc[index, column]
            row.append(
                f"\\textbf{{{text}}}" if rank == 1 else f"\\underline{{{text}}}" if rank == 2 else text
            )
        lines.append(" & ".join(row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(lines)


def to_html(
    df: pd.DataFrame,
    better: Mapping[str, str | None] | None = None,
    group: Sequence[str] = (),
    table_id: str = "",
) -> str:
    """An HTML ``<table>``: best value per column in ``<strong>``, second best in ``<u>``."""
    cells, ranks = cells_and_ranks(df, better, group)
    marked = cells.map(html.escape)
    marked[ranks == 1] = "<strong>" + marked[ranks == 1] + "</strong>"
    marked[ranks == 2] = "<u>" + marked[ranks == 2] + "</u>"
    marked.columns = [html.escape(c) for c in df.columns]
    return marked.to_html(index=False, escape=False, table_id=table_id or None, classes="results", border=0)


def to_csv(df: pd.DataFrame) -> str:
    """Plain CSV of the unformatted values (missing values empty)."""
    return df.to_csv(index=False)


def write_table(
    df: pd.DataFrame,
    directory: Path,
    name: str,
    group: Sequence[str] = (),
    caption: str = "",
    better: Mapping[str, str | None] | None = None,
) -> list[Path]:
    """Write ``directory/name.{csv,md,tex,html}``; returns the four paths."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        ".csv": to_csv(df),
        ".md": to_markdown(df, better, group) + "\n",
        ".tex": to_latex(df, better, group, caption=caption, label=f"tab:{name}"),
        ".html": to_html(df, better, group, table_id=name) + "\n",
    }
    paths = []
    for suffix, text in texts.items():
        path = directory / f"{name}{suffix}"
        write_text(path, text)
        paths.append(path)
    return paths


def to_text(df: pd.DataFrame, fmt: str = "table", floatfmt: str = ".3f") -> str:
    """Render a DataFrame as ``table`` (aligned text), ``markdown``, ``csv`` or ``json``."""
    if fmt == "csv":
        return df.to_csv(index=False)
    if fmt == "json":
        return json.dumps(json.loads(df.to_json(orient="records")), indent=2)
    if fmt == "markdown":
        return df.to_markdown(index=False, floatfmt=floatfmt)
    if fmt == "table":
        return df.to_string(index=False, float_format=lambda v: format(v, floatfmt))
    raise ValueError(f"unknown format {fmt!r}: use table, json, csv or markdown")
