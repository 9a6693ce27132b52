"""The emulator in a child process of its own, for benchmarks: its CPU is not ours, and ours not its.

    with EmulatorProcess(now_ms=None) as emu:       # None: real time (another process's "now")
        emu.add_series("binance", "BTC/USDT", seed=1, listing_ms=...)
        emu.base_url; emu.stats()                   # {"busy_s", "cpu_s", "counts": {"ex/endpoint": n}}
        emu.call("inject", "binance", "status", count=2)

Commands travel over a pipe; each is a method name of ``ExchangeEmulator`` (or ``stats``).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from typing import Any


def _child(conn: Any, now_ms: int | None) -> None:
    from tests.emulator.clock import FakeClock, LiveClock
    from tests.emulator.server import ExchangeEmulator

    async def main() -> None:
        emu = ExchangeEmulator(clock=LiveClock() if now_ms is None else FakeClock(now_ms / 1000))
        await emu.start()
        conn.send(emu.base_url)
        while True:
            name, args, kwargs = await asyncio.to_thread(conn.recv)
            if name == "stop":
                break
            if name == "stats":
                counts = {f"{ex}/{ep}": n for (ex, ep), n in emu.counts.items()}
                conn.send({"busy_s": emu.busy_s, "cpu_s": time.process_time(), "counts": counts})
                continue
            result = getattr(emu, name)(*args, **kwargs)
            conn.send(None if result is None or not isinstance(result, (int, float, str)) else result)
        await emu.stop()
        conn.send("stopped")

    asyncio.run(main())


class EmulatorProcess:
    def __init__(self, now_ms: int | None = None) -> None:
        self._conn, child = mp.Pipe()
        self._proc = mp.get_context("spawn").Process(target=_child, args=(child, now_ms), daemon=True)
        self._proc.start()
        self.base_url: str = self._conn.recv()

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        return self._conn.recv()

    def add_series(self, exchange: str, symbol: str, **kwargs: Any) -> None:
        self.call("add_series", exchange, symbol, **kwargs)

    def stats(self) -> dict:
        return self.call("stats")

    def close(self) -> None:
        if self._proc.is_alive():
            self.call("stop")
        self._proc.join(5)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
