"""A network with its official input/output mapping as one module: what every measurement runs.

Its own module so that the counters (complexity), the timer (latency) and the memory estimate
(memory) share it without importing one another.
"""

from __future__ import annotations

import torch
from torch import nn

from ..models import ModelSpec


class OfficialPath(nn.Module):
    """The bare network wrapped with its official input/output mapping, as one module."""

    def __init__(self, net: nn.Module, spec: ModelSpec) -> None:
        super().__init__()
        self.net = net
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spec.interface(self.net, x)
