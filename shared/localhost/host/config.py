"""The local host's options (from ``host.json``) and the parts of a Web PubSub connection string."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.host_json import HostJson, read_host_json

_AZURE = HostJson()  # the Functions host's defaults


@dataclass(frozen=True)
class HostOptions:
    route_prefix: str = _AZURE.route_prefix  # extensions.http.routePrefix
    max_dequeue_count: int = _AZURE.max_dequeue_count  # extensions.queues.maxDequeueCount
    queue_consumers: int = 4  # concurrent queue-triggered calls per queue (extensions.queues.batchSize)
    queue_retry_delay: float = 1.0  # before a failed message is delivered again (Azure: visibilityTimeout)
    max_request_bytes: int = 100 * 1024 * 1024  # the Functions host's HTTP request limit

    @classmethod
    def from_host_json(cls, path: Path | None, **overrides: Any) -> HostOptions:
        """Read ``host.json`` when it exists (``shared.host_json``); ``overrides`` win (tests set a
        short retry delay)."""
        found = read_host_json(path)
        values: dict[str, Any] = {
            "route_prefix": found.route_prefix,
            "max_dequeue_count": found.max_dequeue_count,
        }
        if found.queue_batch_size is not None:
            values["queue_consumers"] = min(32, found.queue_batch_size)
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
