"""A settable clock shared by the emulator and the code under test (seconds, like ``time.time``)."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now_s: float) -> None:
        self.now_s = float(now_s)

    def __call__(self) -> float:
        return self.now_s

    @property
    def now_ms(self) -> int:
        return int(self.now_s * 1000)

    def set_ms(self, now_ms: int) -> None:
        self.now_s = now_ms / 1000

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


class LiveClock(FakeClock):
    """Real time (``time.time``), for tests where another process computes "now" by itself;
    ``advance``/``set_ms`` shift it by an offset."""

    def __init__(self) -> None:
        self._offset = 0.0

    @property  # type: ignore[override]
    def now_s(self) -> float:
        import time

        return time.time() + self._offset

    @now_s.setter
    def now_s(self, value: float) -> None:
        import time

        self._offset = value - time.time()
