"""``python -m shared`` / ``cbdata``: the command line (see ``shared.cli``)."""

from shared.cli import main

raise SystemExit(main())
