"""Training: the loop, losses, recipes and torch.distributed scale-out (``deblurbench train``)."""

from .loop import train
from .losses import Criterion, charbonnier_loss, fft_loss, l1_loss
from .model import EMA
from .options import TrainConfig
from .recipes import RECIPES, Recipe, recipe_for, register_recipe, resolve

__all__ = [
    "EMA",
    "RECIPES",
    "Criterion",
    "Recipe",
    "TrainConfig",
    "charbonnier_loss",
    "fft_loss",
    "l1_loss",
    "recipe_for",
    "register_recipe",
    "resolve",
    "train",
]
