"""``LocalHost``: the function app's functions on one aiohttp server, with the Web PubSub stand-in.

    host = LocalHost(index(function_app.app.get_functions()), services, port=7071)
    await host.start()      # installs ``services`` as the app's runtime services, then listens
    host.url, host.function_key, host.master_key
    await host.stop()       # cancels timers and queue consumers, closes the sockets; services stay open

HTTP functions answer at ``/api/<route>`` (``http``), timers run on their NCRONTAB schedules
(``schedule``), queue triggers read in-process queues fed by the queue output bindings (``queue``),
and when ``WebPubSubConnectionString`` is set the stand-in (``shared.localhost.webpubsub``) serves
``/client/hubs/{hub}`` and the service REST API with that connection string's access key, dispatching
user events to the ``webPubSubTrigger`` functions (``events``). The caller owns ``services``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from shared import runtime
from shared.composition import Services
from shared.errors import ConfigurationError
from shared.localhost.host.bindings import QUEUE, TIMER, AppIndex, Function
from shared.localhost.host.config import HostOptions, connection_parts
from shared.localhost.host.events import UserEventDispatcher
from shared.localhost.host.http import add_http_routes
from shared.localhost.host.invoke import queue_runner, timer_runner
from shared.localhost.host.keys import HostKeys
from shared.localhost.host.listener import json_errors, listen
from shared.localhost.host.queue import LocalQueue
from shared.localhost.host.schedule import Schedule, TimerLoop, resolve_schedule
from shared.localhost.webpubsub.limits import standin_limits
from shared.redaction import register

log = logging.getLogger(__name__)


class LocalHost:
    def __init__(
        self,
        functions: AppIndex,
        services: Services,
        *,
        host: str = "127.0.0.1",
        port: int = 7071,
        keys: HostKeys | None = None,
        options: HostOptions | None = None,
    ) -> None:
        self.functions = functions
        self.services = services
        self.host, self.port = host, port
        self.keys = keys or HostKeys.from_settings(services.settings)
        register(self.keys.function_key, self.keys.master_key)  # generated ones too: never logged
        self.options = options or HostOptions.from_host_json(Path("host.json"))
        self.queues: dict[str, LocalQueue] = {}
        self.timers: list[TimerLoop] = []
        self.standin: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None

    # -- what a caller needs --------------------------------------------------------------------
    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{shown}:{self.port}"

    @property
    def function_key(self) -> str:
        return self.keys.function_key.get_secret_value()

    @property
    def master_key(self) -> str:
        return self.keys.master_key.get_secret_value()

    def tasks(self) -> list[asyncio.Task[Any]]:
        """The host's own background tasks still running (timers, queue consumers, retries)."""
        own = [t for t in self._tasks if not t.done()]
        return own + [t for q in self.queues.values() for t in q.tasks()]

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        runtime.install(self.services)
        app = web.Application(client_max_size=self.options.max_request_bytes, middlewares=[json_errors])
        for function in self.functions.of_kind(QUEUE):
            self._queue(function.trigger["queueName"], function)
        access = connection_parts(self.services.settings.webpubsub_connection_string)
        inputs = {"webPubSubConnection": self._connection_value}
        add_http_routes(
            app, self.functions, self.keys, inputs, self.enqueue, prefix=self.options.route_prefix
        )
        if access is not None:
            from shared.localhost.webpubsub.standin import WebPubSubStandIn

            dispatcher = UserEventDispatcher(self.functions, access.access_key, self.enqueue)
            self.standin = WebPubSubStandIn(
                access.access_key,
                dispatcher,
                hubs=self._hubs(),
                limits=standin_limits(self.services.settings),
            )
            self.standin.routes(app)
        # no access log: client WebSocket URLs carry their access token in the query string
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        self._listener = await listen(self._runner, self.host, self.port)  # JSON for malformed requests
        if self.port == 0:
            self.port = self._listener.sockets[0].getsockname()[1]  # the port the OS picked
        for queue in self.queues.values():
            queue.start()
        for function in self.functions.of_kind(TIMER):
            self._start_timer(function)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for queue in self.queues.values():
            await queue.stop()
        if self.standin is not None:
            await self.standin.close()
        if self._listener is not None:
            self._listener.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None
        runtime.install(None)  # type: ignore[arg-type]  # the caller closes the services

    async def __aenter__(self) -> LocalHost:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _hubs(self) -> set[str]:
        """The hubs the app uses: its own setting and every user-event trigger's hub."""
        return {self.services.settings.webpubsub_hub} | {hub for hub, _ in self.functions.user_events()}

    # -- bindings -------------------------------------------------------------------------------
    async def enqueue(self, queue_name: str, message: bytes) -> None:
        await self._queue(queue_name, None).put(message)

    def _queue(self, name: str, consumer: Function | None) -> LocalQueue:
        key = name.lower()  # Storage Queue names are lower case
        if key not in self.queues or (consumer is not None and not self.queues[key].has_consumer):
            handler = queue_runner(consumer, self.enqueue) if consumer is not None else None
            if consumer is None:
                log.warning("queue %s has no queue-triggered function; its messages stay queued", name)
            self.queues[key] = LocalQueue(
                key,
                handler,
                max_dequeue_count=self.options.max_dequeue_count,
                consumers=self.options.queue_consumers,
                retry_delay=self.options.queue_retry_delay,
            )
        return self.queues[key]

    def _start_timer(self, function: Function) -> None:
        try:
            expression = resolve_schedule(str(function.trigger["schedule"]), self.services.settings)
        except ConfigurationError as exc:  # e.g. a wrong PORTFOLIO_* setting: only this timer stays off
            log.error("timer %s is not started: %s", function.name, exc.message)
            return
        loop = TimerLoop(
            function.name,
            Schedule(expression),
            timer_runner(function, self.enqueue),
            run_on_startup=bool(function.trigger.get("runOnStartup")),
        )
        self.timers.append(loop)
        self._tasks.append(asyncio.create_task(loop.forever(), name=f"timer {function.name}"))
        log.info("timer %s runs on %r (UTC)", function.name, expression)

    def _connection_value(self, binding: dict[str, Any], request: web.Request) -> str | None:
        from shared.localhost.webpubsub.tokens import client_access

        access = connection_parts(self.services.settings.webpubsub_connection_string)
        if access is None:
            return None
        hub = binding.get("hub") or self.services.settings.webpubsub_hub
        user_id = binding.get("userId")
        user_id = user_id if isinstance(user_id, str) and "{" not in user_id else None  # no expressions
        return json.dumps(client_access(access.endpoint, access.access_key, hub, user_id))
