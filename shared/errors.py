"""One error hierarchy for the whole service.

Every error that can reach a client carries a stable machine ``code`` (clients switch on it) and a
human ``message``. Messages never contain secrets: settings hold secrets as ``SecretStr`` and nothing
here formats them. ``http_status`` is what the HTTP API answers with for the error.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DataServiceError(Exception):
    """Root of every error this service raises on purpose."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InternalError(DataServiceError):
    """A bug or an unexpected failure; the message is deliberately generic."""


class ConfigurationError(DataServiceError):
    """A setting is missing or wrong; raised at start-up."""

    code = "CONFIGURATION_ERROR"


class InvalidRequestError(DataServiceError):
    """The request is malformed: bad JSON, wrong types, start >= end, a path-like symbol, ..."""

    code = "INVALID_REQUEST"
    http_status = 400


class RangeTooLargeError(InvalidRequestError):
    code = "RANGE_TOO_LARGE"
    http_status = 413


class NotAvailableError(DataServiceError):
    """Something asked for does not exist here (base of the three kinds below)."""

    code = "NOT_AVAILABLE"
    http_status = 404


class UnknownExchangeError(NotAvailableError):
    code = "UNKNOWN_EXCHANGE"


class CoinNotAvailableError(NotAvailableError):
    code = "COIN_NOT_AVAILABLE"


class UnsupportedTimeframeError(NotAvailableError):
    code = "UNSUPPORTED_TIMEFRAME"
    http_status = 400


class HistoryNotAvailableError(NotAvailableError):
    """The exchange cannot serve the asked history (listed later, or keeps only its latest N candles)."""

    code = "HISTORY_NOT_AVAILABLE"


class StorageError(DataServiceError):
    code = "STORAGE_ERROR"
    http_status = 503


class ConflictError(StorageError):
    """A conditional write lost a race (ETag changed or object already exists). Callers re-read and retry."""

    code = "STORAGE_CONFLICT"


class ExchangeError(DataServiceError):
    """The exchange failed or answered with something unusable."""

    code = "EXCHANGE_ERROR"
    http_status = 502


class ExchangeUnavailableError(ExchangeError):
    """Network trouble, timeouts, maintenance: transient, retried within the budget."""

    http_status = 503


class ExchangeRateLimitedError(ExchangeUnavailableError):
    code = "EXCHANGE_RATE_LIMITED"


class ExchangeAuthError(ExchangeError):
    """Keys rejected or permission denied: permanent, never retried."""
