"""Small helpers for the exchange tests."""

from __future__ import annotations

import itertools

from shared.exchange import ExchangeClient, OhlcvPage

MIN = 60_000


async def collect(client: ExchangeClient, symbol: str, tf: str, start: int, end: int) -> list[OhlcvPage]:
    return [page async for page in client.fetch_ohlcv(symbol, tf, start, end)]


def rows_of(pages: list[OhlcvPage]) -> list[list]:
    return [row for page in pages for row in page.rows]


def assert_contiguous(pages: list[OhlcvPage], start: int, stop: int) -> None:
    assert pages, "expected at least one page"
    assert pages[0].start_ms == start and pages[-1].end_ms == stop
    for before, after in itertools.pairwise(pages):
        assert before.end_ms == after.start_ms
    for page in pages:
        assert all(page.start_ms <= row[0] < page.end_ms for row in page.rows)
