"""The local host's options (from ``host.json``) and the parts of a Web PubSub connection string."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from shared.errors import ConfigurationError


@dataclass(frozen=True)
class HostOptions:
    route_prefix: str = "api"  # extensions.http.routePrefix
    max_dequeue_count: int = 5  # extensions.queues.maxDequeueCount
    queue_consumers: int = 4  # concurrent queue-triggered calls per queue (extensions.queues.batchSize)
    queue_retry_delay: float = 1.0  # before a failed message is delivered again (Azure: visibilityTimeout)
    max_request_bytes: int = 100 * 1024 * 1024  # the Functions host's HTTP request limit

    @classmethod
    def from_host_json(cls, path: Path | None, **overrides: Any) -> HostOptions:
        """Read ``host.json`` when it exists; ``overrides`` win (tests set a short retry delay)."""
        extensions: dict[str, Any] = {}
        if path is not None and path.is_file():
            try:
                extensions = json.loads(path.read_text(encoding="utf-8")).get("extensions") or {}
            except ValueError as exc:
                raise ConfigurationError(f"{path} is not valid JSON ({exc})") from None
        queues, http = extensions.get("queues") or {}, extensions.get("http") or {}
        values: dict[str, Any] = {}
        if "routePrefix" in http:
            values["route_prefix"] = str(http["routePrefix"])
        if "maxDequeueCount" in queues:
            values["max_dequeue_count"] = max(1, int(queues["maxDequeueCount"]))
        if "batchSize" in queues:
            values["queue_consumers"] = max(1, min(32, int(queues["batchSize"])))
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class ServiceAccess:
    endpoint: str  # http(s)://host[:port]
    access_key: str

    def __repr__(self) -> str:  # never show the key
        return f"ServiceAccess(endpoint={self.endpoint!r})"


def connection_parts(connection_string: SecretStr | None) -> ServiceAccess | None:
    """``Endpoint`` (with ``Port`` when given) and ``AccessKey`` of a key-based connection string."""
    if connection_string is None:
        return None
    parts: dict[str, str] = {}
    for item in connection_string.get_secret_value().split(";"):
        name, sep, value = item.partition("=")
        if sep:
            parts[name.strip().lower()] = value.strip()
    endpoint, key = parts.get("endpoint"), parts.get("accesskey")
    if not endpoint or not key:
        raise ConfigurationError("WebPubSubConnectionString: the local host needs Endpoint=...;AccessKey=...")
    endpoint = endpoint.rstrip("/")
    if parts.get("port"):
        scheme, _, rest = endpoint.partition("://")
        endpoint = f"{scheme}://{rest.split(':')[0]}:{parts['port']}"
    return ServiceAccess(endpoint, key)
