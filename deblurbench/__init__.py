"""deblurbench: benchmark and model-complexity comparison suite for image deblurring networks.

The public API (see DESIGN.md)::

    import deblurbench as db
    db.list_models(); db.get_spec("lmfn"); db.create_model("lmfn", weights=None)
    db.Restorer("lmfn")(x)                 # [0, 1] RGB in -> [0, 1] RGB out
    db.complexity("lmfn", size=(256, 256))  # params, MACs per counter
    db.latency("lmfn", size=(256, 256), device="cpu")
    db.list_datasets(); db.open_dataset("gopro", root="GOPRO_Large", split="test")
    db.open_dataset("synthetic")          # the embedded default, no root
    db.evaluate("lmfn", db.open_dataset("synthetic"), weights="synthetic")  # one row per image
    db.register_model(display_name=..., paper=db.Paper(...), ...)  # a network of your own (README)
"""

from .bench import metrics
from .bench.complexity import complexity
from .bench.evaluate import evaluate
from .bench.latency import latency
from .datasets import DatasetError, Pair, PairedDataset, list_datasets, open_dataset
from .models import (
    ImageInterface,
    ModelSpec,
    ModelSpecError,
    Paper,
    Published,
    Restorer,
    create_model,
    get_spec,
    list_models,
    register_model,
)
from .version import __version__

__all__ = [
    "DatasetError",
    "ImageInterface",
    "ModelSpec",
    "ModelSpecError",
    "Pair",
    "PairedDataset",
    "Paper",
    "Published",
    "Restorer",
    "__version__",
    "complexity",
    "create_model",
    "evaluate",
    "get_spec",
    "latency",
    "list_datasets",
    "list_models",
    "metrics",
    "open_dataset",
    "register_model",
]
