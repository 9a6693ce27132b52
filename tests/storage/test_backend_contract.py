"""One contract, two backends: every test here runs on local files and on Azurite (``backend`` fixture)."""

from __future__ import annotations

import asyncio

import pytest

from shared.errors import ConflictError, StorageError
from shared.storage.backend import ObjectInfo, StorageBackend
from tests.storage.helpers import cas_increment

BAD_KEYS = [
    "",
    "/abs/key",
    "a/../b",
    "..",
    "a/./b",
    "a//b",
    "a/b/",
    "a\\b",
    "a/\x00b",
    "a/b\nc",
    "a/\x7fb",
    ".hidden",
    "a/" + "x" * 300,
]


async def test_write_then_read_roundtrip(backend: StorageBackend) -> None:
    etag = await backend.write("ohlcv/exchange=binance/part.parquet", b"\x00candles\xff")
    got = await backend.read("ohlcv/exchange=binance/part.parquet")
    assert got is not None
    assert (got.data, got.etag, got.size) == (b"\x00candles\xff", etag, 9)


async def test_empty_object_roundtrip(backend: StorageBackend) -> None:
    etag = await backend.write("empty", b"")
    got = await backend.read("empty")
    assert got is not None and (got.data, got.etag, got.size) == (b"", etag, 0)


async def test_unicode_and_percent_keys_stay_literal(backend: StorageBackend) -> None:
    keys = ["sym=BTC%2FUSDT/x", "ü €/été=1"]
    for key in keys:
        await backend.write(key, key.encode())
    assert [info.key for info in await backend.list("")] == sorted(keys)
    for key in keys:
        got = await backend.read(key)
        assert got is not None and got.data == key.encode()


async def test_missing_object_reads_none(backend: StorageBackend) -> None:
    assert await backend.read("never/written") is None
    await backend.write("other", b"x")
    assert await backend.read("never/written") is None
    assert await backend.read("other/below") is None


async def test_range_reads(backend: StorageBackend) -> None:
    etag = await backend.write("r", b"0123456789")

    async def data(offset: int, length: int | None) -> tuple[bytes, str, int]:
        got = await backend.read("r", offset=offset, length=length)
        assert got is not None
        return got.data, got.etag, got.size

    assert await data(2, 3) == (b"234", etag, 10)
    assert await data(7, None) == (b"789", etag, 10)
    assert await data(8, 100) == (b"89", etag, 10)
    assert await data(0, 0) == (b"", etag, 10)
    assert await data(10, None) == (b"", etag, 10)
    assert await data(25, 5) == (b"", etag, 10)
    assert await backend.read("missing", offset=3, length=2) is None
    with pytest.raises(StorageError, match="range"):
        await backend.read("r", offset=-1)
    with pytest.raises(StorageError, match="range"):
        await backend.read("r", length=-2)


async def test_overwrite_replaces_whole_object_and_changes_etag(backend: StorageBackend) -> None:
    first = await backend.write("k", b"a" * 1000)
    second = await backend.write("k", b"b" * 10)
    third = await backend.write("k", b"b" * 10)
    assert len({first, second, third}) == 3
    got = await backend.read("k")
    assert got is not None and (got.data, got.etag, got.size) == (b"b" * 10, third, 10)
    assert [info.key for info in await backend.list("")] == ["k"]


async def test_readers_never_see_a_mix_of_versions(backend: StorageBackend) -> None:
    versions = [bytes([65 + i]) * 300_000 for i in range(3)]
    await backend.write("big", versions[0])
    seen: set[bytes] = set()

    async def writer() -> None:
        for i in range(1, 7):
            await backend.write("big", versions[i % 3])

    async def reader() -> None:
        for _ in range(10):
            got = await backend.read("big")
            assert got is not None and got.data in versions
            seen.add(got.data[:1])

    await asyncio.gather(writer(), reader(), reader())
    assert seen <= {b"A", b"B", b"C"}
    assert [info.key for info in await backend.list("")] == ["big"]


async def test_if_none_match_creates_only_once(backend: StorageBackend) -> None:
    etag = await backend.write("once", b"first", if_none_match=True)
    with pytest.raises(ConflictError, match="once"):
        await backend.write("once", b"second", if_none_match=True)
    got = await backend.read("once")
    assert got is not None and (got.data, got.etag) == (b"first", etag)


async def test_if_match_replaces_current_version_only(backend: StorageBackend) -> None:
    old = await backend.write("cas", b"v1")
    new = await backend.write("cas", b"v2", if_match=old)
    assert new != old
    with pytest.raises(ConflictError):
        await backend.write("cas", b"stale", if_match=old)
    got = await backend.read("cas")
    assert got is not None and (got.data, got.etag) == (b"v2", new)


async def test_if_match_on_deleted_or_missing_object_conflicts(backend: StorageBackend) -> None:
    etag = await backend.write("gone", b"x")
    assert await backend.delete("gone") is True
    with pytest.raises(ConflictError):
        await backend.write("gone", b"revived", if_match=etag)
    with pytest.raises(ConflictError):
        await backend.write("never", b"x", if_match=etag)
    assert await backend.read("gone") is None
    assert await backend.read("never") is None


async def test_listing_filters_by_prefix_sorted_with_sizes_and_etags(backend: StorageBackend) -> None:
    written = {}
    for key, data in [("a/bc/x", b"1"), ("a/b/y", b"22"), ("a/c", b"333"), ("a/b/a", b"4444"), ("b", b"")]:
        written[key] = await backend.write(key, data)
    sizes = {"a/bc/x": 1, "a/b/y": 2, "a/c": 3, "a/b/a": 4, "b": 0}

    def expected(*keys: str) -> list[ObjectInfo]:
        return [ObjectInfo(key=k, size=sizes[k], etag=written[k]) for k in sorted(keys)]

    assert await backend.list("") == expected(*sizes)
    assert await backend.list("a/b") == expected("a/b/a", "a/b/y", "a/bc/x")
    assert await backend.list("a/b/") == expected("a/b/a", "a/b/y")
    assert await backend.list("a/") == expected("a/b/a", "a/b/y", "a/bc/x", "a/c")
    assert await backend.list("a/c") == expected("a/c")
    assert await backend.list("zzz") == []
    assert await backend.list("a/b/y/deeper") == []


async def test_list_on_fresh_backend_is_empty(backend: StorageBackend) -> None:
    assert await backend.list("") == []
    assert await backend.list("ohlcv/") == []


async def test_delete(backend: StorageBackend) -> None:
    etag = await backend.write("d/one", b"1")
    await backend.write("d/two", b"2")
    stale = etag
    etag = await backend.write("d/one", b"1b")
    with pytest.raises(ConflictError):
        await backend.delete("d/one", if_match=stale)
    assert (await backend.read("d/one")) is not None
    assert await backend.delete("d/one", if_match=etag) is True
    assert await backend.delete("d/one") is False
    with pytest.raises(ConflictError):
        await backend.delete("d/one", if_match=etag)
    assert await backend.read("d/one") is None
    assert [info.key for info in await backend.list("d/")] == ["d/two"]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_invalid_keys_are_rejected_and_nothing_is_written(backend: StorageBackend, key: str) -> None:
    with pytest.raises(StorageError, match="invalid storage key"):
        await backend.write(key, b"x")
    with pytest.raises(StorageError, match="invalid storage key"):
        await backend.read(key)
    with pytest.raises(StorageError, match="invalid storage key"):
        await backend.delete(key)
    assert await backend.list("") == []


@pytest.mark.parametrize("prefix", ["/abs", "a/../", "..", "a\\b", "a//", "x\x00"])
async def test_invalid_prefixes_are_rejected(backend: StorageBackend, prefix: str) -> None:
    with pytest.raises(StorageError, match="invalid listing prefix"):
        await backend.list(prefix)


async def test_non_bytes_data_is_rejected(backend: StorageBackend) -> None:
    with pytest.raises(StorageError, match="must be bytes"):
        await backend.write("k", "text")  # type: ignore[arg-type]
    assert await backend.list("") == []


async def test_ping_succeeds(backend: StorageBackend) -> None:
    await backend.ping()
    assert await backend.list("") == []


async def test_concurrent_compare_and_swap_loses_nothing(backend: StorageBackend) -> None:
    tasks, increments = 8, 5

    async def worker() -> None:
        for _ in range(increments):
            await cas_increment(backend, "counter")

    await asyncio.gather(*(worker() for _ in range(tasks)))
    got = await backend.read("counter")
    assert got is not None and int(got.data) == tasks * increments
