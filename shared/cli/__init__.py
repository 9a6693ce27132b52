"""The ``cbdata`` command line: ``main`` (parser, dispatch, exit codes) and one module per command group.

The ``cbdata`` entry point is ``shared.cli:run`` (``main`` in a process of its own); ``python -m
shared`` runs the same. Tests call ``main`` in their own process.
"""

from shared.cli.main import main
from shared.memory import keep_pandas_out


def run() -> int:
    """The ``cbdata`` process: ``main`` without pandas (``shared.memory.keep_pandas_out``)."""
    keep_pandas_out()
    return main()


__all__ = ["main", "run"]
