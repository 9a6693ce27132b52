"""A historical job through the real path (trigger payload, queued job, worker, SDK sender, emulator)
produces log records and spans whose attributes are the request's context (custom dimensions in
Application Insights), counts what it served and fetched, and carries no secret."""

from __future__ import annotations

from shared.webpubsub.worker import run_job
from tests.telemetry.memory import Telemetry
from tests.webpubsub.helpers import MIN, NOW_SLOT, historical
from tests.webpubsub.test_worker import CONN, SMALL, submit


def _everything_exported(telemetry: Telemetry) -> str:
    logs = [f"{r.body} {dict(r.attributes or {})}" for r in telemetry.logs()]
    spans = [f"{s.name} {dict(s.attributes or {})} {s.status.description}" for s in telemetry.spans()]
    return "\n".join(logs + spans)


async def test_job_logs_and_spans_carry_the_context(
    services, limiter, webpubsub_fake, webpubsub_sender, telemetry: Telemetry
):
    job = await submit(services, limiter, historical(request_id="r-tel"))
    await run_job(services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL)

    served = [r for r in telemetry.logs() if str(r.body).startswith("served ")]
    assert len(served) == 1
    attributes = dict(served[0].attributes or {})
    assert {k: attributes[k] for k in ("request_id", "exchange", "symbol", "timeframe", "connection_id")} == {
        "request_id": "r-tel",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "connection_id": CONN,
    }
    assert attributes["job_id"]
    assert "[req=r-tel binance:BTC/USDT:1m" not in str(served[0].body)  # dimensions, not message text

    spans = {s.name: s for s in telemetry.spans()}
    serve, job_span = spans["cbdata.serve"], spans["cbdata.job"]
    assert serve.parent is not None and serve.parent.span_id == job_span.context.span_id
    assert dict(serve.attributes or {}) == {
        "cbdata.request_id": "r-tel",
        "cbdata.exchange": "binance",
        "cbdata.symbol": "BTC/USDT",
        "cbdata.timeframe": "1m",
        "cbdata.candles": 2_000,
    }
    assert dict(job_span.attributes or {})["cbdata.connection_id"] == CONN


async def test_job_counts_served_and_fetched_candles(
    services, limiter, webpubsub_fake, webpubsub_sender, telemetry: Telemetry
):
    def totals() -> tuple[int, int, int]:
        return (
            telemetry.total("cbdata.candles.served", transport="webpubsub", exchange="binance"),
            telemetry.total("cbdata.candles.fetched", exchange="binance", timeframe="1m"),
            telemetry.total("cbdata.exchange.requests", exchange="binance", outcome="ok"),
        )

    before = totals()
    body = historical(start=NOW_SLOT - 5_000 * MIN, end=NOW_SLOT - 4_000 * MIN)
    await run_job(services, await submit(services, limiter, body), 1, webpubsub_sender, limiter)
    served, fetched, requests = (a - b for a, b in zip(totals(), before, strict=True))
    assert served == 1_000
    assert fetched >= 1_000  # whole pages are stored
    assert requests >= 1
    assert telemetry.total("cbdata.serve.duration", transport="webpubsub") >= 1


async def test_refused_job_counts_its_error_code(
    services, limiter, webpubsub_fake, webpubsub_sender, telemetry: Telemetry
):
    before = telemetry.total("cbdata.errors", code="COIN_NOT_AVAILABLE", where="webpubsub")
    job = await submit(services, limiter, historical(symbol="NOPE/USDT"))
    await run_job(services, job, 1, webpubsub_sender, limiter)
    after = telemetry.total("cbdata.errors", code="COIN_NOT_AVAILABLE", where="webpubsub")
    assert after - before == 1
    refused = [r for r in telemetry.logs() if "refused" in str(r.body)]
    assert [dict(r.attributes or {}).get("error_code") for r in refused] == ["COIN_NOT_AVAILABLE"]
    assert (
        dict(telemetry.spans()[-1].attributes or {}).get("cbdata.error_code") is None
    )  # answered, not failed


async def test_no_secret_reaches_telemetry(services, limiter, webpubsub_fake, webpubsub_sender, telemetry):
    await run_job(
        services,
        await submit(services, limiter, historical()),
        1,
        webpubsub_sender,
        limiter,
        max_message_bytes=SMALL,
    )
    exported = _everything_exported(telemetry)
    assert exported  # something was exported to look through
    assert webpubsub_fake.access_key not in exported
    assert "AccessKey" not in exported and "Endpoint=" not in exported
