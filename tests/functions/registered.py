"""The app's registered functions, indexed once: ``FunctionApp.get_functions()`` may be called only once
per process (a second call fails its duplicate-name check, as the host indexes the app once)."""

from __future__ import annotations

import json
from functools import cache

import azure.functions as func

import function_app


@cache
def functions() -> dict:
    return {f.get_function_name(): f for f in function_app.app.get_functions()}


def bindings(name: str) -> list[dict]:
    return json.loads(functions()[name].get_function_json())["bindings"]


class Out(func.Out):
    """An output binding's value, as the host would collect it."""

    def __init__(self) -> None:
        self.value = None

    def set(self, value) -> None:
        self.value = value

    def get(self):
        return self.value


def get(route: str, **params: str) -> func.HttpRequest:
    return func.HttpRequest(method="GET", url=f"/api/{route}", params=params, body=b"")
