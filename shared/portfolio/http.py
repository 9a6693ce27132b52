"""``GET /api/portfolio`` and ``GET /api/portfolio/history``: what the portfolio sync stored.

Both read storage only (no exchange call, no portfolio settings needed), so they answer even while
the portfolio sync itself cannot start. Errors answer ``{"error": {"code", "message"}}``.

- ``/api/portfolio[?account=NAME]``: ``{"accounts": [latest document, ...]}``;
- ``/api/portfolio/history?account=NAME[&start=T][&end=T]``: ``{"account", "start", "end", "rows"}``
  with one row per asset per sync, ``start <= taken_at < end``; times ISO-8601 or epoch ms; the
  default is the last 7 days, and a range may span at most 366 days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from shared.api.http_handlers import HttpResult, error_result, json_result
from shared.api.requests import parse_time
from shared.errors import AccountNotFoundError, InvalidRequestError, RangeTooLargeError
from shared.portfolio.settings import ACCOUNT_NAME
from shared.portfolio.store import PortfolioStore

if TYPE_CHECKING:
    from shared.composition import Services

DAY_MS = 86_400_000
DEFAULT_SPAN_MS = 7 * DAY_MS
MAX_SPAN_MS = 366 * DAY_MS


async def get_portfolio(services: Services, params: Mapping[str, str]) -> HttpResult:
    try:
        store = PortfolioStore(services.backend)
        account = params.get("account")
        if account is not None:
            document = await store.latest(_account(account))
            if document is None:
                raise AccountNotFoundError(f"no portfolio snapshot for account {account!r} yet")
            return json_result({"accounts": [document]})
        documents = [await store.latest(name) for name in await store.accounts()]
        return json_result({"accounts": [d for d in documents if d is not None]})
    except Exception as exc:
        return error_result(exc)


async def get_history(
    services: Services, params: Mapping[str, str], clock: Callable[[], float] = time.time
) -> HttpResult:
    try:
        account = _account(params.get("account"))
        end = _time(params, "end", int(clock() * 1000))
        start = _time(params, "start", end - DEFAULT_SPAN_MS)
        if start >= end:
            raise InvalidRequestError("start must be before end")
        if end - start > MAX_SPAN_MS:
            raise RangeTooLargeError("a history range may span at most 366 days; ask for less")
        rows = await PortfolioStore(services.backend).history(account, start, end)
        return json_result({"account": account, "start": start, "end": end, "rows": rows})
    except Exception as exc:
        return error_result(exc)


def _account(value: str | None) -> str:
    if not value:
        raise InvalidRequestError("account is required, e.g. ?account=main")
    if not ACCOUNT_NAME.match(value):
        raise InvalidRequestError(f"account {value[:40]!r} is not a valid account name")
    return value


def _time(params: Mapping[str, str], name: str, default: int) -> int:
    if params.get(name) in (None, ""):
        return default
    try:
        return parse_time(params[name])
    except ValueError as exc:
        raise InvalidRequestError(f"{name}: {exc}") from None
