from __future__ import annotations

import pytest

from tests.infra.bicep import INFRA, Scan, run_checkov


@pytest.fixture(scope="session")
def infra_scan() -> Scan:
    """One checkov scan of infra/ for the whole session (about 10 s)."""
    return run_checkov(INFRA)
