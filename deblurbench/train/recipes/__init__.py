"""Training recipes: the generic defaults and one file per network family's recipe.

A recipe is a set of :class:`~deblurbench.train.options.TrainConfig` field values for the
networks it names; ``deblurbench train --model NAME`` starts from the generic values below,
overlaid with NAME's recipe, and command-line flags override both (:func:`resolve`). Recipe
values are read by the options' declarations when the recipe registers. Each recipe says where
its numbers come from (its docstring, kept as :attr:`Recipe.source`).

Adding a recipe is one new file in this package::

    @register_recipe(models=("mynet",))
    def mynet() -> dict[str, Any]:
        \"\"\"MyNet (Someone et al., 2025, section 4): where these numbers come from.\"\"\"
        return {"lr": 2e-4, "batch_size": 16}

The files are imported (and so registered) the first time :data:`RECIPES` is read. A model
belongs to at most one recipe: a second recipe claiming it is refused at registration.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from ...options import options
from ...registry import Registry, import_submodules
from ..options import TrainConfig

# The generic recipe: what every network starts from, and all a network without a recipe of
# its own gets. Kept here rather than in a file of its own because every recipe is laid over it.
GENERIC: dict[str, Any] = {
    "loss": "l1",
    "optimizer": "adam",
    "lr": 2e-4,
    "weight_decay": 0.0,
    "betas": (0.9, 0.999),
    "schedule": "cosine",
    "min_lr": 1e-6,
    "warmup_steps": 0,
    "crop": 256,
    "batch_size": 8,
    "steps": 100_000,
    "clip_grad": 0.0,
    "ema": 0.0,
}


@dataclass(frozen=True)
class Recipe:
    """One network family's training defaults and where they come from."""

    name: str
    models: tuple[str, ...]
    values: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


RECIPES: Registry[Recipe] = Registry("recipe", loader=lambda: import_submodules(__name__))


def _check(recipe: Recipe) -> None:
    """Refuse a recipe without models, with a field TrainConfig lacks or a value it refuses, or
    claiming a model twice."""
    if not recipe.models:
        raise ValueError(f"recipe {recipe.name!r} names no model")
    declared = options(TrainConfig)
    unknown = sorted(set(recipe.values) - set(declared))
    if unknown:
        raise ValueError(f"recipe {recipe.name!r}: {', '.join(unknown)} is not a TrainConfig field")
    for key, value in recipe.values.items():
        declared[key].value(value, f"recipe {recipe.name!r}")
    for name in RECIPES.names():
        other = RECIPES.get(name)
        clash = sorted(set(other.models) & set(recipe.models)) if name != recipe.name else []
        if clash:
            raise ValueError(f"recipe {recipe.name!r}: {', '.join(clash)} already has recipe {name!r}")


def register_recipe(
    *, models: tuple[str, ...], name: str | None = None
) -> Callable[[Callable[[], Mapping[str, Any]]], Callable[[], Mapping[str, Any]]]:
    """Register the values the decorated function returns as the recipe of ``models``.

    The recipe is named after the function (or ``name``) and its docstring is its
    :attr:`Recipe.source`: where the numbers come from.
    """

    def decorator(values: Callable[[], Mapping[str, Any]]) -> Callable[[], Mapping[str, Any]]:
        source = inspect.cleandoc(values.__doc__ or "")
        recipe = Recipe(name or values.__name__, tuple(models), values(), source)
        _check(recipe)
        if recipe.name not in RECIPES or RECIPES.get(recipe.name) != recipe:  # equal: a module reloaded
            RECIPES.add(recipe.name, recipe)
        return values

    return decorator


def find_recipe(model: str) -> Recipe | None:
    """The recipe that names ``model``, or None (the model trains on the generic recipe)."""
    for name in RECIPES.names():
        recipe = RECIPES.get(name)
        if model in recipe.models:
            return recipe
    return None


def recipe_for(model: str) -> dict[str, Any]:
    """The recipe of ``model``: the generic defaults overlaid with the network's own."""
    recipe = find_recipe(model)
    return {**GENERIC, **(recipe.values if recipe is not None else {})}


def resolve(cfg: TrainConfig) -> TrainConfig:
    """A copy of ``cfg`` with every ``None`` recipe field filled from its network's recipe."""
    recipe = recipe_for(cfg.model)
    values = {}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if value is None and f.name in recipe:
            value = recipe[f.name]
        values[f.name] = value
    values["multiscale"] = bool(values["multiscale"]) if values["multiscale"] is not None else False
    values["fft_weight"] = float(values["fft_weight"] or 0.0)
    values["step_size"] = values["step_size"] or max(1, int(values["steps"]) // 3)
    values["gamma"] = 0.5 if values["gamma"] is None else values["gamma"]
    values["betas"] = tuple(values["betas"])
    return TrainConfig(**values)


def recipe_source(model: str) -> str:
    """``'<model> recipe'`` or ``'generic recipe'``: what the defaults came from."""
    return f"{model} recipe" if find_recipe(model) is not None else "generic recipe"


__all__ = [
    "GENERIC",
    "RECIPES",
    "Recipe",
    "find_recipe",
    "recipe_for",
    "recipe_source",
    "register_recipe",
    "resolve",
]
