"""The ``cbdata`` command line: ``main`` (parser, dispatch, exit codes) and one module per command group.

The ``cbdata`` entry point is ``shared.cli:main``; ``python -m shared`` runs the same.
"""

from shared.cli.main import main

__all__ = ["main"]
