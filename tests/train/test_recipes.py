"""Training recipes: one file per recipe, one recipe per model, the generic one for the rest."""

from __future__ import annotations

import pkgutil

import pytest

from deblurbench.models import list_models
from deblurbench.train import RECIPES, TrainConfig, recipe_for, recipes, register_recipe
from deblurbench.train.recipes import GENERIC, find_recipe, recipe_source, resolve


def test_every_recipe_file_registers_and_no_model_has_two_recipes() -> None:
    # A recipe file refused at registration only warns when the package loads: check both here.
    files = {m.name for m in pkgutil.iter_modules(recipes.__path__) if not m.name.startswith("_")}
    assert set(RECIPES.names()) == files == {"lmfn", "mimo_unet", "nafnet"}
    claimed = [model for name in RECIPES.names() for model in RECIPES.get(name).models]
    assert len(claimed) == len(set(claimed)), f"a model has two recipes: {sorted(claimed)}"
    assert set(claimed) <= set(list_models())
    assert all(RECIPES.get(name).source for name in RECIPES.names())  # each says where its numbers come from


def test_a_second_recipe_for_a_model_is_refused() -> None:
    with pytest.raises(ValueError, match=r"mimo_unet_plus already has recipe 'mimo_unet'"):
        register_recipe(models=("hinet", "mimo_unet_plus"), name="test_clash")(lambda: {"lr": 1.0})
    assert "test_clash" not in RECIPES
    assert find_recipe("hinet") is None and find_recipe("mimo_unet_plus") is RECIPES.get("mimo_unet")


def test_a_recipe_field_must_be_a_train_config_field() -> None:
    with pytest.raises(ValueError, match="learning_rate is not a TrainConfig field"):
        register_recipe(models=("hinet",), name="test_typo")(lambda: {"learning_rate": 1.0})
    assert "test_typo" not in RECIPES


def test_a_new_recipe_file_is_one_decorated_function() -> None:
    @register_recipe(models=("hinet",))
    def test_hinet() -> dict[str, float]:
        """Made up for this test."""
        return {"lr": 3e-4}

    try:
        assert recipe_for("hinet") == {**GENERIC, "lr": 3e-4}
        assert recipe_source("hinet") == "hinet recipe"
        assert RECIPES.get("test_hinet").source == "Made up for this test."
    finally:
        RECIPES.remove("test_hinet")
    assert recipe_source("hinet") == "generic recipe"


def test_a_model_without_a_recipe_gets_the_generic_one() -> None:
    for model in ("hinet", "no_such_network", "nafnet"):  # nafnet names a recipe, not a model
        assert recipe_for(model) == GENERIC
        assert recipe_source(model) == "generic recipe"
    resolved = resolve(TrainConfig(model="hinet", out="x"))
    assert (resolved.lr, resolved.schedule, resolved.batch_size) == (2e-4, "cosine", 8)


def test_aliases_share_their_family_recipe() -> None:
    assert recipe_for("mimo_unet_plus") == recipe_for("mimo_unet")
    assert recipe_source("mimo_unet_plus") == "mimo_unet_plus recipe"
    nafnets = [m for m in list_models() if m.startswith("nafnet_gopro_")]
    assert len(nafnets) == 4 and all(recipe_for(m)["optimizer"] == "adamw" for m in nafnets)
    assert recipe_for("lmfn")["steps"] == 600_000 and recipe_for("lmfn")["betas"] == (0.9, 0.999)
