"""A display frame as text: Markdown, LaTeX (booktabs), HTML and CSV, and the files of a table.

Markdown, LaTeX and HTML mark the best value of each ranked column in bold and the second
best underlined (italics in Markdown), from the ranks of :mod:`.marks`; CSV holds the plain
values. :func:`write_table` writes all four beside each other; :func:`to_text` is what the
command line prints (aligned text, Markdown, CSV or JSON).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_text
from .display import MISSING
from .marks import cells_and_ranks


def _marked(
    cells: pd.DataFrame,
    ranks: pd.DataFrame,
    best: tuple[str, str],
    second: tuple[str, str],
    escape: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """``cells`` escaped, the rank-1 ones wrapped in ``best`` (opening, closing) and the rank-2 ones in ``second``."""
    values = cells.to_numpy(dtype=object)
    if escape is not None:
        values = np.frompyfunc(escape, 1, 1)(values)
    rank = ranks.to_numpy()
    marked = values.copy()
    for which, (opening, closing) in ((1, best), (2, second)):
        hit = rank == which
        marked[hit] = [opening + text + closing for text in values[hit]]
    return pd.DataFrame(marked, index=cells.index, columns=cells.columns)


def _alignments(df: pd.DataFrame) -> list[bool]:
    """Per column, whether it holds numbers (right-aligned in every format)."""
    return [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]


def _markdown(df: pd.DataFrame, cells: pd.DataFrame, ranks: pd.DataFrame) -> str:
    """:func:`to_markdown` from cells and ranks already worked out."""
    if df.empty:
        return "_(no rows)_"
    marked = _marked(cells, ranks, ("**", "**"), ("_", "_"), lambda s: s.replace("|", "\\|"))
    return marked.to_markdown(
        index=False, disable_numparse=True, colalign=["right" if n else "left" for n in _alignments(df)]
    )


def to_markdown(
    df: pd.DataFrame, better: Mapping[str, str | None] | None = None, group: Sequence[str] = ()
) -> str:
    """A GitHub Markdown table; best value per column in bold, second best in italics."""
    return _markdown(df, *cells_and_ranks(df, better, group))


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


def _latex(
    df: pd.DataFrame,
    cells: pd.DataFrame,
    ranks: pd.DataFrame,
    group: Sequence[str],
    caption: str,
    label: str,
) -> str:
    """:func:`to_latex` from cells and ranks already worked out."""
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
        f"\\begin{{tabular}}{{{''.join('r' if n else 'l' for n in _alignments(df))}}}",
        "\\toprule",
        " & ".join(latex_escape(c) for c in df.columns) + " \\\\",
        "\\midrule",
    ]
    marked = _marked(cells, ranks, ("\\textbf{", "}"), ("\\underline{", "}"), latex_escape).to_numpy()
    keys = [g for g in group if g in df.columns]
    # a row starts a new group where any key differs from the row above (missing keys equal each other)
    key_frame = df[keys]
    changed = (key_frame.ne(key_frame.shift()) & ~(key_frame.isna() & key_frame.shift().isna())).any(axis=1)
    for position, row in enumerate(marked):
        if position > 0 and changed.iloc[position]:
            lines.append("\\midrule")
        lines.append(" & ".join(row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(lines)


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
    return _latex(df, *cells_and_ranks(df, better, group), group, caption, label)


def _html(df: pd.DataFrame, cells: pd.DataFrame, ranks: pd.DataFrame, table_id: str) -> str:
    """:func:`to_html` from cells and ranks already worked out."""
    marked = _marked(cells, ranks, ("<strong>", "</strong>"), ("<u>", "</u>"), html.escape)
    marked.columns = [html.escape(c) for c in df.columns]
    return marked.to_html(index=False, escape=False, table_id=table_id or None, classes="results", border=0)


def to_html(
    df: pd.DataFrame,
    better: Mapping[str, str | None] | None = None,
    group: Sequence[str] = (),
    table_id: str = "",
) -> str:
    """An HTML ``<table>``: best value per column in ``<strong>``, second best in ``<u>``."""
    return _html(df, *cells_and_ranks(df, better, group), table_id)


def to_csv(df: pd.DataFrame) -> str:
    """Plain CSV of the unformatted values (missing values empty)."""
    return df.to_csv(index=False)


@dataclass(frozen=True)
class TableText:
    """One table in every format, its cells formatted and ranked once for all of them."""

    csv: str
    markdown: str
    latex: str
    html: str

    def files(self) -> dict[str, str]:
        """The text of each file :func:`write_table` writes, by suffix."""
        return {".csv": self.csv, ".md": self.markdown + "\n", ".tex": self.latex, ".html": self.html + "\n"}


def render_table(
    df: pd.DataFrame,
    name: str,
    group: Sequence[str] = (),
    caption: str = "",
    better: Mapping[str, str | None] | None = None,
) -> TableText:
    """The table ``name`` in the four formats, as :func:`to_csv`, :func:`to_markdown`, :func:`to_latex`
    (labelled ``tab:<name>``) and :func:`to_html` (id ``name``) give it."""
    cells, ranks = cells_and_ranks(df, better, group)
    return TableText(
        to_csv(df),
        _markdown(df, cells, ranks),
        _latex(df, cells, ranks, group, caption, f"tab:{name}"),
        _html(df, cells, ranks, name),
    )


def write_texts(text: TableText, directory: Path, name: str) -> list[Path]:
    """Write ``directory/name.{csv,md,tex,html}`` from a rendered table; returns the four paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, content in text.files().items():
        path = directory / f"{name}{suffix}"
        write_text(path, content)
        paths.append(path)
    return paths


def write_table(
    df: pd.DataFrame,
    directory: Path,
    name: str,
    group: Sequence[str] = (),
    caption: str = "",
    better: Mapping[str, str | None] | None = None,
) -> list[Path]:
    """Write ``directory/name.{csv,md,tex,html}``; returns the four paths."""
    return write_texts(render_table(df, name, group, caption, better), directory, name)


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
