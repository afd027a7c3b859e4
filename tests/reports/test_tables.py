"""Tables from a fabricated store: contents, units, and best / second-best marking in every format."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import pytest

from deblurbench.bench.store import Store
from deblurbench.reports.cost import complexity_table, latency_table, summary_frame
from deblurbench.reports.display import MISSING, display_name
from deblurbench.reports.formats import to_csv, to_html, to_latex, to_markdown, write_table
from deblurbench.reports.frames import pick_protocol
from deblurbench.reports.paper import paper_table
from deblurbench.reports.quality import quality_tables


def test_complexity_table_has_units_and_every_size(store: Store) -> None:
    table = complexity_table(store)
    assert len(table) == 8  # 4 networks x 2 sizes
    assert {"Params (M)", "Params used (M)", "fvcore (GMACs)", "torch counter (GMACs)"} <= set(table.columns)
    lmfn = table[(table["Network"] == "LMFN") & (table["Size (HxW)"] == "256x256")].iloc[0]
    assert lmfn["Params (M)"] == pytest.approx(1.247707)
    assert lmfn["fvcore (GMACs)"] == pytest.approx(4.493, rel=1e-3)
    # fvcore does not run at 720x1280: missing, never 0
    big = table[table["Size (HxW)"] == "720x1280"]
    assert big["fvcore (GMACs)"].isna().all()


def test_latency_table_labels_unsynchronised_rows(store: Store) -> None:
    table = latency_table(store)
    assert {"Device", "Dtype", "Size (HxW)", "Median (ms)", "p90 (ms)", "Peak memory (MiB)"} <= set(
        table.columns
    )
    cuda = table[table["Device"].str.contains("GPU")]
    assert len(cuda) == 3
    assert cuda["Timing"].str.startswith("UNSYNCHRONISED").sum() == 1


def test_quality_tables_per_dataset_with_conventions_named(store: Store) -> None:
    tables = quality_tables(store)
    assert set(tables) == {"gopro", "synthetic"}
    gopro = tables["gopro"]
    assert {"PSNR (dB)", "SSIM (matlab)", "SSIM (skimage)", "SSIM (basicsr)", "LPIPS (alex)"} <= set(
        gopro.columns
    )
    lmfn = gopro[gopro["Network"] == "LMFN"].iloc[0]
    assert lmfn["Images"] == 4 and lmfn["PSNR (dB)"] == pytest.approx(31.0)
    assert lmfn["Weights"] == "lmfn_gopro.pth"
    # reference methods have no spec: their own display names, no crash
    assert "Blurry input" in set(gopro["Network"])
    synthetic = tables["synthetic"]
    wiener = synthetic[synthetic["Network"].str.startswith("Wiener")].iloc[0]
    assert math.isnan(wiener["LPIPS (alex)"])  # missing LPIPS stays missing
    assert f"{MISSING} |" in to_markdown(synthetic, group=("Split", "Protocol"))


def test_unknown_name_displays_itself() -> None:
    assert display_name("not_a_network_at_all") == "not_a_network_at_all"


def test_paper_table_combines_quality_and_cost(store: Store) -> None:
    table = paper_table(store)
    assert "PSNR (dB) gopro" in table.columns and "SSIM (matlab) gopro" in table.columns
    assert "CUDA latency (ms) @256x256" not in table.columns  # no CUDA row at 256x256: column dropped
    lmfn = table[table["Network"] == "LMFN"].iloc[0]
    assert lmfn["PSNR (dB) gopro"] == pytest.approx(31.0)
    assert lmfn["Params (M)"] == pytest.approx(1.247707)
    assert set(table["Network"]) >= {"LMFN", "MIMO-UNet", "HINet", "Blurry input"}


def test_directions_come_from_the_record_declarations(store: Store) -> None:
    paper = paper_table(store).attrs["better"]
    assert paper["PSNR (dB) gopro"] == "max" and paper["SSIM (matlab) gopro"] == "max"
    assert paper["Params (M)"] == "min" and paper["GMACs @256x256 (fvcore)"] == "min"
    assert paper["CPU latency (ms) @256x256"] == "min"
    assert "Network" not in paper and "Weights" not in paper
    assert complexity_table(store).attrs["better"]["torch counter (GMACs)"] == "min"
    latency = latency_table(store).attrs["better"]
    assert latency["Median (ms)"] == "min" and latency["Peak memory (MiB)"] == "min"
    quality = quality_tables(store)["gopro"].attrs
    assert quality["better"]["LPIPS (alex)"] == "min" and "Images" not in quality["better"]
    assert quality["decimals"]["PSNR (dB)"] == 2 and quality["decimals"]["SSIM (skimage)"] == 4


def test_a_new_value_column_is_ranked_as_declared() -> None:
    # what a header says is not read: an unranked frame marks nothing, whatever its headers
    df = pd.DataFrame({"Network": ["a", "b"], "PSNR (dB)": [30.0, 29.0]})
    assert "\\textbf" not in to_latex(df)
    from deblurbench.reports.display import with_marks

    assert "\\textbf{30.00}" in to_latex(with_marks(df, {"PSNR (dB)": "max"}, {"PSNR (dB)": 2}))


def _balanced(tex: str) -> None:
    opened = re.findall(r"\\begin\{(\w+)\}", tex)
    closed = re.findall(r"\\end\{(\w+)\}", tex)
    assert opened == list(reversed(closed)), (opened, closed)
    assert tex.count("{") == tex.count("}")


def test_latex_booktabs_balanced_and_marks_best(store: Store) -> None:
    table = paper_table(store)
    tex = to_latex(table, caption="Quality and cost", label="tab:paper")
    _balanced(tex)
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert tex.count(rule) >= 1
    assert "\\begin{tabular}{ll" in tex  # text columns left, numbers right
    rows = {line.split(" & ")[0]: line for line in tex.splitlines() if " & " in line}
    # lower params is better: LMFN best, MIMO-UNet second; higher PSNR is better: MIMO-UNet best
    assert "\\textbf{1.248}" in rows["LMFN"] and "\\underline{6.807}" in rows["MIMO-UNet"]
    assert "\\textbf{31.70}" in rows["MIMO-UNet"] and "\\underline{31.00}" in rows["LMFN"]
    assert "lmfn\\_gopro.pth" in rows["LMFN"]  # special characters escaped
    assert "\\textbf" not in rows["HINet"].split(" & ")[0]


def test_latex_marks_within_groups(store: Store) -> None:
    tex = to_latex(complexity_table(store), group=("Size (HxW)",))
    _balanced(tex)
    assert tex.count("\\textbf{1.248}") == 2  # LMFN best at each size
    assert tex.count("\\midrule") == 2  # after the header and between the two sizes


def test_ties_share_the_rank_and_single_values_are_not_marked() -> None:
    df = pd.DataFrame(
        {"Network": ["a", "b", "c"], "PSNR (dB)": [30.0, 30.001, 29.0], "Params (M)": [1.0, None, None]}
    )
    from deblurbench.reports.display import with_marks

    tex = to_latex(
        with_marks(df, {"PSNR (dB)": "max", "Params (M)": "min"}, {"PSNR (dB)": 2, "Params (M)": 3})
    )
    assert tex.count("\\textbf{30.00}") == 2 and "\\underline{29.00}" in tex
    assert "\\textbf{1.000}" not in tex  # one value: nothing to compare


def test_markdown_and_html_mark_best(store: Store) -> None:
    table = paper_table(store)
    md = to_markdown(table)
    assert "**1.248**" in md and "_6.807_" in md and "| LMFN" in md
    page = to_html(table, table_id="paper")
    assert "<strong>1.248</strong>" in page and "<u>6.807</u>" in page and 'id="paper"' in page


def test_write_table_writes_four_formats(store: Store, tmp_path) -> None:
    paths = write_table(
        latency_table(store), tmp_path / "tables", "latency", ("Device", "Size (HxW)"), "Latency"
    )
    assert sorted(p.suffix for p in paths) == [".csv", ".html", ".md", ".tex"]
    assert all(p.stat().st_size > 100 for p in paths)
    assert len(pd.read_csv(tmp_path / "tables" / "latency.csv")) == len(latency_table(store))


def test_a_noisy_timing_is_marked(store: Store) -> None:
    from dataclasses import replace

    from deblurbench.bench.records import LatencyRecord

    (row,) = [
        r for r in store.records(LatencyRecord) if r.model == "lmfn" and r.device == "cpu" and r.height == 256
    ]
    store.put(replace(row, p90_ms=row.median_ms * 1.7, ci_low_ms=1.0, ci_high_ms=2.0))
    table = latency_table(store)
    lmfn = table[
        (table["Network"] == "LMFN")
        & (table["Size (HxW)"] == "256x256")
        & (table["Device"] == "Fabricated CPU")
    ]
    assert (
        lmfn["Noisy"].iloc[0] == "noisy (p90 1.7x median)" and lmfn["Median interval (ms)"].iloc[0] == "1-2"
    )
    others = table[table["Network"] != "LMFN"]
    assert (others["Noisy"] == "").all()


def test_paper_table_with_networks_with_and_without_quality(tmp_path) -> None:
    from fabricated import complexity_result, quality_rows

    store = Store(tmp_path)
    store.put(complexity_result("hinet", (256, 256), 88_668_806, 88_668_806, 170.0))
    store.put(complexity_result("lmfn", (256, 256), 1_247_707, 1_223_804, 4.49))
    store.put(quality_rows("lmfn", "w", "synthetic", 26.0))
    table = paper_table(store)
    assert list(table["Network"]) == ["LMFN", "HINet"]
    assert table["PSNR (dB) synthetic"].iloc[0] == pytest.approx(26.0) and math.isnan(
        table["PSNR (dB) synthetic"].iloc[1]
    )


def _per_image(ids_and_psnr: dict[str, float], model: str = "lmfn", weights: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": model,
            "weights": weights,
            "split": "test",
            "image_id": list(ids_and_psnr),
            "psnr": list(ids_and_psnr.values()),
        }
    )


def test_quality_by_source_weighs_sources_equally_in_its_mean_row() -> None:
    from deblurbench.reports.quality import MEAN_OF_SOURCES, quality_by_source

    # three tiles of one picture at 30 dB, one of another at 20 dB: image mean 27.5, source mean 25
    rows = pd.concat(
        [
            _per_image({"sky/0": 30.0, "sky/1": 30.0, "sky/2": 30.0, "cat/3": 20.0}, "lmfn", "synthetic"),
            _per_image({"sky/0": 29.0, "sky/1": 29.0, "sky/2": 29.0, "cat/3": 22.0}, "mimo_unet"),
        ]
    )
    table = quality_by_source(rows)
    mean = table[table["Source"] == MEAN_OF_SOURCES].set_index("Method")
    assert mean.loc["LMFN [synthetic]", "PSNR (dB)"] == pytest.approx(25.0)
    assert mean.loc["LMFN [synthetic]", "Images"] == 4
    assert mean.loc["MIMO-UNet", "PSNR (dB)"] == pytest.approx(25.5)
    assert table["Source"].tolist()[-1] == MEAN_OF_SOURCES  # after every source
    cat = table[table["Source"] == "cat"].set_index("Method")["PSNR (dB)"]
    assert cat.to_dict() == {"MIMO-UNet": 22.0, "LMFN [synthetic]": 20.0}
    # best marked within each source, not across sources
    assert "**22.00**" in to_markdown(table, group=("Split", "Source"))


def test_quality_by_source_is_empty_without_sources() -> None:
    from deblurbench.reports.quality import quality_by_source

    assert quality_by_source(_per_image({"0": 1.0, "1": 2.0})).empty  # ids without a source part
    assert quality_by_source(_per_image({"a/0": 1.0, "a/1": 2.0})).empty  # a single source
    assert quality_by_source(_per_image({"a/0": 1.0, "b/1": 2.0})).empty  # one image per source


def test_reference_methods_are_shown_but_never_marked() -> None:
    from deblurbench.reports.display import with_marks

    # the oracle (Wiener told the true kernel) scores best and the blurry input has the fewest
    # parameters, yet the marks go to the networks: LMFN best, HINet second, in every format
    df = with_marks(
        pd.DataFrame(
            {
                "Network": ["Wiener (true kernel)", "LMFN", "HINet", "Blurry input"],
                "PSNR (dB)": [35.0, 31.0, 30.0, 25.0],
                "Params (M)": [0.0, 1.2, 88.7, 0.0],
            }
        ),
        {"PSNR (dB)": "max", "Params (M)": "min"},
        {"PSNR (dB)": 2, "Params (M)": 1},
    )
    md = to_markdown(df)
    assert "35.00" in md and "**35.00**" not in md and "_35.00_" not in md and "**0.0**" not in md
    assert "**31.00**" in md and "_30.00_" in md and "**1.2**" in md and "_88.7_" in md
    page = to_html(df)
    assert "<strong>31.00</strong>" in page and "<u>30.00</u>" in page and "<strong>0.0</strong>" not in page
    rows = {line.split(" & ")[0]: line for line in to_latex(df).splitlines() if " & " in line}
    assert "\\textbf" not in rows["Wiener (true kernel)"] and "\\underline" not in rows["Blurry input"]
    assert "\\textbf{31.00}" in rows["LMFN"] and "\\underline{30.00}" in rows["HINet"]
    assert "**" not in to_csv(df) and "<strong>" not in to_csv(df)


def test_a_lone_network_among_references_is_not_marked(store: Store) -> None:
    # synthetic: LMFN 28.0 dB, Wiener 26.7, blurry input 24.8; one network has nothing to beat
    synthetic = quality_tables(store)["synthetic"]
    assert set(synthetic["Network"]) == {"LMFN", "Wiener (true kernel)", "Blurry input"}
    assert "**" not in to_markdown(synthetic, group=("Split", "Protocol"))
    assert "_26.70_" not in to_markdown(synthetic, group=("Split", "Protocol"))
    # the by-source table names its rows under "Method": references there are not marked either
    from deblurbench.reports.quality import quality_by_source

    by_source = quality_by_source(store.frame("quality").query("dataset == 'synthetic'"))
    assert "Wiener (true kernel)" in set(by_source["Method"])
    assert "**" not in to_markdown(by_source, group=("Split", "Source"))


def test_a_timing_on_a_busy_machine_is_marked_and_never_best(store: Store) -> None:
    from dataclasses import replace

    from deblurbench.bench.records import LatencyRecord
    from deblurbench.reports.marks import cells_and_ranks

    rows = [r for r in store.records(LatencyRecord) if r.device == "cpu" and r.height == 256 and r.batch == 1]
    fastest = min(rows, key=lambda r: r.median_ms)
    store.put(replace(fastest, load_before=6.0, load_after=7.5, cores=2))
    name = display_name(fastest.model)
    for table, header in (
        (latency_table(store), "Median (ms)"),
        (summary_frame(store), "CPU ms @256x256 (median)"),
        (paper_table(store), "CPU latency (ms) @256x256"),
    ):
        note = table.attrs["doubt"][header]
        mine = table[(table["Network"] == name) & table[note].fillna("").astype(bool)]
        assert "busy machine (load 7.5 on 2 cores)" in mine[note].iloc[0], table[note]
        group = [c for c in ("Device", "Dtype", "Size (HxW)", "Batch", "Timing", "Settings") if c in table]
        _, ranks = cells_and_ranks(table, None, group)
        assert (ranks.loc[mine.index, header] == 0).all()
        assert (ranks[header] == 1).any()  # another network is best instead


def test_a_second_precision_is_its_own_row_and_never_averaged_in(store: Store, make_quality_rows) -> None:
    """bfloat16 scores of LMFN's GoPro images sit beside the float32 ones: the quality table shows
    the Dtype column, and the paper table and the subject's pick keep the float32 mean alone."""
    low = [
        replace(r, dtype="bfloat16", psnr=r.psnr - 5)
        for r in make_quality_rows("lmfn", "lmfn_gopro.pth", "gopro", 31.0)
    ]
    store.put(low)
    gopro = quality_tables(store)["gopro"]
    assert "Dtype" in gopro.columns and "Device" not in gopro.columns  # one device: not shown
    lmfn = gopro[gopro["Network"] == "LMFN"].set_index("Dtype")["PSNR (dB)"]
    assert lmfn["float32"] == pytest.approx(31.0) and lmfn["bfloat16"] == pytest.approx(26.0)
    paper = paper_table(store)
    assert paper.loc[paper["Network"] == "LMFN", "PSNR (dB) gopro"].tolist() == [pytest.approx(31.0)]
    only_low = pick_protocol(store.frame("quality").query("model == 'lmfn' and dtype == 'bfloat16'"))
    assert set(only_low["dtype"]) == {"bfloat16"}  # measured only in bfloat16: shown in it
    assert "Dtype" not in quality_tables(store)["synthetic"].columns


def test_a_table_is_rendered_once_for_every_format(store: Store, tmp_path) -> None:
    from deblurbench.reports.formats import render_table

    table, group = latency_table(store), ("Device", "Size (HxW)")
    text = render_table(table, "latency", group, "Latency")
    assert text.csv == to_csv(table)
    assert text.markdown == to_markdown(table, None, group)
    assert text.latex == to_latex(table, None, group, caption="Latency", label="tab:latency")
    assert text.html == to_html(table, None, group, table_id="latency")
    paths = write_table(table, tmp_path, "latency", group, "Latency")
    assert {p.suffix: p.read_text() for p in paths} == text.files()


def test_an_empty_table_renders_in_every_format() -> None:
    from deblurbench.reports.display import with_marks
    from deblurbench.reports.formats import render_table

    empty = pd.DataFrame({"Network": pd.Series([], dtype=str), "PSNR (dB)": pd.Series([], dtype=float)})
    text = render_table(with_marks(empty, {"PSNR (dB)": "max"}, {"PSNR (dB)": 2}), "empty")
    assert text.markdown == "_(no rows)_"
    assert "<th>PSNR (dB)</th>" in text.html and "<td>" not in text.html
    assert "\\toprule" in text.latex and "\\textbf" not in text.latex


def test_marks_follow_rows_not_index_labels() -> None:
    # a repeated index label (frames concatenated) must not carry one row's mark to another
    from deblurbench.reports.display import with_marks

    df = pd.DataFrame(
        {"Network": ["a", "b", "c", "d"], "Params (M)": [1.0, 2.0, 2.0, 3.0]}, index=[0, 0, 1, 1]
    )
    md = to_markdown(with_marks(df, {"Params (M)": "min"}, {"Params (M)": 1}))
    rows = {line.split("|")[1].strip(): line for line in md.splitlines()[2:]}
    assert "**1.0**" in rows["a"] and "_2.0_" in rows["b"] and "_2.0_" in rows["c"]
    assert "*" not in rows["d"] and "_" not in rows["d"]


def test_latex_rows_missing_their_group_key_are_one_group() -> None:
    # as for the marks (ranked within groups, a missing key its own group): no rule between them
    df = pd.DataFrame({"Network": ["a", "b", "c", "d"], "Size (HxW)": ["256x256", None, None, "720x1280"]})
    body = to_latex(df, group=("Size (HxW)",)).split("\\midrule\n", 1)[1]  # after the header's rule
    assert body.count("\\midrule") == 2  # before b (key missing) and before d, not between b and c
