"""ccxt exceptions -> this service's errors, and which of them are worth a retry.

ccxt is imported inside the functions only (callers have loaded it already), so importing this
module stays cheap. Messages are cut short and scrubbed of credential values: ccxt error texts
can echo URLs and response bodies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.backoff import Transient
from shared.errors import (
    CoinNotAvailableError,
    DataServiceError,
    ExchangeAuthError,
    ExchangeError,
    ExchangeRateLimitedError,
    ExchangeUnavailableError,
)
from shared.redaction import redact

MAX_MESSAGE = 300


class MalformedResponse(Exception):
    """ccxt returned something that is not a list of rows (e.g. the body was not JSON): transient."""


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def classify(exc: BaseException, last_headers: Mapping[str, str] | None = None) -> Transient | None:
    """``Transient`` for errors worth retrying (network kinds, bad responses), ``None`` otherwise."""
    import ccxt.async_support as ccxt

    if isinstance(exc, MalformedResponse):
        return Transient()
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return Transient(_retry_after(last_headers), rate_limited=True)
    # OperationFailed = ccxt's "may succeed if retried": NetworkError (ExchangeNotAvailable,
    # RequestTimeout, ...), BadResponse (unparsable answers), and exchange codes such as binance -1001.
    if isinstance(exc, ccxt.OperationFailed):
        return Transient()
    return None


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` without ``secrets``, nor any secret or token ``shared.redaction`` knows, cut short."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return redact(text)[:MAX_MESSAGE]


def map_error(exc: BaseException, exchange_id: str, secrets: Iterable[str] = ()) -> DataServiceError:
    """The service error for a ccxt (or transport) exception raised by ``exchange_id``."""
    import ccxt.async_support as ccxt

    if isinstance(exc, DataServiceError):
        return exc
    said = scrub(f"{type(exc).__name__}: {exc}", secrets)
    if isinstance(exc, ccxt.BadSymbol):
        return CoinNotAvailableError(
            f"{exchange_id} does not list this symbol ({said})", exchange=exchange_id
        )
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return ExchangeRateLimitedError(
            f"{exchange_id} kept rate-limiting us; retries exhausted ({said})", exchange=exchange_id
        )
    if isinstance(exc, (ccxt.OperationFailed, MalformedResponse)):
        return ExchangeUnavailableError(
            f"{exchange_id} is unavailable or answered badly; retries exhausted ({said})",
            exchange=exchange_id,
        )
    if isinstance(exc, ccxt.AuthenticationError):
        return ExchangeAuthError(f"{exchange_id} rejected our credentials ({said})", exchange=exchange_id)
    return ExchangeError(f"{exchange_id} failed ({said})", exchange=exchange_id)
