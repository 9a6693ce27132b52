"""``host.json``, read once: the Functions host's options the code has to agree with.

The Azure Functions host reads ``host.json`` itself; the worker's last-attempt count and the local
host's queue and HTTP options come from the same file through ``host_options()``, so there is one
place to change them. A key that is absent means the Functions host's own default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.errors import ConfigurationError

HOST_JSON = Path(__file__).resolve().parents[1] / "host.json"  # next to function_app.py


@dataclass(frozen=True)
class HostJson:
    route_prefix: str = "api"  # extensions.http.routePrefix
    max_dequeue_count: int = 5  # extensions.queues.maxDequeueCount: attempts before <queue>-poison
    queue_batch_size: int | None = None  # extensions.queues.batchSize (None: the host's default, 16)


def read_host_json(path: Path | None) -> HostJson:
    """The options in ``path``; the host's defaults when there is no file (``path`` None or absent)."""
    if path is None or not path.is_file():
        return HostJson()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path} is not valid JSON ({exc})") from None
    extensions: dict[str, Any] = (document.get("extensions") if isinstance(document, dict) else None) or {}
    queues, http = extensions.get("queues") or {}, extensions.get("http") or {}
    values: dict[str, Any] = {}
    if "routePrefix" in http:
        values["route_prefix"] = str(http["routePrefix"])
    if "maxDequeueCount" in queues:
        values["max_dequeue_count"] = max(1, int(queues["maxDequeueCount"]))
    if "batchSize" in queues:
        values["queue_batch_size"] = max(1, int(queues["batchSize"]))
    return HostJson(**values)


@cache
def host_options(path: Path = HOST_JSON) -> HostJson:
    """The app's ``host.json``, read on first use and kept."""
    return read_host_json(path)
