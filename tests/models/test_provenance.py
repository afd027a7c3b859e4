"""Provenance of the published figures and relative claims: "the authors" only for the network's own
paper or repository; anything else names its reporter (DESIGN.md, Claims).

A figure (``Published``) or comparison (``Relative``) with an empty ``reporter`` is shown as "Reported
by: the authors". That is true only when its source is the network's own repository (README, files,
an issue answered there by the authors or maintainers) or its own paper. A task leaderboard (Papers
with Code), another repository (a later paper's README, another network's issue), or the reference
manifests' notes (leads supplied with the project, not sources) are reporters in their own right.
"""

from __future__ import annotations

import re

import pytest

import deblurbench as db
from deblurbench.models.published import Published, Relative
from deblurbench.models.sources import PAPERS_WITH_CODE, STRIPFORMER_ISSUE_6, TLC_MAIN, manifest_notes

NAMES = db.list_models(plugins=False)

# Repositories that are a network's own besides ``spec.repo``: the same authors' release of the same
# network under another name (not a later paper of theirs: TLC's README reports HINet's figures).
ALSO_OWN = {
    # the original Torch7 release by the first author; DeepDeblur-PyTorch is his re-implementation
    "deepdeblur": {"seungjunnah/deepdeblur_release"},
    # the repository the README and the paper name (github.com/KupynOrest/DeblurGANv2 leads to it)
    "deblurganv2_inception": {"vita-group/deblurganv2"},
    "deblurganv2_mobilenet": {"vita-group/deblurganv2"},
}

_PINNED = re.compile(r"(?<![\w./-])([A-Za-z0-9][\w.-]*/[\w.-]+)@[0-9a-f]{7,40}")
_GITHUB = re.compile(r"github\.com/([\w.-]+/[\w.-]+?)(?:/|\)|\s|$|')")


def cited_repositories(source: str) -> set[str]:
    """The GitHub repositories a source names, as ``owner/name`` in lower case."""
    found = {m.group(1) for m in _PINNED.finditer(source)} | {m.group(1) for m in _GITHUB.finditer(source)}
    return {repo.lower() for repo in found}


def own_repositories(name: str) -> set[str]:
    return {db.get_spec(name).repo.lower(), *ALSO_OWN.get(name, set())}


def records(name: str) -> list[Published | Relative]:
    spec = db.get_spec(name)
    return [*spec.figures(), *spec.relative]


def test_the_repository_pattern() -> None:
    assert cited_repositories(
        "megvii-research/TLC@8e87983d917b387c63fdaa3425eb1a677aa39af6:README.md ('Main Results' table)"
    ) == {"megvii-research/tlc"}
    assert cited_repositories(
        "https://github.com/pp00704831/Stripformer-ECCV-2022-/issues/6 (pp00704831)"
    ) == {"pp00704831/stripformer-eccv-2022-"}
    assert cited_repositories("shared/reference/hinet.json notes; figures/GoPro Result.jpg") == set()


@pytest.mark.parametrize("name", NAMES)
def test_the_authors_means_the_network_s_own_paper_or_repository(name: str) -> None:
    """An empty reporter cites only the network's own repository (or its paper, which names none)."""
    own = own_repositories(name)
    for record in records(name):
        if record.reporter:
            continue
        others = cited_repositories(record.source) - own
        assert not others, f"{name}: {record} cites {sorted(others)}: set reporter= to who reports it"
        assert "paperswithcode" not in record.source.lower(), f"{name}: a leaderboard is a reporter: {record}"
        assert "shared/reference" not in record.source and "manifest" not in record.source.lower(), (
            f"{name}: the reference manifests' notes are leads, not the authors: {record}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_leaderboards_and_manifest_notes_are_named_as_reporters(name: str) -> None:
    for record in records(name):
        if "paperswithcode.com" in record.source:
            assert record.reporter == PAPERS_WITH_CODE.reporter, (name, record)
        elif "shared/reference/" in record.source:
            (manifest,) = set(re.findall(r"shared/reference/(\w+)\.json", record.source))
            assert record.reporter == manifest_notes(manifest), (name, record)


def _by(name: str, quantity: str, value: float) -> Published:
    (figure,) = [f for f in db.get_spec(name).figures() if f.quantity == quantity and f.value == value]
    return figure


def test_the_old_mistakes_name_their_reporters() -> None:
    """The figures that used to read 'Reported by: the authors'."""
    # HINet: 170.7 GMACs is the manifest notes' lead; TLC's README is another paper's
    assert _by("hinet", "macs", 170.7).reporter == "reference manifest notes (shared/reference/hinet.json)"
    tlc = [f for f in db.get_spec("hinet").figures() if "megvii-research/TLC@" in f.source]
    assert {(f.dataset, f.value) for f in tlc} == {("gopro", 32.71), ("hide", 30.33)}
    assert all(f.reporter == TLC_MAIN.reporter == "TLC README 'Main Results'" for f in tlc)
    # the maintainer's answers in HINet's own issues and the README's images stay the authors'
    assert _by("hinet", "params", 88.7).own and _by("hinet", "psnr", 32.77).own
    # NAFNet width32: 17.1 M and 16 G are leads, for both registered names
    for name in ("nafnet_gopro_width32", "nafnet_gopro_width32_tlc"):
        for quantity, value in (("params", 17.1), ("macs", 16.0)):
            assert _by(name, quantity, value).reporter == manifest_notes("nafnet_gopro_width32")
    assert _by("nafnet_gopro_width64_tlc", "psnr", 33.69).own  # the abstract, printed in the README
    # Restormer: 26.1 M and 141 G are leads; the size is the maintainer's (issue #19), kept in the source
    for quantity, value in (("params", 26.1), ("flops", 141.0)):
        assert (
            _by("restormer", quantity, value).reporter
            == "reference manifest notes (shared/reference/restormer.json)"
        )
    assert "Restormer/issues/19" in _by("restormer", "flops", 141.0).source
    # MIMO-UNet: the parameter counts are leads; the README's tables stay the authors'
    assert _by("mimo_unet", "params", 6.8).reporter == manifest_notes("mimo_unet")
    assert _by("mimo_unet_plus", "params", 16.1).reporter == manifest_notes("mimo_unet_plus")
    for name in ("mimo_unet", "mimo_unet_plus"):
        assert sum(f.own for f in db.get_spec(name).figures()) == 5
    # FFTformer: all three are Papers with Code's, listed under 'fftformer'
    fftformer = db.get_spec("fftformer").figures()
    assert len(fftformer) == 3
    assert all((f.reporter, f.label) == ("Papers with Code", "fftformer") for f in fftformer)
    # MPRNet: the paper's figures through Papers with Code; no own figure is left
    mprnet = db.get_spec("mprnet").figures()
    pwc = {(f.quantity, f.dataset, f.value) for f in mprnet if f.reporter == "Papers with Code"}
    assert pwc == {
        ("params", "", 20.1),
        ("psnr", "gopro", 32.66),
        ("ssim", "gopro", 0.959),
        ("psnr", "hide", 30.96),
        ("ssim", "hide", 0.939),
    }
    assert not [f for f in mprnet if f.own]


def test_stripformer_issue_6_is_the_authors_for_stripformer_only() -> None:
    """The Stripformer author's table in Stripformer's own repository: own for Stripformer's row, a
    second-hand report for every other row."""
    stripformer = db.get_spec("stripformer").figures()
    issue = [f for f in stripformer if "Stripformer-ECCV-2022-/issues/6" in f.source]
    assert {(f.quantity, f.value) for f in issue} == {
        ("psnr", 33.08),
        ("params", 20.0),
        ("flops", 170.0),
        ("runtime", 52.0),
        ("runtime", 800.0),
    }
    assert all(f.own for f in issue)
    assert _by("stripformer", "ssim", 0.962).reporter == "Papers with Code"
    for name, label in (("restormer", "Restormer (CVPR 2022)"), ("mprnet", "MPRNet (CVPR 2021)")):
        rows = [f for f in db.get_spec(name).figures() if "Stripformer-ECCV-2022-/issues/6" in f.source]
        assert len(rows) == 5
        assert all((f.reporter, f.label) == (STRIPFORMER_ISSUE_6.reporter, label) for f in rows)
        assert STRIPFORMER_ISSUE_6.reporter == "Stripformer issue #6"


# ---- relative claims: (network, quantity, other) -> (ratio as printed, words it is printed in) ----

RELATIVE = {
    ("hinet", "macs", "mprnet"): (0.225, "with 22.5% of its MACs"),
    ("hinet", "runtime", "mprnet"): (1 / 3.3, "3.3 times speedup"),
    ("nafnet_gopro_width64_tlc", "macs", "MPRNet-local"): (
        0.084,
        "with only 8.4% of its computational costs",
    ),
    ("dmphn_1_2_4", "runtime", "current multi-scale methods"): (1 / 40, "a 40x faster runtime"),
    ("deblurgan", "runtime", "deepdeblur"): (1 / 5, "5 times faster than the closest competitor"),
    ("deblurganv2_mobilenet", "runtime", "the nearest competitors"): (None, "10-100 times faster"),
    ("srn_deblurnet", "params", "deepdeblur"): (None, "a smaller number of parameters"),
    ("lmfn", "params", "existing methods"): (None, "with a smaller number of parameters"),
    ("mimo_unet_plus", "runtime", "MIMO-UNet++"): (1 / 4, "MIMO-UNet++ performed 4x slower than MIMO-UNet+"),
    ("stripformer", "runtime", "mprnet"): (None, "Stripformer is still faster than these methods"),
    ("stripformer", "runtime", "MIMO-UNet++"): (None, "Stripformer is still faster than these methods"),
    ("stripformer", "runtime", "restormer"): (None, "Stripformer is still faster than these methods"),
}


def test_relative_claims_are_recorded_with_the_printed_ratios() -> None:
    found = {(name, r.quantity, r.other): r for name in NAMES for r in db.get_spec(name).relative}
    assert set(found) == set(RELATIVE)
    for key, (ratio, words) in RELATIVE.items():
        record = found[key]
        assert record.ratio == (None if ratio is None else pytest.approx(ratio, rel=1e-12)), key
        assert words in record.printed, key
        assert record.own, f"{key}: printed by the network's own authors"
        assert record.note, f"{key}: say what the sentence leaves open"


def test_relative_claims_name_registered_networks_by_their_registry_name() -> None:
    """A compared network that is registered goes by its registry name, not as printed."""
    printed_names = {db.get_spec(n).display_name.lower(): n for n in NAMES} | {
        "mprnet": "mprnet",
        "deepdeblur": "deepdeblur",
        "restormer": "restormer",
        "srn": "srn_deblurnet",
    }
    for name in NAMES:
        for record in db.get_spec(name).relative:
            if record.other in NAMES:
                continue
            assert record.other.lower() not in printed_names, (name, record.other)


def test_hinet_and_nafnet_sentences() -> None:
    """'its' in each abstract, resolved: MPRNet for HINet, MPRNet-Local (not registered) for NAFNet."""
    macs, runtime = db.get_spec("hinet").relative
    assert (
        macs.printed
        == runtime.printed
        == (
            "For image deblurring, we get comparable performance with 22.5% of its MACs and 3.3 times "
            "speedup on REDS and GoPro datasets."
        )
    )
    assert "megvii-model/HINet@" in macs.source and "2105.06086" in macs.source
    assert "MPRNet [56]" in macs.note
    (naf,) = db.get_spec("nafnet_gopro_width64_tlc").relative
    assert "MPRNet-local" not in NAMES and "33.31" in naf.note and "width 64" in naf.note
    assert (
        not db.get_spec("nafnet_gopro_width64").relative
        and not db.get_spec("nafnet_gopro_width32_tlc").relative
    )
    (stripformer_mprnet,) = [r for r in db.get_spec("stripformer").relative if r.other == "mprnet"]
    assert stripformer_mprnet.size == (720, 1280) and "Sync-Time" in stripformer_mprnet.source


def test_every_source_table_is_listed_once() -> None:
    """table_of() knows a table only through TABLES: a SourceTable declared but not listed would be missed."""
    from deblurbench.models import sources

    declared = [v for v in vars(sources).values() if isinstance(v, sources.SourceTable)]
    assert sorted(t.reporter for t in declared) == sorted(t.reporter for t in sources.TABLES)
    assert sources.table_of(sources.LFDN_GOPRO.at("row 'x'")) == sources.table_of(
        sources.LFDN_GOPRO.at("row 'y'")
    )
    pwc = sources.PAPERS_WITH_CODE
    assert sources.table_of(pwc.at("a")) != sources.table_of(pwc.at("b"))  # one page per paper, not one table
