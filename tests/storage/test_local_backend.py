"""What only the local-files backend has: cross-process locking, the root boundary, hidden files."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from shared.errors import StorageError
from shared.storage.local_backend import LocalFileBackend

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import asyncio, pathlib, sys, time
from shared.storage.local_backend import LocalFileBackend
from tests.storage.helpers import cas_increment

async def main(root, count):
    backend = LocalFileBackend(root)
    while not (pathlib.Path(root) / "go").exists():  # start together, so the processes overlap
        time.sleep(0.005)
    for _ in range(count):
        await cas_increment(backend, "shared/counter")

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_compare_and_swap_is_safe_across_processes(tmp_path: Path) -> None:
    processes, increments = 3, 60
    repo_root = REPO_ROOT
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, str(tmp_path), str(increments), env=env, cwd=repo_root
        )
        for _ in range(processes)
    ]
    (tmp_path / "go").touch()
    codes = await asyncio.gather(*(proc.wait() for proc in procs))
    assert codes == [0] * processes
    got = await LocalFileBackend(tmp_path).read("shared/counter")
    assert got is not None and int(got.data) == processes * increments


async def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"do not read")
    root = tmp_path / "root"
    root.mkdir()
    (root / "evil").symlink_to(outside, target_is_directory=True)
    backend = LocalFileBackend(root)
    with pytest.raises(StorageError, match="outside the storage root"):
        await backend.read("evil/secret")
    with pytest.raises(StorageError, match="outside the storage root"):
        await backend.write("evil/new", b"x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert await backend.list("") == []


async def test_temporary_and_lock_files_are_never_listed(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path)
    await backend.write("a/part", b"1", if_none_match=True)
    (tmp_path / "a" / ".part.deadbeef.tmp").write_bytes(b"half-written leftover of a crash")
    assert [info.key for info in await backend.list("")] == ["a/part"]
    assert any((tmp_path / ".locks").iterdir())
    got = await backend.read("a/part")
    assert got is not None and got.data == b"1"


async def test_etag_changes_on_every_write_even_with_identical_bytes(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path)
    etags = [await backend.write("same", b"identical") for _ in range(50)]
    assert len(set(etags)) == 50
    assert (await backend.list(""))[0].etag == etags[-1]


async def test_root_is_created_on_first_write_and_ping(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path / "deep" / "root")
    await backend.ping()
    await backend.write("x/y", b"z")
    assert (tmp_path / "deep" / "root" / "x" / "y").read_bytes() == b"z"


async def test_key_that_is_a_directory_reads_as_missing(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path)
    await backend.write("dir/file", b"1")
    assert await backend.read("dir") is None
    with pytest.raises(StorageError, match="could not write 'dir'"):
        await backend.write("dir", b"2")
