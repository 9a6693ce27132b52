"""Timer triggers: NCRONTAB schedules (six fields, seconds first, UTC) and the loop that runs one.

``resolve_schedule("%SYNC_SCHEDULE%", settings)`` reads an app-setting expression from the settings
(``SYNC_SCHEDULE`` -> ``settings.sync.schedule``) or else the environment. ``TimerLoop`` runs a function
at each occurrence, once at start when ``runOnStartup`` is set; a run that overruns the next occurrence
delays it (never two runs at once) and the late run gets ``past_due=True``; a failed run is logged and
the loop goes on (the Functions timer does not retry either).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from croniter import croniter

from shared.errors import ConfigurationError

log = logging.getLogger(__name__)
_EXPRESSION = re.compile(r"^%([A-Za-z0-9_.:-]+)%$")


def resolve_schedule(schedule: str, settings: Any = None) -> str:
    """The schedule with a ``%NAME%`` app-setting expression replaced by that setting's value."""
    match = _EXPRESSION.match(schedule.strip())
    if match is None:
        return schedule.strip()
    name = match[1]
    value = _from_settings(settings, name) if settings is not None else None
    value = value or _separate(name) or os.environ.get(name)
    if not value:
        raise ConfigurationError(f"{name}: the timer schedule %{name}% names a setting that is not set")
    return str(value).strip()


def _separate(name: str) -> str | None:
    """A schedule whose setting is loaded apart from ``Settings``, with its own default."""
    if name == "PORTFOLIO_SCHEDULE":
        from shared.portfolio.settings import configured_schedule

        return configured_schedule()
    return None


def _from_settings(settings: Any, name: str) -> Any:
    # SYNC_SCHEDULE -> settings.sync.schedule; MAX_REQUEST_CANDLES -> settings.max_request_candles
    lowered = name.lower()
    if (
        isinstance(getattr(type(settings), "model_fields", None), dict)
        and lowered in type(settings).model_fields
    ):
        return getattr(settings, lowered)
    group, _, field = lowered.partition("_")
    owner = getattr(settings, group, None)
    return getattr(owner, field, None) if field and owner is not None else None


class Schedule:
    """An NCRONTAB expression: ``{second} {minute} {hour} {day} {month} {day-of-week}``, in UTC."""

    def __init__(self, expression: str) -> None:
        fields = expression.split()
        if len(fields) != 6 or not croniter.is_valid(expression, second_at_beginning=True):
            raise ConfigurationError(
                f"timer schedule {expression!r} is not a six-field NCRONTAB expression (seconds first)"
            )
        self.expression = expression

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (an aware datetime)."""
        it = croniter(self.expression, moment.astimezone(UTC), second_at_beginning=True)
        return it.get_next(datetime)


Run = Callable[[bool], Awaitable[None]]  # run(past_due)


class TimerLoop:
    def __init__(self, name: str, schedule: Schedule, run: Run, *, run_on_startup: bool = False) -> None:
        self.name = name
        self.schedule = schedule
        self._run = run
        self._run_on_startup = run_on_startup
        self.runs = 0  # finished runs, failed or not

    async def forever(self) -> None:
        if self._run_on_startup:
            await self._once(past_due=False)
        due = self.schedule.next_after(_now())
        while True:
            await asyncio.sleep(max(0.0, (due - _now()).total_seconds()))
            if _now() < due:  # the loop's clock and the wall clock may differ slightly
                continue
            await self._once(past_due=False)
            following = self.schedule.next_after(due)
            if following <= _now():  # the run overran the next occurrence: run it late, once
                await self._once(past_due=True)
            due = self.schedule.next_after(_now())

    async def _once(self, past_due: bool) -> None:
        try:
            await self._run(past_due)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("timer function %s failed; it runs again at its next occurrence", self.name)
        finally:
            self.runs += 1


def _now() -> datetime:
    return datetime.now(tz=UTC)
