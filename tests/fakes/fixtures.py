"""Fixtures for the fakes (add ``"tests.fakes.fixtures"`` to ``pytest_plugins`` to use them anywhere).

- ``webpubsub_fake``: a started ``FakeWebPubSub`` (stopped afterwards).
- ``webpubsub_sender``: a ``ServiceSender`` (the real SDK) on the fake's connection string, hub
  ``marketdata``, with the SDK's own HTTP retries off so that one injected failure is one failed send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from shared.webpubsub.sender import ServiceSender
from tests.fakes.webpubsub_service import FakeWebPubSub

HUB = "marketdata"


@pytest.fixture
async def webpubsub_fake() -> AsyncIterator[FakeWebPubSub]:
    fake = FakeWebPubSub()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def webpubsub_sender(webpubsub_fake: FakeWebPubSub) -> AsyncIterator[ServiceSender]:
    sender = ServiceSender(SecretStr(webpubsub_fake.connection_string), HUB, retry_total=0)
    try:
        yield sender
    finally:
        await sender.aclose()
