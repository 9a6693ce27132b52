"""The local host runs the portfolio timer like the others: ``%PORTFOLIO_SCHEDULE%`` resolves from the
portfolio settings (environment, local.settings.json) or their default; a wrong portfolio setting keeps
only that timer off."""

from __future__ import annotations

import json
import logging

from shared.localhost.host.schedule import resolve_schedule
from shared.portfolio.settings import DEFAULT_SCHEDULE


def test_portfolio_schedule_default_environment_and_local_settings(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PORTFOLIO_SCHEDULE", raising=False)
    assert resolve_schedule("%PORTFOLIO_SCHEDULE%", None) == DEFAULT_SCHEDULE
    (tmp_path / "local.settings.json").write_text(
        json.dumps({"Values": {"PORTFOLIO_SCHEDULE": "0 */10 * * * *"}})
    )
    assert resolve_schedule("%PORTFOLIO_SCHEDULE%", None) == "0 */10 * * * *"
    monkeypatch.setenv("PORTFOLIO_SCHEDULE", "0 0 * * * *")
    assert resolve_schedule("%PORTFOLIO_SCHEDULE%", None) == "0 0 * * * *"


async def test_the_host_runs_the_portfolio_timer(make_host, monkeypatch) -> None:
    monkeypatch.setenv("PORTFOLIO_SCHEDULE", "0 0 0 1 1 *")
    host = await make_host()
    assert {t.name: t.schedule.expression for t in host.timers}["sync_portfolios"] == "0 0 0 1 1 *"


async def test_a_wrong_portfolio_setting_keeps_only_its_timer_off(make_host, monkeypatch, caplog) -> None:
    monkeypatch.setenv("PORTFOLIO_SCHEDULE", "every hour")
    with caplog.at_level(logging.ERROR):
        host = await make_host()
    assert [t.name for t in host.timers] == ["sync_targets"]
    assert any(
        "timer sync_portfolios is not started: PORTFOLIO_SCHEDULE" in r.getMessage() for r in caplog.records
    )
