"""Constructor overrides that shrink a registered network to a few features and one block per
level, for tests where its full width is not needed: the architecture and its size rule stay
the network's. Keyed by registered name; ``tests/models/test_contract.py`` runs each through
``Restorer``, the per-network files use their own entry.
"""

from __future__ import annotations

TINY: dict[str, dict[str, object]] = {
    "fftformer": {"dim": 8, "num_blocks": [1, 1, 1, 1], "num_refinement_blocks": 1},
    "mprnet": {"n_feat": 8, "scale_unetfeats": 4, "scale_orsnetfeats": 4, "num_cab": 1},
    "nafnet_gopro_width32": {"width": 8, "enc_blk_nums": [1, 1, 1, 1], "dec_blk_nums": [1, 1, 1, 1]},
    "restormer": {"dim": 8, "num_blocks": [1, 1, 1, 1], "num_refinement_blocks": 1},
}
