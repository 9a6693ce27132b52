"""``FETCH_CLAIM_TTL_SECONDS``: read from the environment (default 60 s, bounded), used for the claims
the composition root builds, and waiters poll about as long as a claim of that length lasts."""

from __future__ import annotations

import json
import random
import time

import pytest

from shared.composition import Services
from shared.errors import ConfigurationError
from shared.fetch.claims import ROOT, TTL_SECONDS, wait_policy
from shared.settings import load_settings

KEY = f"{ROOT}ohlcv/ttl-probe/0.json"


def _settings(tmp_path, **overrides):
    return load_settings(
        local_settings_file=None, storage={"type": "local", "local_root_path": str(tmp_path)}, **overrides
    )


def test_default_and_bounds(tmp_path, monkeypatch):
    monkeypatch.delenv("FETCH_CLAIM_TTL_SECONDS", raising=False)
    assert _settings(tmp_path).fetch_claim_ttl_seconds == TTL_SECONDS == 60.0
    for bad in ("1", "0", "7200", "soon"):
        monkeypatch.setenv("FETCH_CLAIM_TTL_SECONDS", bad)
        with pytest.raises(ConfigurationError, match="FETCH_CLAIM_TTL_SECONDS"):
            _settings(tmp_path)


async def test_the_services_claims_last_the_configured_time(tmp_path, monkeypatch):
    monkeypatch.setenv("FETCH_CLAIM_TTL_SECONDS", "240")
    services = Services.create(_settings(tmp_path))
    try:
        claims = services.candles.claims
        assert claims is not None
        claim = await claims.take(KEY)
        assert claim is not None
        stored = await services.backend.read(KEY)
        assert stored is not None
        expires_in = json.loads(stored.data)["expires"] - time.time()
        assert 200 < expires_in <= 240
        await claims.release(claim)
    finally:
        await services.aclose()


@pytest.mark.parametrize("ttl", [5.0, 60.0, 240.0, 3600.0])
def test_waiters_poll_about_as_long_as_a_claim_lasts(ttl):
    policy = wait_policy(ttl)
    mean_factor = (1 + policy.min_jitter) / 2
    polls = [
        min(policy.max_delay_s, policy.base_delay_s * 2 ** min(n - 1, 64)) * mean_factor
        for n in range(1, policy.max_attempts)
    ]
    assert sum(polls) >= ttl
    assert policy.max_attempts >= 160
    assert policy.delay(policy.max_attempts - 1, None, random.Random(0)) <= policy.max_delay_s
