"""Köhler et al. 2012: blurred shots, each with its sequence of recorded sharp frames."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from deblurbench.datasets import DatasetError, DatasetWarning, check_dataset, open_dataset

# The fake trees hold a few frames per shot, not the benchmark's 199: that note is expected.
pytestmark = pytest.mark.filterwarnings(
    "ignore:kohler. .* shot.s. with another number:deblurbench.datasets.paired.DatasetWarning"
)


@pytest.mark.parametrize("flat", [False, True], ids=["nested", "flat"])
def test_shots_frames_and_reference_frame(tmp_path, fake, to_uint8, flat) -> None:
    root = fake.kohler(tmp_path, shots=((1, 2), (1, 1), (2, 1)), frames=5, flat=flat)
    dataset = open_dataset("kohler", root=root)
    assert dataset.ids == ["Blurry1_1", "Blurry1_2", "Blurry2_1"]
    pair = dataset[1]
    where = root if flat else root / "Image1" / "Kernel2"
    assert pair.meta["reference_frame"] == 3 and pair.meta["frame_count"] == 5
    assert pair.meta["sharp_frames"] == tuple(str(where / f"GroundTruth1_2_{k}.png") for k in range(1, 6))
    assert np.array_equal(to_uint8(pair.sharp), np.asarray(Image.open(where / "GroundTruth1_2_3.png")))
    assert np.array_equal(to_uint8(pair.blur), np.asarray(Image.open(root / "Blurry1_2.png")))
    frames = list(dataset.frames(1))
    assert [n for n, _ in frames] == [1, 2, 3, 4, 5]
    assert np.array_equal(to_uint8(frames[4][1]), np.asarray(Image.open(where / "GroundTruth1_2_5.png")))
    assert open_dataset("kohler", root=root, frame="first")[0].meta["reference_frame"] == 1
    assert open_dataset("kohler", root=root, frame=4)[0].meta["reference_frame"] == 4
    assert dataset.info["expected"] == 48


def test_frame_numbers_sort_numerically(tmp_path, fake) -> None:
    root = fake.kohler(tmp_path, shots=((1, 1),), frames=12)
    pair = open_dataset("kohler", root=root, frame="last")[0]
    assert pair.meta["reference_frame"] == 12 and pair.meta["sharp_frames"][1].endswith("_2.png")


def test_unpaired_shots_and_frames(tmp_path, fake) -> None:
    root = fake.kohler(tmp_path, shots=((1, 1),), frames=2)
    fake.png(root / "Blurry3_4.png")
    with pytest.raises(DatasetError, match=r"Blurry3_4.png: unpaired, no GroundTruth3_4_<k>.png frames"):
        open_dataset("kohler", root=root)
    (root / "Blurry3_4.png").unlink()
    fake.png(root / "Image2" / "Kernel5" / "GroundTruth2_5_1.png")
    with pytest.raises(DatasetError, match=r"GroundTruth2_5_1.png: frames of shot 2_5 but no Blurry2_5.png"):
        open_dataset("kohler", root=root)


def test_bad_frame_option_and_missing_frame(tmp_path, fake) -> None:
    root = fake.kohler(tmp_path, shots=((1, 1),), frames=2)
    with pytest.raises(DatasetError, match="frame='centre'"):
        open_dataset("kohler", root=root, frame="centre")
    with pytest.raises(DatasetError, match=r"Blurry1_1.png: no frame 9 \(frames 1..2\)"):
        open_dataset("kohler", root=root, frame=9)


def test_check_reads_every_frame_and_notes_frame_counts(tmp_path, fake) -> None:
    root = fake.kohler(tmp_path, shots=((1, 1),), frames=3)
    odd = root / "Image1" / "Kernel1" / "GroundTruth1_1_3.png"
    fake.png(odd, height=5, width=8)  # not the reference frame: opening does not read it
    with pytest.warns(
        DatasetWarning, match=r"kohler: 1 shot\(s\) with another number of sharp frames"
    ) as caught:
        open_dataset("kohler", root=root)
    assert len(caught) == 1 and "Blurry1_1.png: 3, recorded 199" in str(caught[0].message)
    report = check_dataset("kohler", root=root)
    assert len(report.problems) == 1 and f"but its sharp image {odd} is 8x5" in report.problems[0]
    assert len(report.notes) == 1 and "Blurry1_1.png: 3, recorded 199" in report.notes[0]
