"""``python -m cconv``: the same as the ``cconv`` command."""

import sys

from .cli import main

sys.exit(main())
