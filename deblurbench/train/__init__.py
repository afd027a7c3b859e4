"""Training: the loop, losses, recipes and torch.distributed scale-out (``deblurbench train``)."""

from .loop import EMA, TrainConfig, train
from .losses import Criterion, charbonnier_loss, fft_loss, l1_loss
from .recipes import RECIPES, recipe_for

__all__ = [
    "EMA",
    "RECIPES",
    "Criterion",
    "TrainConfig",
    "charbonnier_loss",
    "fft_loss",
    "l1_loss",
    "recipe_for",
    "train",
]
