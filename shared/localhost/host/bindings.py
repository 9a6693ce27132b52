"""The functions ``function_app`` registers, read once from their bindings JSON, and how to call one.

``index(app.get_functions())`` sorts every function by its trigger (HTTP, Web PubSub user event, queue,
timer) and checks that the local host knows each of its bindings, so a binding it cannot honour fails
at start-up with one clear message instead of at the first call. ``FunctionApp.get_functions()`` may
be called only once per process: call it once and pass the result.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

from shared.errors import ConfigurationError

HTTP, USER_EVENT, QUEUE, TIMER = "httpTrigger", "webPubSubTrigger", "queueTrigger", "timerTrigger"
TRIGGERS = (HTTP, USER_EVENT, QUEUE, TIMER)
INPUTS = ("webPubSubConnection",)
OUTPUTS = ("http", "queue")


@dataclass(frozen=True)
class Function:
    """One registered function: its name, the Python callable, its trigger and other bindings."""

    name: str
    call: Callable[..., Any]
    trigger: dict[str, Any]
    inputs: tuple[dict[str, Any], ...] = ()
    outputs: tuple[dict[str, Any], ...] = ()  # without ``$return``

    @property
    def kind(self) -> str:
        return self.trigger["type"]


@dataclass
class AppIndex:
    functions: list[Function] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Function]:
        return [f for f in self.functions if f.kind == kind]

    def user_events(self) -> dict[tuple[str, str], Function]:
        """Web PubSub user-event functions by (hub, event name), both lower case (matched that way)."""
        found: dict[tuple[str, str], Function] = {}
        for f in self.of_kind(USER_EVENT):
            key = (str(f.trigger.get("hub", "")).lower(), str(f.trigger.get("eventName", "")).lower())
            if key in found:
                raise ConfigurationError(
                    f"two functions handle the Web PubSub event {key[1]!r} of hub {key[0]!r}"
                )
            found[key] = f
        return found


class CapturedOut(func.Out):
    """An output binding value: the function sets it, the host reads it after the call."""

    def __init__(self) -> None:
        self.value: Any = None

    def set(self, val: Any) -> None:  # the last value wins, as in the Functions host
        self.value = val

    def get(self) -> Any:
        return self.value


def index(registered: Iterable[Any]) -> AppIndex:
    """Read the functions ``FunctionApp.get_functions()`` returned; ``ConfigurationError`` if unsupported."""
    found = AppIndex()
    for registration in registered:
        name = registration.get_function_name()
        bindings = json.loads(registration.get_function_json())["bindings"]
        call = registration.get_user_function()
        found.functions.append(_function(name, call, bindings))
    return found


def _function(name: str, call: Callable[..., Any], bindings: list[dict[str, Any]]) -> Function:
    triggers = [b for b in bindings if b["type"] in TRIGGERS]
    if len(triggers) != 1:
        kinds = sorted({b["type"] for b in bindings if b["type"].endswith("Trigger")})
        raise ConfigurationError(f"function {name}: the local host runs {', '.join(TRIGGERS)}, found {kinds}")
    inputs, outputs = [], []
    for b in bindings:
        if b is triggers[0] or b["name"] == "$return":
            continue
        if b["direction"].upper() == "IN" and b["type"] in INPUTS:
            inputs.append(b)
        elif b["direction"].upper() == "OUT" and b["type"] in OUTPUTS:
            outputs.append(b)
        else:
            raise ConfigurationError(f"function {name}: the local host has no {b['type']!r} binding")
    params = set(inspect.signature(call).parameters)
    names = {b["name"] for b in bindings if b["name"] != "$return"}
    if params != names:
        raise ConfigurationError(
            f"function {name}: parameters {sorted(params)} are not its bindings {sorted(names)}"
        )
    return Function(name, call, triggers[0], tuple(inputs), tuple(outputs))


async def invoke(function: Function, arguments: dict[str, Any]) -> Any:
    """Await a coroutine function; run a plain one in a worker thread (never block the event loop)."""
    if inspect.iscoroutinefunction(function.call):
        return await function.call(**arguments)
    return await asyncio.to_thread(function.call, **arguments)


def output_slots(function: Function, kind: str) -> dict[str, CapturedOut]:
    return {b["name"]: CapturedOut() for b in function.outputs if b["type"] == kind}


def queue_messages(value: Any) -> list[bytes]:
    """What a queue output's value becomes: a JSON array string is one message per element."""
    if value is None:
        return []
    if isinstance(value, bytes | bytearray):
        return [bytes(value)]
    if isinstance(value, str):
        stripped = value.lstrip()
        if stripped.startswith("["):
            try:
                items = json.loads(stripped)
            except ValueError:
                return [value.encode()]
            return [i.encode() if isinstance(i, str) else json.dumps(i).encode() for i in items]
        return [value.encode()]
    if isinstance(value, list):
        return [m for item in value for m in queue_messages(item)]
    raise TypeError(f"a queue output takes str or bytes, not {type(value).__name__}")
