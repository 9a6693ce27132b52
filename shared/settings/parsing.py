"""Parsers for the settings that arrive as text: comma lists, JSON objects, sync targets, NCRONTAB.

Each parser raises ``SettingValueError`` with a message that says what the setting accepts. The
message never contains the parsed text of a secret: callers decide whether the input may be shown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.errors import DataServiceError
from shared.series import SeriesKey


class SettingValueError(ValueError):
    """A setting's value is wrong. ``env`` names the setting when the validator knows it better than
    the field location does (cross-field checks)."""

    def __init__(self, message: str, env: str | None = None, show_input: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.env = env
        self.show_input = show_input


_CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
_URL = re.compile(r"^https?://[^\s/?#]+(?:/\S*)?$")


def is_url(value: str, https_only: bool = False) -> bool:
    return bool(_URL.match(value)) and (value.startswith("https://") or not https_only)


def check_url(
    value: str | None, https_only: bool = False, example: str = "https://<name>.vault.azure.net/"
) -> str | None:
    if value is not None and not is_url(value, https_only):
        scheme = "an https://" if https_only else "an http(s)://"
        raise SettingValueError(f"must be {scheme} URL such as {example!r}", show_input=True)
    return value


def check_container_name(value: str) -> str:
    if not _CONTAINER.match(value):
        raise SettingValueError(
            "must be 3-63 lower-case letters, digits and single dashes, e.g. 'market-data'", show_input=True
        )
    return value


def split_csv(value: Any) -> Any:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; lists and other values pass through unchanged."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def parse_json_object(value: Any, example: str) -> Any:
    """A JSON object given as text becomes a dict; other values pass through for pydantic to check."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        # exc.msg/lineno/colno describe the position only, never the text itself.
        raise SettingValueError(
            f"must be a JSON object such as {example} (invalid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno})",
            show_input=False,
        ) from None
    if not isinstance(parsed, dict):
        raise SettingValueError(f"must be a JSON object such as {example}", show_input=False)
    return parsed


def parse_sync_target(text: str) -> SeriesKey:
    """``"binance:BTC/USDT:1m"`` -> ``SeriesKey``. The symbol may itself hold ``:`` (``BTC/USDT:USDT``):
    the exchange ends at the first colon and the timeframe starts after the last one."""
    exchange, sep1, rest = text.strip().partition(":")
    symbol, sep2, timeframe = rest.rpartition(":")
    if not (sep1 and sep2 and exchange and symbol and timeframe):
        raise SettingValueError(
            f"entry {text[:80]!r} must look like exchange:SYMBOL:timeframe, e.g. binance:BTC/USDT:1m"
        )
    try:
        return SeriesKey(exchange, symbol, timeframe)
    except DataServiceError as exc:
        raise SettingValueError(f"entry {text[:80]!r}: {exc.message}") from None


def parse_sync_targets(value: Any) -> Any:
    """Comma-separated targets (or a list of strings / SeriesKey) -> list of ``SeriesKey``, no repeats."""
    items = split_csv(value)
    if not isinstance(items, list | tuple):
        return items
    keys = [item if isinstance(item, SeriesKey) else parse_sync_target(str(item)) for item in items]
    seen: set[SeriesKey] = set()
    for key in keys:
        if key in seen:
            raise SettingValueError(f"entry '{key}' is listed twice")
        seen.add(key)
    return keys


# NCRONTAB (the Functions timer format): six fields, seconds first.
_CRON_FIELDS = (
    ("second", 0, 59, ()),
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day-of-week", 0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_CRON_ITEM = re.compile(r"^(?:(\*)|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:/([0-9]+))?$")
CRON_HELP = (
    "must be a six-field NCRONTAB expression '{second} {minute} {hour} {day} {month} {day-of-week}', "
    "e.g. '0 */30 * * * *' for every 30 minutes"
)


def _cron_value(token: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if token.isdigit():
        number = int(token)
    elif token in names:
        number = names.index(token) + low
    else:
        return None
    return number if low <= number <= high else None


def _check_cron_field(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> None:
    for item in text.lower().split(","):
        match = _CRON_ITEM.match(item)
        ok = match is not None
        if match:
            star, first, last, step = match.groups()
            found = [] if star else [_cron_value(t, low, high, names) for t in (first, last) if t]
            values = [v for v in found if v is not None]
            ok = len(values) == len(found) and (len(values) < 2 or values[0] <= values[1])
            ok = ok and (step is None or 1 <= int(step) <= high - low + 1)
        if not ok:
            raise SettingValueError(
                f"{CRON_HELP}; the {name} field {item!r} is not valid ({low}-{high})", show_input=True
            )


def validate_ncrontab(expression: str) -> str:
    fields = expression.split()
    if len(fields) != len(_CRON_FIELDS):
        raise SettingValueError(f"{CRON_HELP}; this one has {len(fields)} fields", show_input=True)
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        _check_cron_field(text, name, low, high, names)
    return " ".join(fields)
