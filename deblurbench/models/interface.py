"""How a network is called at test time: input mapping, output pick, inverse mapping.

An :class:`ImageInterface` turns a [0, 1] RGB batch into what the bare network
expects and its raw result back into a [0, 1] image, exactly as the authors'
test code does (no clamping, padding or quantisation: that is ``Restorer``'s job).
Networks with a richer test-time path (pyramids, patch hierarchies) subclass it
in their own file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class ImageInterface:
    """Affine input mapping ``x * scale + shift`` and an output index.

    ``output`` picks the image from a tuple/list result (``-1``: the last, i.e.
    the finest scale of multi-output networks); ``None`` means the result is the
    image tensor itself. The inverse mapping ``(y - shift) / scale`` brings the
    picked output back to [0, 1].
    """

    scale: float = 1.0
    shift: float = 0.0
    output: int | None = None

    def to_network(self, x: torch.Tensor) -> torch.Tensor:
        """[0, 1] image -> the network's input range."""
        if self.scale == 1.0 and self.shift == 0.0:
            return x
        return x * self.scale + self.shift

    def from_network(self, y: torch.Tensor) -> torch.Tensor:
        """The network's output range -> [0, 1]."""
        if self.scale == 1.0 and self.shift == 0.0:
            return y
        return (y - self.shift) / self.scale

    def pick(self, result: Any) -> torch.Tensor:
        """The image among a network's outputs."""
        if self.output is None:
            if not isinstance(result, torch.Tensor):
                raise TypeError(
                    f"network returned {type(result).__name__}, but its spec says "
                    "the output is a single tensor; set ImageInterface(output=...)"
                )
            return result
        if not isinstance(result, Sequence):
            raise TypeError(f"network returned {type(result).__name__}, expected a sequence")
        return result[self.output]

    def __call__(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Run ``model`` on a [0, 1] batch the official way; [0, 1] image out, unclamped."""
        return self.from_network(self.pick(model(self.to_network(x))))

    def describe(self) -> str:
        """One line for tables: the mapping applied to a [0, 1] input."""
        if self.scale == 1.0 and self.shift == 0.0:
            mapping = "x"
        elif self.shift == 0.0:
            mapping = f"{self.scale:g} * x"
        elif self.scale == 1.0:
            mapping = f"x {'+' if self.shift > 0 else '-'} {abs(self.shift):g}"
        else:
            mapping = f"{self.scale:g} * x {'+' if self.shift > 0 else '-'} {abs(self.shift):g}"
        pick = "output" if self.output is None else f"output[{self.output}]"
        return f"input {mapping}; image = {pick}"
