"""Two ``cbdata serve`` processes on one store (local files, and Azurite), 12 overlapping requests:
the exchange is asked for no more than 5 % over the union's minimum of pages, every answer exact."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.overlap import run_overlap


@pytest.mark.parametrize("storage", ["local", pytest.param("azure", marks=pytest.mark.azurite)])
async def test_two_instances_fetch_each_page_once(request, tmp_path, storage):
    if storage == "local":
        env = {"STORAGE_TYPE": "local", "STORAGE_LOCAL_ROOT_PATH": str(tmp_path / "data")}
    else:
        azurite = request.getfixturevalue("azurite")
        env = {
            "STORAGE_TYPE": "azure",
            "STORAGE_AZURE_CONNECTION_STRING": azurite.connection_string,
            "STORAGE_AZURE_CONTAINER_NAME": f"overlap-{uuid.uuid4().hex[:20]}",
        }
    result = await run_overlap(env, tmp_path)
    assert result.exact
    assert result.minimum <= result.pages <= result.minimum * 1.05, result
