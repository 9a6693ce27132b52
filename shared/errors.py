"""One error hierarchy for the whole service.

Every error that can reach a client carries a stable machine ``code`` (clients switch on it) and a
human ``message``. Messages never contain secrets: settings hold secrets as ``SecretStr`` and nothing
here formats them. ``http_status`` is what the HTTP API answers with for the error.

``public`` says whether a client may see the error's code and message as they are; ``public_view``
is the one place an exception becomes what a client sees (HTTP and Web PubSub alike): a public error
keeps its code, message and status, anything else becomes ``INTERNAL_ERROR`` with a generic message
(never a traceback, a class name or a secret).
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from shared.redaction import redact

INTERNAL_MESSAGE = "the service failed unexpectedly; try again later"


class PublicView(NamedTuple):
    """What a client is shown for an error."""

    code: str
    message: str
    http_status: int


INTERNAL_VIEW = PublicView("INTERNAL_ERROR", INTERNAL_MESSAGE, 500)


class DataServiceError(Exception):
    """Root of every error this service raises on purpose."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    public: ClassVar[bool] = False  # may a client see code and message? (subclasses inherit it)

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, str]:
        """What a client sees: the message with every known secret and token masked."""
        return {"code": self.code, "message": redact(self.message)}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def public_view(self) -> PublicView:
        """``(code, message, http_status)`` safe to show a client."""
        if self.public:  # every known secret and token masked (shared.redaction)
            return PublicView(self.code, redact(self.message), self.http_status)
        return INTERNAL_VIEW


def public_view(err: BaseException) -> PublicView:
    """The client-safe view of any exception: unexpected ones are ``INTERNAL_ERROR``."""
    return err.public_view() if isinstance(err, DataServiceError) else INTERNAL_VIEW


def public_codes() -> frozenset[str]:
    """Every code a client can be shown (the public error classes' codes, and ``INTERNAL_ERROR``)."""
    seen, todo = set(), [DataServiceError]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo.extend(sub for sub in cls.__subclasses__() if sub not in seen)
    return frozenset({cls.code for cls in seen if cls.public} | {INTERNAL_VIEW.code})


class InternalError(DataServiceError):
    """A bug or an unexpected failure; the message is deliberately generic."""


class ConfigurationError(DataServiceError):
    """A setting is missing or wrong; raised at start-up."""

    code = "CONFIGURATION_ERROR"


class InvalidRequestError(DataServiceError):
    """The request is malformed: bad JSON, wrong types, start >= end, a path-like symbol, ..."""

    code = "INVALID_REQUEST"
    http_status = 400
    public = True


class RangeTooLargeError(InvalidRequestError):
    code = "RANGE_TOO_LARGE"
    http_status = 413


class NotAvailableError(DataServiceError):
    """Something asked for does not exist here (base of the three kinds below)."""

    code = "NOT_AVAILABLE"
    http_status = 404


class UnknownExchangeError(NotAvailableError):
    code = "UNKNOWN_EXCHANGE"
    public = True


class CoinNotAvailableError(NotAvailableError):
    code = "COIN_NOT_AVAILABLE"
    public = True


class UnsupportedTimeframeError(NotAvailableError):
    code = "UNSUPPORTED_TIMEFRAME"
    http_status = 400
    public = True


class HistoryNotAvailableError(NotAvailableError):
    """The exchange cannot serve the asked history (listed later, or keeps only its latest N candles)."""

    code = "HISTORY_NOT_AVAILABLE"
    public = True


class TargetNotFoundError(NotAvailableError):
    """A watched target to remove is not watched."""

    code = "TARGET_NOT_FOUND"
    public = True


class AccountNotFoundError(NotAvailableError):
    """A portfolio account that is not configured, or has no stored snapshot yet."""

    code = "ACCOUNT_NOT_FOUND"
    public = True


class StorageError(DataServiceError):
    code = "STORAGE_ERROR"
    http_status = 503
    public = True


class CorruptPartitionError(StorageError):
    """A stored partition cannot be decoded (truncated, not Parquet, no coverage metadata). The store
    sets it aside (``shared.store.quarantine``) so the next request fetches its span again; retrying
    the same job cannot help."""


class ConflictError(StorageError):
    """A conditional write lost a race (ETag changed or object already exists). Callers re-read and retry."""

    code = "STORAGE_CONFLICT"
    public = False

    def public_view(self) -> PublicView:
        # a lost write race that outlived its retries: the client sees a busy store, not the race
        return PublicView(StorageError.code, "storage is busy; try again", StorageError.http_status)


class ExchangeError(DataServiceError):
    """The exchange failed or answered with something unusable."""

    code = "EXCHANGE_ERROR"
    http_status = 502
    public = True


class ExchangeUnavailableError(ExchangeError):
    """Network trouble, timeouts, maintenance: transient, retried within the budget."""

    http_status = 503


class ExchangeRateLimitedError(ExchangeUnavailableError):
    code = "EXCHANGE_RATE_LIMITED"


class ExchangeAuthError(ExchangeError):
    """Keys rejected or permission denied: permanent, never retried."""
