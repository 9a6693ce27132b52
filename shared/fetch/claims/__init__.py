"""One fetch per span across instances: claims in storage (``objects.py``) on cells of exchange
pages (``cells.py``), taken before an exchange is asked for them (``spans.py``)."""

from shared.fetch.claims.cells import CELL_PAGES
from shared.fetch.claims.objects import ROOT, Claim, ClaimObjects
from shared.fetch.claims.spans import GROUP_CELLS, TTL_SECONDS, WAIT, SpanClaims, wait_policy

__all__ = ["CELL_PAGES", "GROUP_CELLS", "ROOT", "TTL_SECONDS", "WAIT", "Claim", "ClaimObjects"]
__all__ += ["SpanClaims", "wait_policy"]
