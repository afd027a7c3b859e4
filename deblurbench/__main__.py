"""``python -m deblurbench``: the same as the ``deblurbench`` console script."""

from .cli import console

console()
