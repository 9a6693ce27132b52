"""The local host's background work: the timer on its NCRONTAB schedule, the in-process queue with
retries and the poison list, and a stop that leaves no task or socket behind."""

from __future__ import annotations

import asyncio

import azure.functions as func

from shared.localhost.host.bindings import index
from shared.localhost.host.config import HostOptions
from shared.series import SeriesKey
from tests.localhost.conftest import FUNCTION_KEY, HOST_JSON, eventually


async def test_timer_syncs_the_targets_on_its_schedule(make_host):
    host = await make_host(sync={"schedule": "*/2 * * * * *", "targets": "binance:ETH/USDT:1h"})
    [timer] = [t for t in host.timers if t.name == "sync_targets"]
    assert timer.schedule.expression == "*/2 * * * * *"  # %SYNC_SCHEDULE% resolved from the settings
    await eventually(lambda: timer.runs >= 1)
    stored = {info.series for info in await host.services.candles.catalog()}
    assert SeriesKey("binance", "ETH/USDT", "1h") in stored


def failing_app(seen: list[tuple[bytes, int]]) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="enqueue", methods=["POST"])
    @app.queue_output(arg_name="out", queue_name="work", connection="AzureWebJobsStorage")
    def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:  # sync: runs in a thread
        out.set(req.get_body().decode())
        return func.HttpResponse("queued", status_code=202)

    @app.queue_trigger(arg_name="msg", queue_name="work", connection="AzureWebJobsStorage")
    async def work(msg: func.QueueMessage) -> None:
        seen.append((msg.get_body(), msg.dequeue_count))
        if msg.get_body() == b"fail":
            raise RuntimeError("this message always fails")

    return app


async def test_queue_retries_up_to_max_dequeue_count_then_poison(make_host, http):
    seen: list[tuple[bytes, int]] = []
    functions = index(failing_app(seen).get_functions())
    host = await make_host(functions=functions)
    queue = host.queues["work"]
    assert queue.max_dequeue_count == 5  # host.json extensions.queues.maxDequeueCount
    for body in (b"fail", b"ok"):
        async with http.post(host.url + "/api/enqueue", data=body, params={"code": FUNCTION_KEY}) as response:
            assert response.status == 202
    await eventually(lambda: len(queue.poison) == 1 and queue.done == 1)
    assert [n for body, n in seen if body == b"fail"] == [1, 2, 3, 4, 5]
    assert [n for body, n in seen if body == b"ok"] == [1]
    assert queue.poison[0].body == b"fail" and queue.poison[0].dequeue_count == 5
    assert queue.idle


async def test_max_dequeue_count_comes_from_the_options(make_host, http):
    seen: list[tuple[bytes, int]] = []
    options = HostOptions.from_host_json(HOST_JSON, queue_retry_delay=0.0, max_dequeue_count=2)
    host = await make_host(functions=index(failing_app(seen).get_functions()), options=options)
    async with http.post(host.url + "/api/enqueue", data=b"fail", params={"code": FUNCTION_KEY}) as response:
        assert response.status == 202
    await eventually(lambda: len(host.queues["work"].poison) == 1)
    assert seen == [(b"fail", 1), (b"fail", 2)]


async def test_stop_leaves_no_task_and_closes_the_sockets(make_host, http):
    before = asyncio.all_tasks()
    host = await make_host(sync={"schedule": "* * * * * *", "targets": "binance:ETH/USDT:1h"})
    async with http.get(host.url + "/api/negotiate", params={"code": FUNCTION_KEY}) as response:
        access = await response.json()
    ws = await http.ws_connect(access["url"], protocols=["json.webpubsub.azure.v1"])
    assert (await ws.receive_json(timeout=10))["event"] == "connected"
    assert host.tasks()  # the timer and the queue consumers run
    await host.stop()
    assert host.tasks() == []
    async with asyncio.timeout(10):
        while not ws.closed:  # the stand-in closed the socket (a "disconnected" message may come first)
            await ws.receive()
    left = asyncio.all_tasks() - before - {asyncio.current_task()}
    assert not [t for t in left if not t.done()]
