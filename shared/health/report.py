"""Run the part checks concurrently, each under ``PART_DEADLINE_SECONDS``, and sum them up.

A part that does not answer in time is ``down`` with ``<PART>_TIMEOUT`` (storage: ``STORAGE_TIMEOUT``),
so ``/api/health`` answers within ``ANSWER_WITHIN_SECONDS`` whatever storage or an exchange does.
The overall status is ``down`` only when storage is down (nothing can be served); any other part
that is down or degraded makes it ``degraded``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.health.parts import DEGRADED, DOWN, RANK, Part

log = logging.getLogger(__name__)
ANSWER_WITHIN_SECONDS = 5.0
PART_DEADLINE_SECONDS = 4.0

Check = tuple[str, Callable[[], Awaitable[Part]]]


async def _bounded(name: str, check: Callable[[], Awaitable[Part]], deadline: float) -> Part:
    try:
        async with asyncio.timeout(deadline):
            return await check()
    except TimeoutError:
        log.warning("health: %s did not answer within %.1f s", name, deadline)
        code = f"{name.split(':')[0].upper()}_TIMEOUT"
        return Part(name, DOWN, code)
    except Exception:  # a check is never allowed to break the health answer
        log.exception("health: checking %s failed", name)
        return Part(name, DOWN, "INTERNAL_ERROR")


async def check_parts(checks: list[Check], deadline: float = PART_DEADLINE_SECONDS) -> list[Part]:
    return list(await asyncio.gather(*(_bounded(name, check, deadline) for name, check in checks)))


def overall(parts: list[Part]) -> str:
    rank = 0
    for part in parts:
        own = RANK[part.status]
        rank = max(rank, own if part.name == "storage" else min(own, RANK[DEGRADED]))
    return next(status for status, value in RANK.items() if value == rank)


def body_of(parts: list[Part]) -> dict[str, Any]:
    return {"status": overall(parts), "parts": {p.name: p.to_dict() for p in parts}}


__all__ = ["DOWN", "body_of", "check_parts", "overall"]
