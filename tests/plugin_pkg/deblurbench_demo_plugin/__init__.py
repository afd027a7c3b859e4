"""A third-party network registered through the ``deblurbench.models`` entry point."""

import torch
from torch import nn

from deblurbench import Paper, register_model


class DemoUNet(nn.Module):
    """A two-level residual U-Net: small, but a real network with a size constraint."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.head = nn.Conv2d(3, width, 3, padding=1)
        self.down = nn.Conv2d(width, 2 * width, 2, stride=2)
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.tail = nn.Conv2d(width, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = torch.relu(self.head(x))
        feat = feat + self.up(torch.relu(self.down(feat)))
        return x + self.tail(feat)


@register_model(
    display_name="Demo U-Net (plugin)",
    paper=Paper(title="A plugin example", venue="none", year=2026),
    repo="example/deblurbench-demo-plugin",
    commit="0" * 40,
    multiple=2,
    min_size=2,
    sizes="H and W even: one stride-2 level",
)
def demo_unet(**kwargs: object) -> nn.Module:
    """The demo network."""
    return DemoUNet(**kwargs)
