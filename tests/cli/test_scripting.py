"""What scripts rely on: exit codes (2 usage only, 1 failures, 130 Ctrl-C), ``--version``, help on a
bare ``cbdata``, ``--json`` output, and read-only commands that write nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib.metadata import version

import pytest

from shared.cli import main
from shared.series import SeriesKey
from shared.storage.local_backend import LocalFileBackend
from shared.store import CandleStore
from shared.sync.targets import TARGETS_KEY

H1 = SeriesKey("binance", "BTC/USDT", "1h")
T0 = 1_704_067_200_000  # 2024-01-01


def store_some(root) -> None:
    rows = [[T0 + i * 3_600_000, 1.0, 2.0, 0.5, 1.5, 3.0] for i in range(24)]
    asyncio.run(CandleStore(LocalFileBackend(root)).write(H1, rows, (T0, T0 + 24 * 3_600_000)))


def files_under(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def test_version_and_bare_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cbdata {version('cb-trade-data-service')}"
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: cbdata") and "catalog" in out and "store" in out


def test_catalog_json_and_it_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(data))
    assert main(["catalog", "--json"]) == 0  # nothing stored yet: no folder, no .locks made
    assert json.loads(capsys.readouterr().out)["series"] == []
    assert not data.exists()
    store_some(data)
    before = files_under(data)
    assert main(["catalog", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["storage"]["type"] == "local"
    assert document["series"] == [
        {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1h", "first": T0,
         "last": T0 + 23 * 3_600_000, "count": 24, "partitions": 1}
    ]  # fmt: skip
    assert files_under(data) == before


def test_targets_list_json_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    monkeypatch.setenv("SYNC_TARGETS", "binance:BTC/USDT:1h")
    assert main(["targets", "list", "--json"]) == 0
    targets = json.loads(capsys.readouterr().out)["targets"]
    assert [(t["exchange"], t["symbol"], t["timeframe"], t["last_status"]) for t in targets] == [
        ("binance", "BTC/USDT", "1h", None)
    ]
    assert not (tmp_path / "data" / TARGETS_KEY).exists() and not (tmp_path / "data").exists()


def test_exit_codes_tell_usage_from_failures(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    assert main(["catalog", "--jsn"]) == 2  # a typo
    assert "cbdata: USAGE: " in capsys.readouterr().err
    assert main(["store", "delete", "binance", "BTC/USDT", "1h", "--start", "tomorrow-ish"]) == 2
    assert "cbdata: USAGE: --start:" in capsys.readouterr().err
    (tmp_path / "data").write_text("a file where the store's folder should be")
    assert main(["catalog"]) == 1  # the storage fails: not the command line's fault
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cbdata: STORAGE_ERROR: ")


def test_store_delete_a_range_then_the_series(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(data))
    store_some(data)
    argv = ["store", "delete", "binance", "BTC/USDT", "1h"]
    assert main([*argv, "--start", "2024-01-01T06:00", "--end", "2024-01-01T12:00"]) == 0
    assert "deleted 6 candles of binance:BTC/USDT:1h" in capsys.readouterr().out
    store = CandleStore(LocalFileBackend(data))
    assert asyncio.run(store.missing(H1, T0, T0 + 24 * 3_600_000)) == [
        (T0 + 6 * 3_600_000, T0 + 12 * 3_600_000)
    ]
    assert main(argv) == 0
    assert "deleted 18 candles" in capsys.readouterr().out
    assert asyncio.run(CandleStore(LocalFileBackend(data)).catalog()) == []


def test_store_migrate_on_a_current_store_is_a_no_op(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    store_some(tmp_path / "data")
    assert main(["store", "migrate"]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


@pytest.fixture
def root_logging():
    """``cbdata serve`` configures logging onto this test's stderr: put the root logger back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_serve_refuses_a_store_of_layout_1_naming_the_command(tmp_path, monkeypatch, capsys, root_logging):
    from tests.lake.legacy import write_legacy

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    rows = [[T0, 1.0, 2.0, 0.5, 1.5, 3.0]]
    asyncio.run(write_legacy(LocalFileBackend(tmp_path / "data"), H1, rows, [(T0, T0 + 3_600_000)]))
    assert main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "STORE_LAYOUT_OUTDATED" in err and "cbdata store migrate" in err
    assert main(["catalog"]) == 1
    assert "cbdata store migrate" in capsys.readouterr().err
    assert main(["store", "migrate"]) == 0
    assert "migrated 1 partition(s), 1 candles" in capsys.readouterr().out
    assert main(["catalog", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["series"][0]["count"] == 1


def test_targets_add_with_a_retention_then_list_json(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    monkeypatch.setenv("CCXT_EXCHANGES", "binance")
    monkeypatch.setenv("CCXT_DEFAULT_EXCHANGE", "binance")
    monkeypatch.delenv("SYNC_TARGETS", raising=False)
    assert main(["targets", "add", "binance", "ETH/USDT", "1h", "--retention-days", "30"]) == 0
    assert "deleted by the sync" in capsys.readouterr().out
    assert main(["targets", "add", "binance", "ETH/USDT", "1h", "--retention-days", "soon"]) == 2
    assert "cbdata: USAGE: " in capsys.readouterr().err
    assert main(["targets", "list", "--json"]) == 0
    (target,) = json.loads(capsys.readouterr().out)["targets"]
    assert (target["symbol"], target["retention_days"]) == ("ETH/USDT", 30)
    assert main(["targets", "list"]) == 0
    assert "(keeps 30 days)" in capsys.readouterr().out
