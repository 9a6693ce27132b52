"""No secret reaches a log record: a filter that masks secret values and token-shaped text.

``RedactionFilter`` sits on every root handler (``configure_logging`` installs it). Before a record is
formatted it rewrites the message (``msg % args``, then ``args`` dropped), the exception text and
traceback (formatted once here, ``exc_info`` dropped so no later handler formats the raw one), the
stack text, and every string-valued extra attribute. It masks:

* the literal values in ``SECRETS`` -- every ``SecretStr`` the settings hold (walked by
  ``settings_secrets``), exchange credentials also when given through ``CCXT_EXCHANGE_OPTIONS``, the
  local host's function and master keys (registered when generated), and the key parts of connection
  strings (``AccountKey=``, ``AccessKey=``, ``SharedAccessSignature=``, ``sig=``);
* token-shaped text whatever its value: ``code=``/``access_token=``/``sig=``/``token=`` query values,
  connection-string key parts, ``Authorization``/``Bearer`` values, API-key and signature headers, and
  JWT-looking strings.

Written by hand: the logging libraries we checked redact either fixed field names or nothing, and
neither ccxt nor aiohttp offers a hook for their own debug lines.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, SecretStr

MASK = "***"
MIN_SECRET_LENGTH = 3  # shorter values would mask ordinary text and protect nothing

_KEY_PARTS = re.compile(
    r"(?i)\b(AccountKey|AccessKey|SharedAccessKey|SharedAccessSignature|sig)=([^;&\s\"'<>]+)"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # query values: ?code=..., &access_token=..., sig=... (also inside connection strings)
    (
        re.compile(r"(?i)([?&;](?:code|access_token|token|sig|signature|apikey|api_key|key)=)[^&\s\"'<>#;]+"),
        rf"\1{MASK}",
    ),
    (_KEY_PARTS, rf"\1={MASK}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"), rf"\1 {MASK}"),
    # headers in "Name: value", "'Name': 'value'" or "Name=value" form
    (
        re.compile(
            r"(?i)(['\"]?\b(?:authorization|x-functions-key|x-[a-z0-9-]*(?:api-?key|sign|signature|passphrase)"
            r"|ok-access-[a-z]+|api-?key|apisign)['\"]?\s*[:=]\s*['\"]?)([^'\",\s}&]+)"
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),  # JWT
)
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class SecretSet:
    """The literal secret values to mask; thread-safe, grows as secrets become known."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *values: str | SecretStr | None) -> None:
        with self._lock:
            for value in values:
                text = value.get_secret_value() if isinstance(value, SecretStr) else value
                for part in _secret_parts(text or ""):
                    self._values.add(part)
            ordered = sorted(self._values, key=len, reverse=True)  # longest first: no partial masks
            self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __contains__(self, value: str) -> bool:
        return value in self._values

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        for token, replacement in _PATTERNS:
            text = token.sub(replacement, text)
        return text


def _secret_parts(text: str) -> Iterator[str]:
    """The value itself and, for a connection string, each key part's value."""
    if len(text) >= MIN_SECRET_LENGTH:
        yield text
    for match in _KEY_PARTS.finditer(text):
        if len(match.group(2)) >= MIN_SECRET_LENGTH:
            yield match.group(2)


SECRETS = SecretSet()  # the process-wide set the installed filters read


def settings_secrets(settings: Any) -> list[str]:
    """Every ``SecretStr`` value in a settings model (walked through models, dicts and lists), and
    credential-looking keys in free-form option dicts (``CCXT_EXCHANGE_OPTIONS``)."""
    found: list[str] = []
    _walk(settings, found, credential_key=False)
    return found


_CREDENTIAL_KEY = re.compile(r"(?i)(api_?key|secret|password|passphrase|uid|token|private_?key)$")


def _walk(value: Any, found: list[str], *, credential_key: bool) -> None:
    if isinstance(value, SecretStr):
        found.append(value.get_secret_value())
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _walk(getattr(value, name), found, credential_key=False)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, found, credential_key=isinstance(key, str) and bool(_CREDENTIAL_KEY.search(key)))
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            _walk(item, found, credential_key=credential_key)
    elif credential_key and isinstance(value, (str, int)) and not isinstance(value, bool):
        found.append(str(value))


class RedactionFilter(logging.Filter):
    """Masks secrets in everything a handler can format from a record (never drops a record)."""

    def __init__(self, secrets: SecretSet = SECRETS) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True  # a second handler sees the record already cleaned
        redact = self.secrets.redact
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can show
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, redact(value))
        record._redacted = True
        return True


def register(*values: str | SecretStr | None) -> None:
    """Mask these values from now on in every record (e.g. a key generated at start-up)."""
    SECRETS.add(*values)


def redact(text: str) -> str:
    """``text`` with every known secret and token masked (for messages built outside logging)."""
    return SECRETS.redact(text)


def iter_redaction_filters(handler: logging.Handler) -> Iterable[RedactionFilter]:
    return (f for f in handler.filters if isinstance(f, RedactionFilter))
