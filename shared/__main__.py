"""``python -m shared`` / ``cbdata``: the command line (see ``shared.cli``)."""

from shared.cli import run

raise SystemExit(run())
