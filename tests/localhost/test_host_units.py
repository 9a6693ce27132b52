"""The local host's small parts: schedules, keys, host.json options, connection strings, queue outputs,
indexing errors."""

from __future__ import annotations

from datetime import UTC, datetime

import azure.functions as func
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.localhost.host.bindings import index, queue_messages
from shared.localhost.host.config import HostOptions, connection_parts
from shared.localhost.host.keys import HostKeys
from shared.localhost.host.schedule import Schedule, resolve_schedule
from shared.settings import load_settings

KEYS = HostKeys(SecretStr("fk"), SecretStr("mk"))


def test_schedule_from_settings_then_environment(monkeypatch):
    settings = load_settings(local_settings_file=None, sync={"schedule": "*/5 * * * * *"})
    assert resolve_schedule("%SYNC_SCHEDULE%", settings) == "*/5 * * * * *"
    monkeypatch.setenv("OTHER_SCHEDULE", "0 0 * * * *")
    assert resolve_schedule("%OTHER_SCHEDULE%", settings) == "0 0 * * * *"
    assert resolve_schedule("0 */30 * * * *", settings) == "0 */30 * * * *"
    with pytest.raises(ConfigurationError, match="MISSING_SCHEDULE"):
        resolve_schedule("%MISSING_SCHEDULE%", settings)


def test_schedule_is_seconds_first_and_utc():
    moment = datetime(2024, 1, 1, 10, 14, 59, 500_000, tzinfo=UTC)
    assert Schedule("0 */30 * * * *").next_after(moment) == datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    assert Schedule("*/2 * * * * *").next_after(moment) == datetime(2024, 1, 1, 10, 15, 0, tzinfo=UTC)
    for wrong in ("*/5 * * * *", "not a schedule", "61 * * * * *"):
        with pytest.raises(ConfigurationError):
            Schedule(wrong)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_next_occurrence_is_after_and_on_the_grid(moment):
    following = Schedule("15 */10 * * * *").next_after(moment)
    assert following > moment and following.second == 15 and following.minute % 10 == 0
    assert (following - moment).total_seconds() <= 600


@pytest.mark.parametrize(
    ("level", "headers", "query", "allowed"),
    [
        ("ANONYMOUS", {}, {}, True),
        ("FUNCTION", {}, {}, False),
        ("FUNCTION", {"x-functions-key": "fk"}, {}, True),
        ("FUNCTION", {}, {"code": "mk"}, True),
        ("FUNCTION", {"x-functions-key": "f"}, {}, False),
        ("ADMIN", {"x-functions-key": "fk"}, {}, False),
        ("ADMIN", {}, {"code": "mk"}, True),
        ("ADMIN", {}, {"code": ""}, False),
    ],
)
def test_key_rules(level, headers, query, allowed):
    assert KEYS.allows(level, headers, query) is allowed


def test_keys_generated_when_unset_and_never_shown():
    keys = HostKeys.from_settings(load_settings(local_settings_file=None, local_function_key="given"))
    assert keys.function_key.get_secret_value() == "given" and not keys.function_key_generated
    assert keys.master_key_generated and len(keys.master_key.get_secret_value()) >= 40
    assert keys.master_key.get_secret_value() not in repr(keys)


def test_host_json_options(tmp_path):
    path = tmp_path / "host.json"
    path.write_text(
        '{"extensions": {"queues": {"maxDequeueCount": 3, "batchSize": 2}, "http": {"routePrefix": ""}}}'
    )
    options = HostOptions.from_host_json(path, queue_retry_delay=0.5)
    assert (options.max_dequeue_count, options.queue_consumers, options.route_prefix) == (3, 2, "")
    assert options.queue_retry_delay == 0.5
    assert HostOptions.from_host_json(tmp_path / "absent.json").max_dequeue_count == 5


def test_connection_string_parts():
    access = connection_parts(SecretStr("Endpoint=http://127.0.0.1;Port=8080;AccessKey=abc=;Version=1.0;"))
    assert (access.endpoint, access.access_key) == ("http://127.0.0.1:8080", "abc=")
    assert "abc" not in repr(access)
    assert connection_parts(None) is None
    with pytest.raises(ConfigurationError):
        connection_parts(SecretStr("Endpoint=https://x.webpubsub.azure.com;Version=1.0;"))


def test_queue_output_values():
    assert queue_messages(None) == []
    assert queue_messages('{"a": 1}') == [b'{"a": 1}']
    assert queue_messages('["one", {"b": 2}]') == [b"one", b'{"b": 2}']
    assert queue_messages(b"raw") == [b"raw"]
    with pytest.raises(TypeError):
        queue_messages({"a": 1})


def test_unsupported_bindings_fail_at_indexing():
    app = func.FunctionApp()

    @app.blob_trigger(arg_name="blob", path="c/{name}", connection="AzureWebJobsStorage")
    def on_blob(blob: func.InputStream) -> None: ...

    with pytest.raises(ConfigurationError, match="on_blob"):
        index(app.get_functions())
