"""What a candle series is: (exchange, symbol, timeframe), validated once at the edge.

Every string that ends up in a storage path passes through here. Symbols are checked against a
strict character set and length, then encoded reversibly for paths (``BTC/USDT`` -> ``BTC-USDT``, a
literal ``-`` -> ``%2D``, ``:`` -> ``%3A``), so no input can name a path outside its own series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.errors import InvalidRequestError, UnknownExchangeError
from shared.timeframes import timeframe_ms

MAX_SYMBOL_LENGTH = 64
_EXCHANGE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
# Letters, digits and the punctuation ccxt uses in unified symbols (spot, swaps, futures, options).
_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:+@-]*$")
_ENCODE = {"-": "%2D", ":": "%3A", "+": "%2B", "@": "%40", "/": "-"}
_DECODE = re.compile(r"%2D|%3A|%2B|%40|-")
_DECODE_MAP = {"%2D": "-", "%3A": ":", "%2B": "+", "%40": "@", "-": "/"}


def validate_exchange(exchange: object) -> str:
    if not isinstance(exchange, str) or not _EXCHANGE.match(exchange):
        shown = repr(exchange)[:40]
        raise UnknownExchangeError(
            f"exchange {shown} is not a valid exchange id (lower-case letters, digits, '_'; e.g. binance)"
        )
    return exchange


def validate_symbol(symbol: object) -> str:
    if not isinstance(symbol, str) or not symbol:
        raise InvalidRequestError("symbol must be a non-empty string such as 'BTC/USDT'")
    if len(symbol) > MAX_SYMBOL_LENGTH:
        raise InvalidRequestError(f"symbol is longer than {MAX_SYMBOL_LENGTH} characters")
    if not _SYMBOL.match(symbol) or ".." in symbol or "//" in symbol:
        raise InvalidRequestError(
            f"symbol {symbol[:MAX_SYMBOL_LENGTH]!r} has characters a market symbol cannot have "
            "(allowed: letters, digits and . _ / : + @ -), e.g. 'BTC/USDT' or 'BTC/USDT:USDT'"
        )
    return symbol


def encode_symbol(symbol: str) -> str:
    """Path-safe, reversible form of a validated symbol."""
    return "".join(_ENCODE.get(ch, ch) for ch in validate_symbol(symbol))


def decode_symbol(encoded: str) -> str:
    return _DECODE.sub(lambda m: _DECODE_MAP[m.group(0)], encoded)


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """One candle series. Constructing it validates all three parts."""

    exchange: str
    symbol: str
    timeframe: str

    def __post_init__(self) -> None:
        validate_exchange(self.exchange)
        validate_symbol(self.symbol)
        timeframe_ms(self.timeframe)

    @property
    def tf_ms(self) -> int:
        return timeframe_ms(self.timeframe)

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol}:{self.timeframe}"
