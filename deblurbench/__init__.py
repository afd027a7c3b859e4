"""deblurbench: benchmark and model-complexity comparison suite for image deblurring networks."""

from .models import ModelSpec, Restorer, create_model, get_spec, list_models, register_model

__version__ = "0.1.0"

__all__ = ["ModelSpec", "Restorer", "__version__", "create_model", "get_spec", "list_models", "register_model"]
