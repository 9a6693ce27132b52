"""ConnectionLimiter on both storage backends: limit, release, TTL, and safe keys."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import InvalidRequestError
from shared.webpubsub.limits import PREFIX, ConnectionLimiter, connection_segment, marker_key
from shared.webpubsub.trigger import validate_connection_id


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_limit_is_enforced_per_connection_and_released(backend) -> None:
    limiter = ConnectionLimiter(backend, 2)
    assert await limiter.acquire("conn-1", "job1")
    assert await limiter.acquire("conn-1", "job2")
    assert not await limiter.acquire("conn-1", "job3")
    assert await limiter.acquire("conn-2", "job4")  # another connection has its own slots
    assert sorted(await limiter.active("conn-1")) == ["job1", "job2"]
    await limiter.release("conn-1", "job1")
    assert await limiter.acquire("conn-1", "job3")
    assert sorted(await limiter.active("conn-1")) == ["job2", "job3"]


async def test_two_limiters_on_one_store_share_the_count(backend) -> None:
    """Two instances of the function app see each other's jobs."""
    first, second = ConnectionLimiter(backend, 1), ConnectionLimiter(backend, 1)
    assert await first.acquire("conn-1", "a")
    assert not await second.acquire("conn-1", "b")
    await first.release("conn-1", "a")
    assert await second.acquire("conn-1", "b")


async def test_stale_markers_are_ignored_and_removed(backend) -> None:
    clock = Clock()
    limiter = ConnectionLimiter(backend, 1, ttl_seconds=900, clock=clock)
    assert await limiter.acquire("conn-1", "old")
    clock.now += 899
    assert not await limiter.acquire("conn-1", "new")
    clock.now += 2  # "old" is now older than the TTL: its instance died without releasing it
    assert await limiter.acquire("conn-1", "new")
    assert await limiter.active("conn-1") == ["new"]
    assert [o.key for o in await backend.list(PREFIX)] == [marker_key("conn-1", "new")]


async def test_renew_keeps_a_long_job_alive(backend) -> None:
    clock = Clock()
    limiter = ConnectionLimiter(backend, 1, ttl_seconds=900, clock=clock)
    assert await limiter.acquire("conn-1", "long")
    clock.now += 800
    await limiter.renew("conn-1", "long")
    clock.now += 800
    assert not await limiter.acquire("conn-1", "other")


async def test_unreadable_markers_count_as_stale(backend) -> None:
    limiter = ConnectionLimiter(backend, 1)
    await backend.write(marker_key("conn-1", "junk"), b"not json")
    await backend.write(marker_key("conn-1", "junk2"), orjson.dumps({"created_ms": "soon"}))
    assert await limiter.acquire("conn-1", "real")


async def test_release_of_an_unknown_job_is_harmless(backend) -> None:
    await ConnectionLimiter(backend, 1).release("conn-1", "never")


@pytest.mark.parametrize("job_id", ["../x", "", "a/b", ".hidden", "x" * 65])
def test_job_ids_are_checked(job_id: str) -> None:
    with pytest.raises(InvalidRequestError):
        marker_key("conn-1", job_id)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=256))
def test_any_valid_connection_id_becomes_one_safe_key_segment(connection_id: str) -> None:
    try:
        validate_connection_id(connection_id)
    except InvalidRequestError:
        assert connection_id in (".", "..")
        return
    segment = connection_segment(connection_id)
    assert segment and not segment.startswith(".") and len(segment) <= 255
    assert set(segment) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    key = marker_key(connection_id, "job")
    assert key == f"{PREFIX}{segment}/job.json"


@pytest.mark.parametrize("connection_id", ["../../ohlcv", "a/b", "..\\x", "%2e%2e"])
async def test_path_like_connection_ids_stay_under_the_prefix(backend, connection_id: str) -> None:
    limiter = ConnectionLimiter(backend, 1)
    assert await limiter.acquire(connection_id, "job")
    [stored] = await backend.list("")
    assert stored.key.startswith(PREFIX) and stored.key.count("/") == 3
