"""Paper figures beside measured ones: what the authors reported vs. what we count.

Pure functions over specs and results; nothing here runs a network.
"""

from __future__ import annotations

from typing import Any

from ..models import get_spec


def relative_difference(measured: float | None, reported: float | None) -> float | None:
    """``(measured - reported) / reported``, or None when either is unknown."""
    if measured is None or reported is None or reported == 0:
        return None
    return (measured - reported) / reported


def reported_beside(result: dict[str, Any], macs_counter: str = "fvcore") -> dict[str, Any]:
    """The paper's parameters and MACs next to a complexity result, with relative differences.

    Reported MACs are compared only at the resolution the paper gives them for;
    the counter compared against is fvcore (the convention most papers use),
    falling back to torch.utils.flop_counter where fvcore did not run.
    """
    spec = get_spec(result["model"])
    reported = spec.reported
    measured_params = result["params"]["declared"]
    macs = result["macs"].get(macs_counter) or result["macs"].get("torch_flop_counter")
    same_size = reported.macs_at is not None and list(reported.macs_at) == list(result["size"])
    reported_macs = reported.macs_g * 1e9 if (reported.macs_g is not None and same_size) else None
    return {
        "reported_params": reported.params,
        "params_diff": relative_difference(measured_params, reported.params),
        "reported_gmacs": reported_macs / 1e9 if reported_macs is not None else None,
        "gmacs_diff": relative_difference(macs, reported_macs),
        "reported_source": reported.source,
    }
