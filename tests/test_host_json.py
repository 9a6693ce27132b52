"""host.json is the one source of the queue's attempt count: the worker and the local host agree with it."""

from __future__ import annotations

import json

import pytest

from shared.errors import ConfigurationError
from shared.host_json import HOST_JSON, HostJson, host_options, read_host_json
from shared.localhost.host.config import HostOptions


def test_the_workers_last_attempt_is_host_jsons_max_dequeue_count():
    import function_app

    written = json.loads(HOST_JSON.read_text())["extensions"]["queues"]["maxDequeueCount"]
    assert function_app.MAX_DEQUEUE == written == host_options().max_dequeue_count
    assert HostOptions.from_host_json(HOST_JSON).max_dequeue_count == written


def test_read_host_json_takes_what_the_file_says(tmp_path):
    path = tmp_path / "host.json"
    path.write_text(
        '{"extensions": {"queues": {"maxDequeueCount": 2, "batchSize": 8}, "http": {"routePrefix": "x"}}}'
    )
    assert read_host_json(path) == HostJson(route_prefix="x", max_dequeue_count=2, queue_batch_size=8)


def test_absent_keys_and_files_mean_the_hosts_defaults(tmp_path):
    path = tmp_path / "host.json"
    path.write_text('{"version": "2.0"}')
    assert read_host_json(path) == read_host_json(tmp_path / "absent.json") == HostJson()
    assert HostJson().max_dequeue_count == 5  # the Functions host's default


def test_a_broken_host_json_is_a_configuration_error(tmp_path):
    path = tmp_path / "host.json"
    path.write_text("{not json")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        read_host_json(path)
