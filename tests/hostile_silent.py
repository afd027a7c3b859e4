"""Hostile rows of issue 23, "nothing silently wrong": results that looked right but were not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import EVALUATE, Case

from deblurbench.bench.store import Store

SYNTHETIC_TINY = ("--dataset", "synthetic", "--split", "tiny")


def _weights_of(world: Path, model: str) -> set[str]:
    quality = Store(world / "out").frame("quality")
    return set(quality.loc[quality["model"] == model, "weights"])


CASES = [
    Case(
        "a network without weights is not scored silently",
        (*EVALUATE, "--models", "identity,lmfn", *SYNTHETIC_TINY),
        line="lmfn without weights would score a random initialisation; give --weights NAME=PATH_OR_TAG "
        "(shipped: lmfn=synthetic)",
        absent=("out",),
    ),
    Case(
        "--random-weights scores it, labelled 'random init'",
        (*EVALUATE, "--models", "lmfn", *SYNTHETIC_TINY, "--random-weights"),
        code=0,
        then=lambda w: _weights_of(w, "lmfn") == {"random init"} or pytest.fail(str(_weights_of(w, "lmfn"))),
    ),
]
