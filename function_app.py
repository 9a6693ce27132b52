"""Azure Functions entry point (Python v2 programming model): wiring only, all logic lives in ``shared``.

HTTP API (function keys unless noted), Web PubSub user events (acknowledged at once, the long work
queued), the queue-triggered worker that streams chunks to the client's connection, and the timer
that keeps the watched targets fresh. See README.md and docs/protocol.md.
"""

import os

import azure.functions as func

from shared import runtime
from shared.api import http_handlers as http
from shared.api import store_admin
from shared.api import targets as targets_api
from shared.api.health import health as health_check
from shared.azure_functions import answer, params_of, to_response
from shared.host_json import HOST_JSON, host_options
from shared.portfolio import http as portfolio_api
from shared.settings import DEFAULT_HUB
from shared.sync.runner import run_sync
from shared.telemetry import configure_telemetry
from shared.webpubsub.events import answer_user_event
from shared.webpubsub.negotiate import negotiate as negotiate_handler
from shared.webpubsub.worker import run_job

HUB = os.environ.get("WEBPUBSUB_HUB") or DEFAULT_HUB  # WEBPUBSUB_HUB; the bindings need it at indexing
QUEUE = "historical-requests"  # Storage Queue (AzureWebJobsStorage) carrying historical jobs
MAX_DEQUEUE = host_options(HOST_JSON).max_dequeue_count  # the queue's attempts before <queue>-poison

configure_telemetry()  # Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


# -- HTTP -------------------------------------------------------------------------------------------
@app.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    status, body = await health_check(runtime.services, queue_name=QUEUE)
    return to_response(http.json_result(body, status))


@app.route(route="health/deep", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
async def health_deep(req: func.HttpRequest) -> func.HttpResponse:
    status, body = await health_check(runtime.services, queue_name=QUEUE, deep=True)
    return to_response(http.json_result(body, status))


@app.route(route="ohlcv", methods=["GET"])
async def ohlcv(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(lambda services: http.get_ohlcv(services, params_of(req)))


@app.route(route="ohlcv/latest", methods=["GET"])
async def ohlcv_latest(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(lambda services: http.get_latest(services, params_of(req)))


@app.route(route="catalog", methods=["GET"])
async def catalog(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(http.get_catalog)


@app.route(route="negotiate", methods=["GET", "POST"])
@app.generic_input_binding(arg_name="connection", type="webPubSubConnection", hub=HUB)
async def negotiate(req: func.HttpRequest, connection: str) -> func.HttpResponse:
    return await answer(lambda services: negotiate_handler(services, connection, dict(req.headers)))


@app.route(route="targets", methods=["GET", "PUT", "DELETE"], auth_level=func.AuthLevel.ADMIN)
async def targets(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(
        lambda services: targets_api.handle(services, req.method, req.get_body(), params_of(req))
    )


@app.route(route="portfolio", methods=["GET"])
async def portfolio(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(lambda services: portfolio_api.get_portfolio(services, params_of(req)))


@app.route(route="portfolio/history", methods=["GET"])
async def portfolio_history(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(lambda services: portfolio_api.get_history(services, params_of(req)))


@app.route(route="store/candles", methods=["DELETE"], auth_level=func.AuthLevel.ADMIN)
async def store_candles(req: func.HttpRequest) -> func.HttpResponse:
    return await answer(lambda services: store_admin.delete_route(services, params_of(req)))


# -- Web PubSub user events (must answer quickly and never raise) -----------------------------------
@app.generic_trigger(
    arg_name="request", type="webPubSubTrigger", hub=HUB, eventType="user", eventName="request_historical"
)
@app.queue_output(arg_name="job", queue_name=QUEUE, connection="AzureWebJobsStorage")
async def request_historical(request: str, job: func.Out[str]) -> dict:
    outcome = await answer_user_event(runtime.services, request)
    if outcome.job is not None:
        job.set(outcome.job)
    return outcome.reply


@app.generic_trigger(
    arg_name="request",
    type="webPubSubTrigger",
    hub=HUB,
    eventType="user",
    eventName="request_current_timestamp",
)
async def request_current_timestamp(request: str) -> dict:
    return (await answer_user_event(runtime.services, request)).reply


# -- the queued historical work ---------------------------------------------------------------------
@app.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
async def historical_worker(msg: func.QueueMessage) -> None:
    services = await runtime.services()
    await run_job(
        services,
        msg.get_body().decode("utf-8"),
        msg.dequeue_count or 1,
        services.sender,
        services.limiter,
        max_dequeue=MAX_DEQUEUE,
    )


# -- the 30-minute sync -----------------------------------------------------------------------------
@app.timer_trigger(schedule="%SYNC_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True)
async def sync_targets(timer: func.TimerRequest) -> None:
    services = await runtime.services()
    await run_sync(
        services.candles,
        services.targets,
        concurrency_per_exchange=services.settings.sync.concurrency_per_exchange,
    )


# -- the portfolio sync (docs/portfolio.md) ----------------------------------------------------------
@app.timer_trigger(schedule="%PORTFOLIO_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True)
async def sync_portfolios(timer: func.TimerRequest) -> None:
    await (await runtime.portfolio()).run()
