"""What the client raises: the service's error code as an exception.

``ServiceError.code`` is the code the service sent (``COIN_NOT_AVAILABLE``, ``RANGE_TOO_LARGE``, ...;
see docs/protocol.md), or one of the client's own: ``TIMEOUT`` (also a ``TimeoutError``),
``UNREACHABLE`` (no connection), ``INCOMPLETE_RESPONSE`` (chunks missing, or a count that does not
add up), ``BAD_RESPONSE`` (an answer that is not what the protocol says), ``CONNECTION_LOST`` and
``SEND_FAILED`` (Web PubSub), ``HTTP_<status>`` (an HTTP error without a service error body).
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error answered by the service, or met while talking to it; ``code`` says which."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __reduce__(self):  # picklable with its code (e.g. across processes)
        return (type(self), (self.code, self.message))


class ServiceTimeoutError(ServiceError, TimeoutError):
    """No complete answer within the client's timeout (``code == "TIMEOUT"``)."""

    def __init__(self, message: str) -> None:
        super().__init__("TIMEOUT", message)

    def __reduce__(self):
        return (type(self), (self.message,))
