"""The model registry and one file per network family."""

from .checkpoint import CheckpointError, load_weights, read_checkpoint
from .interface import ImageInterface
from .registry import (
    ModelSpec,
    Paper,
    UnknownModelError,
    create_model,
    get_spec,
    list_models,
    register_model,
)
from .restorer import Restorer

__all__ = [
    "CheckpointError",
    "ImageInterface",
    "ModelSpec",
    "Paper",
    "Restorer",
    "UnknownModelError",
    "create_model",
    "get_spec",
    "list_models",
    "load_weights",
    "read_checkpoint",
    "register_model",
]
