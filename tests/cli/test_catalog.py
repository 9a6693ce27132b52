"""The ``cbdata`` command line: lists what the configured store holds; one clear line on errors."""

import asyncio

from shared.cli import main
from shared.series import SeriesKey
from shared.storage.local_backend import LocalFileBackend
from shared.store import CandleStore


def test_catalog_lists_stored_series(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    series = SeriesKey("binance", "BTC/USDT", "1h")
    rows = [[1_704_067_200_000 + i * 3_600_000, 1.0, 2.0, 0.5, 1.5, 3.0] for i in range(24)]
    asyncio.run(
        CandleStore(LocalFileBackend(tmp_path / "data")).write(
            series, rows, (rows[0][0], rows[-1][0] + 3_600_000)
        )
    )
    assert main(["catalog"]) == 0
    out = capsys.readouterr().out
    assert "is reachable" in out
    assert (
        "binance" in out
        and "BTC/USDT" in out
        and "2024-01-01 00:00 .. 2024-01-01 23:00" in out
        and "24 candles" in out
    )


def test_a_wrong_setting_prints_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_TYPE", "blob")
    assert main(["catalog"]) == 1  # a configuration error, not a usage error
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "STORAGE_TYPE" in err[0] and "'local', 'azure'" in err[0]
