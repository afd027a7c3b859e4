"""The model registry and one file per network family."""

from .checkpoint import CheckpointError, load_weights, read_checkpoint
from .interface import ImageInterface
from .published import Published
from .registry import (
    ModelSpec,
    Paper,
    PluginFailure,
    UnknownModelError,
    create_model,
    get_spec,
    list_models,
    load_network_weights,
    model_origin,
    plugin_failures,
    register_model,
    reload_plugins,
)
from .restorer import Restorer
from .validation import ModelSpecError

__all__ = [
    "CheckpointError",
    "ImageInterface",
    "ModelSpec",
    "ModelSpecError",
    "Paper",
    "PluginFailure",
    "Published",
    "Restorer",
    "UnknownModelError",
    "create_model",
    "get_spec",
    "list_models",
    "load_network_weights",
    "load_weights",
    "model_origin",
    "plugin_failures",
    "read_checkpoint",
    "register_model",
    "reload_plugins",
]
