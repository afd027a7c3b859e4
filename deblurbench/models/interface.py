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


class OutputPickError(TypeError):
    """A spec's output pick that does not fit what the network returns; one line saying what to write."""


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
        """The image among a network's outputs; an :class:`OutputPickError` saying what to write otherwise."""
        if self.output is None:
            if isinstance(result, torch.Tensor):
                return result
            count = f" of {len(result)}" if isinstance(result, Sequence) else ""
            raise OutputPickError(
                f"the network returns a {type(result).__name__}{count}, but output=None takes its result "
                "to be the image tensor itself; write ImageInterface(output=-1) for the last element "
                "(the finest scale of a multi-scale network) or the index of the image"
            )
        if isinstance(result, torch.Tensor) or not isinstance(result, Sequence):
            raise OutputPickError(
                f"output={self.output} picks from a tuple or list, but the network returns one "
                f"{type(result).__name__}; write ImageInterface(output=None) (the default)"
            )
        if not -len(result) <= self.output < len(result):
            raise OutputPickError(
                f"output={self.output}, but the network returns {len(result)} outputs; write an index "
                f"from {-len(result)} to {len(result) - 1}"
            )
        picked = result[self.output]
        if not isinstance(picked, torch.Tensor):
            raise OutputPickError(
                f"output={self.output} picks a {type(picked).__name__}, not an image tensor; write the "
                "index of the image among the network's outputs"
            )
        return picked

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
