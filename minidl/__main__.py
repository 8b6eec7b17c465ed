"""``python -m minidl`` runs the ``minidl`` command."""

import sys

from .cli import main

sys.exit(main())
