"""Candle timeframes: parsing ``"1m"``/``"4h"``/``"1d"`` into milliseconds, and alignment helpers.

Only fixed-length timeframes are supported (seconds to weeks). ``1M`` (calendar month) has no fixed
length, so gap arithmetic on it would be wrong; it is refused with ``UNSUPPORTED_TIMEFRAME``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from shared.errors import UnsupportedTimeframeError

_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_PATTERN = re.compile(r"^([1-9][0-9]{0,3})([smhdw])$")
MAX_TIMEFRAME_MS = 4 * _UNIT_MS["w"]


@lru_cache(maxsize=256)
def timeframe_ms(timeframe: str) -> int:
    """Length of one candle in milliseconds; ``UnsupportedTimeframeError`` for anything else."""
    match = _PATTERN.match(timeframe) if isinstance(timeframe, str) else None
    if match is None:
        shown = repr(timeframe)[:40]
        raise UnsupportedTimeframeError(
            f"timeframe {shown} is not supported: use a number and a unit s, m, h, d or w, e.g. 1m, 4h, 1d"
        )
    ms = int(match.group(1)) * _UNIT_MS[match.group(2)]
    if ms > MAX_TIMEFRAME_MS:
        raise UnsupportedTimeframeError(f"timeframe {timeframe!r} is longer than 4 weeks")
    return ms


def floor_to(ts_ms: int, tf_ms: int) -> int:
    """The start of the candle that contains ``ts_ms``."""
    return ts_ms - ts_ms % tf_ms


def ceil_to(ts_ms: int, tf_ms: int) -> int:
    """The first candle start at or after ``ts_ms``."""
    return -((-ts_ms) // tf_ms) * tf_ms


def candle_count(start_ms: int, end_ms: int, tf_ms: int) -> int:
    """How many candle opening times (multiples of ``tf_ms``) lie in ``[start_ms, end_ms)``."""
    return max(0, (ceil_to(end_ms, tf_ms) - ceil_to(start_ms, tf_ms)) // tf_ms)
