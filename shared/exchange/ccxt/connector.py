"""One ccxt exchange instance, made on first use, and every call to it run the same way.

Both the candle plugin (``client.py``) and the portfolio's account clients talk to ccxt through a
``CcxtConnector``:

- ``ccxt.async_support`` is imported (in a worker thread, ~0.4 s) and the instance created only on the
  first ``instance()``, so building a connector stays cheap and never imports ccxt (cold start);
- ``requests_made`` counts every HTTP request the instance sends (markets and retries included);
- a body that is not JSON is refused (``MalformedResponse``, transient): ccxt hands back its raw text
  and its parsers then quietly make ``[]`` of it, which would read as "nothing here";
- ``run(call)`` runs ``call`` with the retry policy (``shared.backoff``: 429 and 5xx retried with
  backoff, ``Retry-After`` honoured; a rate limit closes one ``Gate`` for every concurrent call, so
  pipelined windows wait out one pause together) and maps what is left to the service's errors, with the
  credential values scrubbed from their text.
"""

from __future__ import annotations

import asyncio
import importlib
import random
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from shared.backoff import Gate, RetryPolicy, with_retries
from shared.errors import UnknownExchangeError
from shared.exchange.ccxt.errors import MalformedResponse, classify, map_error
from shared.memory import exempt_loaded_objects
from shared.settings import CcxtSettings

T = TypeVar("T")


def retry_policy(settings: CcxtSettings) -> RetryPolicy:
    """The retry policy of every ccxt call (``CCXT_RETRY_*``)."""
    return RetryPolicy(
        settings.retry_max_attempts, settings.retry_base_delay_seconds, settings.retry_max_delay_seconds
    )


class CcxtConnector:
    def __init__(
        self,
        exchange_id: str,
        config: dict[str, Any],
        policy: RetryPolicy,
        *,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.exchange_id = exchange_id
        self.requests_made = 0
        self._config = config
        self._policy = policy
        self._secrets = list(secrets)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._exchange: Any = None
        self._gate = Gate()  # a 429/418 pauses every call of this instance (all pipelined windows)

    async def instance(self) -> Any:
        """The ccxt exchange instance (created on the first call; ``UNKNOWN_EXCHANGE`` if ccxt has none)."""
        if self._exchange is None:
            module = sys.modules.get("ccxt.async_support")
            if module is None:  # the first import costs ~0.4 s: keep it off the event loop
                module = await asyncio.to_thread(importlib.import_module, "ccxt.async_support")
                exempt_loaded_objects()  # ccxt's objects: no full collection walks them again
            if self._exchange is None:  # another task may have made it while this one waited
                cls = getattr(module, self.exchange_id, None)
                if not isinstance(cls, type):
                    raise UnknownExchangeError(f"ccxt has no exchange called {self.exchange_id!r}")
                exchange = cls(self._config)
                exchange.fetch = self._counted(exchange.fetch)  # every HTTP request passes here
                self._exchange = exchange
        return self._exchange

    def _counted(self, send: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
            self.requests_made += 1
            answer = await send(*args, **kwargs)
            if isinstance(answer, (str, bytes)):
                raise MalformedResponse(f"{self.exchange_id} answered with a body that is not JSON")
            return answer

        return counted_fetch

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """``await call()`` with retries; what still fails is raised as a ``DataServiceError``."""
        exchange = await self.instance()
        try:
            return await with_retries(
                call,
                self._policy,
                lambda exc: classify(exc, getattr(exchange, "last_response_headers", None)),
                sleep=self._sleep,
                rng=self._rng,
                gate=self._gate,
            )
        except Exception as exc:
            raise map_error(exc, self.exchange_id, self._secrets) from None

    async def once(self, call: Callable[[], Awaitable[T]]) -> T:
        """``await call()`` once, no retry (health checks); a failure is raised as a ``DataServiceError``."""
        await self.instance()
        try:
            return await call()
        except Exception as exc:
            raise map_error(exc, self.exchange_id, self._secrets) from None

    async def close(self) -> None:
        """Release the instance's HTTP session; the next ``instance()`` makes a new one."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.close()
