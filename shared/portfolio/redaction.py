"""Keeping the accounts' keys out of ccxt's DEBUG log.

ccxt logs every request's headers at DEBUG (``"%s %s, Request: %s %s"``), and those headers carry the
API key (Binance ``X-MBX-APIKEY``; OKX ``OK-ACCESS-KEY`` and the passphrase). The portfolio's ccxt
clients therefore log through their own logger, ``shared.portfolio.ccxt``, whose filter replaces every
registered secret value in a record with ``***`` before any handler sees it. Matching the exact values
(not header names) also covers a key echoed in a URL or an error body.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class SecretScrubber(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._values: set[str] = set()

    def add(self, values: Iterable[str]) -> None:
        self._values.update(v for v in values if v)

    def scrub(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


SCRUBBER = SecretScrubber()
CCXT_LOGGER = logging.getLogger("shared.portfolio.ccxt")
CCXT_LOGGER.addFilter(SCRUBBER)
