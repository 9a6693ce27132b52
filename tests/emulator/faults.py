"""Fault injection for the emulator: "the next N requests to this endpoint fail like this".

Kinds: ``status`` (an HTTP error such as 500/502/503), ``timeout`` (the answer is held back for
``delay_s`` so the client times out), ``malformed`` (200 with a body that is not JSON),
``rate_limit`` (429 with Retry-After), ``ban`` (418 with Retry-After, Binance's IP ban).
``body`` replaces the dialect's error body, e.g. ``{"code": -1121, "msg": "Invalid symbol."}``.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("status", "timeout", "malformed", "rate_limit", "ban")
ALIASES = {
    "ohlcv": {"klines", "candles", "history-candles", "get-candlestick"},
    "markets": {"exchangeInfo", "instruments", "get-instruments"},
}


def matches(pattern: str, endpoint: str) -> bool:
    return pattern in ("*", endpoint) or endpoint in ALIASES.get(pattern, ())


@dataclass
class Fault:
    exchange: str
    endpoint: str  # an endpoint name ("klines"), an alias ("ohlcv", "markets") or "*"
    kind: str
    remaining: int = 1
    status: int = 503
    retry_after: float | None = 0.0
    delay_s: float = 1.0
    body: dict | None = None  # replaces the dialect's default error body (e.g. a specific error code)


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(KINDS)}")
        self.faults.append(fault)
        return fault

    def take(self, exchange: str, endpoint: str) -> Fault | None:
        """The fault for this request (consuming one of its repetitions), or ``None``."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.exchange == exchange and matches(fault.endpoint, endpoint):
                fault.remaining -= 1
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
