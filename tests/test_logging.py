"""Logging: context on every record, one idempotent set-up for the host and locally, no log injection."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from shared.logging_config import (
    ContextFilter,
    configure_logging,
    current_context,
    log_context,
    safe,
)


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


class WorkerLikeHandler(logging.Handler):
    """Shaped like the Functions worker's handler: formats with its own (unset) formatter."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


def local_output() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("DEBUG", host=False, stream=stream)
    return stream


def test_local_lines_carry_the_request_context() -> None:
    stream = local_output()
    log = logging.getLogger("shared.store.test")
    with log_context(request_id="r-17", exchange="binance", symbol="BTC/USDT", timeframe="1m"):
        log.info("read %d candles", 42)
    log.info("no context here")
    first, second = stream.getvalue().splitlines()
    assert first.endswith("INFO    shared.store.test: [req=r-17 binance:BTC/USDT:1m] read 42 candles")
    assert second.endswith("shared.store.test: no context here")


def test_host_mode_keeps_the_worker_handler_and_adds_context() -> None:
    worker = WorkerLikeHandler()
    root = logging.getLogger()
    root.addHandler(worker)
    before = list(root.handlers)
    configure_logging("INFO", host=True)
    assert root.handlers == before  # no local stream handler under the host
    with log_context(exchange="kraken", symbol="ETH/USD"):
        logging.getLogger("shared.exchange.x").warning("slow answer")
    record = worker.records[-1]
    assert (record.exchange, record.symbol, record.timeframe, record.request_id) == (
        "kraken",
        "ETH/USD",
        "-",
        "-",
    )
    assert worker.lines[-1] == "[kraken:ETH/USD] slow answer"


def test_configuration_is_idempotent() -> None:
    worker = WorkerLikeHandler()
    logging.getLogger().addHandler(worker)
    for level in ("INFO", "DEBUG", "WARNING"):
        configure_logging(level, host=False, stream=io.StringIO())
        configure_logging(level, host=True)
    root = logging.getLogger()
    ours = [h for h in root.handlers if type(h).__name__ == "_LocalHandler"]
    assert len(ours) == 1
    for handler in (*ours, worker):
        assert sum(isinstance(f, ContextFilter) for f in handler.filters) == 1
    assert root.level == logging.WARNING


def test_noisy_libraries_are_quieted() -> None:
    configure_logging("DEBUG", host=False, stream=io.StringIO())
    assert logging.getLogger("azure.core.pipeline").level == logging.WARNING
    assert not logging.getLogger("azure.core.pipeline.policies.http_logging_policy").isEnabledFor(
        logging.INFO
    )
    assert logging.getLogger("shared.anything").isEnabledFor(logging.DEBUG)
    # ccxt logs request headers (API keys) at DEBUG: never that verbose, whatever LOG_LEVEL says
    assert not logging.getLogger("ccxt.base.exchange").isEnabledFor(logging.INFO)
    assert not logging.getLogger("azure.core.pipeline.policies.http_logging_policy").isEnabledFor(
        logging.INFO
    )


def test_contexts_nest_merge_and_reset() -> None:
    with log_context(request_id="a", exchange="binance"):
        with log_context(symbol="BTC/USDT", exchange="okx"):
            assert current_context() == {"request_id": "a", "exchange": "okx", "symbol": "BTC/USDT"}
        assert current_context() == {"request_id": "a", "exchange": "binance"}
    assert current_context() == {}


async def test_each_task_keeps_its_own_context() -> None:
    stream = local_output()
    log = logging.getLogger("shared.sync.test")

    async def work(exchange: str) -> None:
        with log_context(request_id=f"req-{exchange}", exchange=exchange):
            for step in range(3):
                log.info("step %d of %s", step, exchange)
                await asyncio.sleep(0)

    await asyncio.gather(work("binance"), work("kraken"))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6
    for line in lines:
        exchange = line.rsplit(" ", 1)[-1]
        assert f"[req=req-{exchange} {exchange}] step" in line


def test_client_values_cannot_forge_log_lines() -> None:
    stream = local_output()
    evil = "BTC/USDT\n2024-01-01 00:00:00 ERROR   shared: forged\r\x1b[31m\u2028"
    with log_context(symbol=evil, request_id="x\ny"):
        logging.getLogger("shared.api").info("bad symbol %s", evil)
    output = stream.getvalue()
    assert output.count("\n") == 1 and "\r" not in output and "\x1b" not in output and "\u2028" not in output
    assert "[req=x\\ny BTC/USDT\\n2024-01-01" in output
    assert "bad symbol BTC/USDT\\n2024" in output


def test_safe_escapes_and_truncates() -> None:
    assert safe("a\nb\tc\\n") == "a\\nb\\tc\\\\n"
    assert safe("x" * 500, max_length=10) == "x" * 10 + "..."
    assert safe(12) == "12"
    assert safe("BTC/€") == "BTC/€"


def test_exceptions_keep_their_traceback_lines() -> None:
    stream = local_output()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("shared.x").exception("failed")
    output = stream.getvalue()
    assert "Traceback (most recent call last):" in output and "ValueError: boom" in output
