"""The app's registered functions, indexed once: ``FunctionApp.get_functions()`` may be called only once
per process (a second call fails its duplicate-name check, as the host indexes the app once)."""

from __future__ import annotations

import json
from functools import cache

import function_app


@cache
def functions() -> dict:
    return {f.get_function_name(): f for f in function_app.app.get_functions()}


def bindings(name: str) -> list[dict]:
    return json.loads(functions()[name].get_function_json())["bindings"]
