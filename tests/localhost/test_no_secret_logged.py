"""No secret reaches any log record or any answer, at LOG_LEVEL=DEBUG, whatever fails.

Recognisable secrets are set everywhere the settings hold one (exchange credentials, also through
CCXT_EXCHANGE_OPTIONS; the local host's keys; the Web PubSub access key; a storage connection string),
then requests fail in every way we know: exchange errors and auth errors whose bodies echo the keys,
retries exhausted, bad and misplaced keys, over-long URLs and headers carrying ``code=`` and
``access_token=``, bad WebSocket upgrades, dead storage. Every record of every logger (two root
handlers, as locally and under the Functions host) and every answer are searched for each secret.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from shared.logging_config import configure_logging
from shared.settings import CcxtSettings
from tests.emulator.fixtures import emulator_settings
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.localhost.conftest import FUNCTION_KEY, MASTER_KEY

API_KEY = "SECRETapikey0001binance"
API_SECRET = "SECRETsecret0002binance"
OKX_KEY = "SECRETokxkey0003viaoptions"
OKX_PASSWORD = "SECRETokxpass0004"
ACCOUNT_KEY = "SECRETaccountkey0005Zm9vYmFy"
DEAD_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    f"AccountKey={ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
)


@pytest.fixture
def exchange_settings(exchange_emulator) -> CcxtSettings:
    options = exchange_emulator.exchange_options("binance", "okx", timeout_ms=2000)
    options["okx"]["apiKey"] = OKX_KEY
    return emulator_settings(
        exchange_emulator,
        exchange_options=options,
        credentials={
            "binance": {"api_key": API_KEY, "secret": API_SECRET},
            "okx": {"password": OKX_PASSWORD},
        },
    )


class Capture(logging.Handler):
    """Shaped like the Functions worker's handler: every record, formatted with its own formatter."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, Capture]]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream, worker = io.StringIO(), Capture()
    root.addHandler(worker)
    configure_logging("DEBUG", host=False, stream=stream)  # the local handler
    configure_logging("DEBUG", host=True)  # the worker-like handler gets the host's filters
    try:
        yield stream, worker
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def secrets_of(host) -> list[str]:
    access_key = host.services.settings.webpubsub_connection_string.get_secret_value()
    access_key = access_key.split("AccessKey=")[1].split(";")[0]
    return [API_KEY, API_SECRET, OKX_KEY, OKX_PASSWORD, ACCOUNT_KEY, FUNCTION_KEY, MASTER_KEY, access_key]


async def test_no_secret_in_any_record_or_answer(captured, make_host, http, exchange_emulator):
    stream, worker = captured
    host = await make_host(storage={"type": "local", "azure_connection_string": DEAD_STORAGE})
    answers: list[str] = []
    url = host.url

    async def call(method: str, path: str, **kwargs) -> int:
        async with http.request(method, url + path, **kwargs) as response:
            answers.append(f"{dict(response.headers)} {await response.text()}")
            return response.status

    window = {"start": NOW_SLOT - 300 * MIN, "end": NOW_SLOT - 100 * MIN, "timeframe": "1m"}
    ohlcv = {"exchange": "binance", "symbol": "BTC/USDT", **window}
    echo = {"code": -2015, "msg": f"Invalid API-key {API_KEY} secret {API_SECRET} {OKX_KEY} {OKX_PASSWORD}"}
    headers = {"x-functions-key": FUNCTION_KEY}

    exchange_emulator.inject("binance", "status", status=500, body=echo, count=50, endpoint="*")
    assert await call("GET", "/api/ohlcv", params=ohlcv, headers=headers) >= 500  # retries exhausted
    exchange_emulator.faults.clear()
    exchange_emulator.inject("binance", "status", status=401, body=echo, count=50, endpoint="*")
    assert await call("GET", "/api/ohlcv", params=ohlcv, headers=headers) >= 400  # auth error
    exchange_emulator.faults.clear()
    exchange_emulator.inject("okx", "status", status=400, body={"code": "50111", "msg": echo["msg"]})
    okx = {**ohlcv, "exchange": "okx"}
    assert await call("GET", "/api/ohlcv", params=okx, headers=headers) >= 400
    exchange_emulator.faults.clear()
    assert await call("GET", "/api/ohlcv", params=ohlcv, headers=headers) == 200  # a real fetch at DEBUG

    assert await call("GET", "/api/targets", params={"code": FUNCTION_KEY}) == 401  # misplaced key
    assert await call("GET", "/api/ohlcv", params={"code": MASTER_KEY[:-1]}) == 401  # bad key
    long_tail = "x" * 9000
    await call("GET", f"/api/ohlcv?code={FUNCTION_KEY}&pad={long_tail}")  # over-long URL
    await call("GET", "/api/ohlcv", headers={"x-functions-key": MASTER_KEY, "x-pad": long_tail})
    token_url = f"/client/hubs/marketdata?access_token={FUNCTION_KEY}"
    await call("GET", f"{token_url}&pad={long_tail}")  # over-long WebSocket URL
    await call("GET", token_url)  # not an upgrade
    await call("GET", token_url, headers={"Upgrade": "websocket", "Connection": "Upgrade"})  # bad upgrade

    # a JWT the stand-in signed, in the URL of a refused upgrade
    async with http.get(url + "/api/negotiate", headers=headers) as response:
        jwt_url = (await response.json())["url"]
    token = jwt_url.split("access_token=")[1]
    await call("GET", f"/client/hubs/marketdata?access_token={token}&pad={long_tail}")

    logging.getLogger("some.library").debug("GET https://x/?sig=%s&code=%s", ACCOUNT_KEY, FUNCTION_KEY)
    try:
        raise RuntimeError(f"connection string {DEAD_STORAGE} Authorization: Bearer {token}")
    except RuntimeError:
        logging.getLogger("some.library").exception("failed")

    everything = "\n".join([stream.getvalue(), *worker.lines])
    assert sum("EXCHANGE_ERROR" in answer for answer in answers) == 3  # the failures were answered
    assert "Traceback" in everything
    for secret in [*secrets_of(host), token]:
        assert secret not in everything
        for answer in answers:
            assert secret not in answer
    # candle clients carry no credentials: the exchange never saw a key
    seen = "\n".join(exchange_emulator.seen_headers)
    assert exchange_emulator.seen_headers
    for secret in (API_KEY, API_SECRET, OKX_KEY, OKX_PASSWORD):
        assert secret not in seen
