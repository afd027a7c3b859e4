"""The comparison tables that report figures for several networks, each declared once.

A :class:`SourceTable` says where a table is printed (repository at a commit, file, caption)
and the name a figure taken from it is reported under (``Published.reporter``). Each network's
file cites its own row or column with :meth:`SourceTable.at`, so a table is described the same
way for every network it lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTable:
    """A published table: who reports it, and where it is, with ``{entry}`` where a row or column goes."""

    reporter: str
    where: str
    one_table: bool = (
        True  # False for a family of pages (a leaderboard's page per paper): no shared conditions
    )

    def at(self, entry: str) -> str:
        """The source of one entry, e.g. ``table.at("row 'DMPHN [11]'")``."""
        return self.where.format(entry=entry)


_LFDN = "LiQiang0307/LFDN@db61afcd8780567c82ade802cdee0a6c8802eddf"
LFDN_GOPRO = SourceTable(
    "LFDN (Sensors 2021) Table 3",
    f"{_LFDN}:fig/8.png (Table 3: Performance and efficiency comparison on GoPro dataset, {{entry}})",
)
LFDN_KOHLER = SourceTable(
    "LFDN (Sensors 2021) Table 4",
    f"{_LFDN}:fig/9.png (Table 4: Performance and efficiency comparison on Kohler dataset, {{entry}})",
)
LFDN_HIDE = SourceTable(
    "LFDN (Sensors 2021) Table 5",
    f"{_LFDN}:fig/10.png (Table 5: Performance comparison on HIDE dataset, {{entry}})",
)

_DEBLURGANV2 = "VITA-Group/DeblurGANv2@c16bd9f5be63885389a57202c74023531d9ca086"
DEBLURGANV2_GOPRO = SourceTable(
    "DeblurGAN-v2 README table",
    f"{_DEBLURGANV2}:doc_images/gopro_table.png (Table 1: Performance and efficiency comparison on the "
    "GoPro test dataset, All models were tested on the linear image subset; {entry})",
)
DEBLURGANV2_KOHLER = SourceTable(
    "DeblurGAN-v2 Kohler table (doc_images, commented out of the README)",
    f"{_DEBLURGANV2}:doc_images/kohler_table.png (Table 2: PSNR and SSIM comparison on the Kohler "
    "dataset; commented out of the README; {entry})",
)

_HINET = "megvii-model/HINet@4e7231543090e6280d03fac22b3bb6869a25dfad"
HINET_GOPRO = SourceTable(
    "HINet Table 2 (README figure)",
    f"{_HINET}:figures/GoPro Result.jpg (Table 2: Deblurring comparisons on GoPro [31] dataset, {{entry}})",
)
HINET_REDS = SourceTable(
    "HINet REDS table (README figure)",
    f"{_HINET}:figures/REDS Result.jpg (Table 2: Comparison of MPRNet and HINet(ours) on the REDS "
    "dataset of NTIRE 2021 Image Deblurring Challenge Track 2. JPEG artifacts. The scores are "
    "evaluated from 300 images from the val set; {entry})",
)

MIMO_UNET_TIMING = SourceTable(
    "MIMO-UNet README",
    "chosj95/MIMO-UNet@5c580135ed1c03344ac9c741267324ff90b5f209:README.md ('GPU syncronization issue "
    "on measuring inference time' table, {entry}; RTX3090, VRAM restricted to 12 GB)",
)

MARKDOWN_COPY = SourceTable(
    "hukv1990/MarkDown Deblurred.md (third-party comparison table)",
    "hukv1990/MarkDown@d70182b9f4afe2392f6ae3e10d9162779a1355ee:论文/Deblurred.md "
    "('Quantitative evaluations of state-of-the-arts' table, {entry})",
)

TLC_MAIN = SourceTable(
    "TLC README 'Main Results'",
    "megvii-research/TLC@8e87983d917b387c63fdaa3425eb1a677aa39af6:README.md ('Main Results' table, {entry})",
)

STRIPFORMER_ISSUE_6 = SourceTable(
    "Stripformer issue #6",
    "https://github.com/pp00704831/Stripformer-ECCV-2022-/issues/6 (pp00704831 2022-10-13, answering in "
    "the Stripformer repository: 'I compare Stripformer with SOTAs on the GoPro test set with a single "
    "RTX3090 GPU', 'The GFLOPs are measured on a 256x256 patch'; table {entry})",
)

# Papers with Code's per-paper pages ('Results from the Paper'): a task leaderboard's transcription of
# a paper's tables, not the authors' own material.
PAPERS_WITH_CODE = SourceTable(
    "Papers with Code", "https://paperswithcode.com/paper/{entry}", one_table=False
)


def manifest_notes(name: str) -> str:
    """Who reports a figure taken from a reference manifest's ``notes``: leads supplied with the
    project, not a source, so the figure is never the authors' own."""
    return f"reference manifest notes (shared/reference/{name}.json)"


TABLES = (
    LFDN_GOPRO,
    LFDN_KOHLER,
    LFDN_HIDE,
    DEBLURGANV2_GOPRO,
    DEBLURGANV2_KOHLER,
    HINET_GOPRO,
    HINET_REDS,
    MIMO_UNET_TIMING,
    MARKDOWN_COPY,
    TLC_MAIN,
    STRIPFORMER_ISSUE_6,
    PAPERS_WITH_CODE,
)


def table_of(source: str) -> str:
    """The printed table a figure's source cites (its rows were measured alike), else the source itself."""
    for table in TABLES:
        if table.one_table and source.startswith(table.where.split("{entry}")[0]):
            return table.reporter
    return source
