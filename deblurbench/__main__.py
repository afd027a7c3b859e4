"""``python -m deblurbench``: the same as the ``deblurbench`` console script."""

import sys

from .cli import main

sys.exit(main())
