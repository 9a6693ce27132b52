"""``cbdata fetch`` against the exchange emulator: files equal the ground truth in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shared.api.parquet_export import SCHEMA as EXPORT_SCHEMA
from shared.store.parquet_codec import SCHEMA

pytestmark = pytest.mark.emulator
MIN = 60_000


def _parse_csv(text: str) -> list[list]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["timestamp", "open", "high", "low", "close", "volume"]
    return [[int(r[0]), *map(float, r[1:])] for r in reader]


async def test_csv_file_equals_the_ground_truth_and_fills_the_gap_once(cli_env, capsys):
    start, end = cli_env.day, cli_env.day + 2_500 * MIN  # 2,500 candles: three exchange pages
    out = cli_env.root / "btc.csv"
    assert (
        await cli_env.run(
            "fetch", "binance", "BTC/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 0
    )
    truth = cli_env.truth("binance", "BTC/USDT", "1m", start, end)
    assert len(truth) == 2_500
    assert _parse_csv(out.read_text()) == truth
    assert not (cli_env.root / "btc.csv.part").exists()
    fetched = cli_env.emulator.request_count("binance", "ohlcv")
    assert fetched >= 3
    err = capsys.readouterr().err
    assert "wrote 2,500 candles of binance:BTC/USDT:1m" in err

    # a second fetch of an overlapping range downloads only what is new
    cli_env.emulator.reset_counts()
    assert (
        await cli_env.run(
            "fetch", "binance", "BTC/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 0
    )
    assert cli_env.emulator.request_count("binance", "ohlcv") == 0
    assert _parse_csv(out.read_text()) == truth


async def test_csv_to_stdout_with_iso_times(cli_env, capsys):
    start = cli_env.day + 60 * MIN
    iso_start = datetime.fromtimestamp(start / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (
        await cli_env.run(
            "fetch", "okx", "BTC/USDT", "1m", "--start", iso_start, "--end", str(start + 90 * MIN)
        )
        == 0
    )
    captured = capsys.readouterr()
    assert _parse_csv(captured.out) == cli_env.truth("okx", "BTC/USDT", "1m", start, start + 90 * MIN)


async def test_json_file_has_the_http_answer_shape(cli_env):
    start, end = cli_env.day, cli_env.day + 1_200 * MIN
    out = cli_env.root / "eth.json"
    assert (
        await cli_env.run(
            "fetch", "binance", "ETH/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 0
    )
    body = json.loads(out.read_bytes())
    assert body == {
        "exchange": "binance",
        "symbol": "ETH/USDT",
        "timeframe": "1m",
        "start": start,
        "end": end,
        "columns": ["timestamp", "open", "high", "low", "close", "volume"],
        "data": cli_env.truth("binance", "ETH/USDT", "1m", start, end),
    }


async def test_parquet_file_has_utc_times_and_the_series_in_its_metadata(cli_env):
    start, end = cli_env.day, cli_env.day + 1_500 * MIN
    out = cli_env.root / "btc.parquet"  # the format follows the suffix
    assert (
        await cli_env.run(
            "fetch", "binance", "BTC/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 0
    )
    table = pq.read_table(out)
    assert table.schema.remove_metadata().equals(EXPORT_SCHEMA)
    assert table.schema.field("timestamp").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.metadata[b"cbdata.symbol"] == b"BTC/USDT"
    table = table.cast(SCHEMA)  # int64 milliseconds, to compare with the emulator's rows
    rows = [list(r) for r in zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True)]
    assert rows == cli_env.truth("binance", "BTC/USDT", "1m", start, end)


async def test_a_range_larger_than_one_request_is_fetched_in_windows(cli_env, monkeypatch):
    monkeypatch.setenv("MAX_REQUEST_CANDLES", "700")
    start, end = cli_env.day, cli_env.day + 2_000 * MIN
    out = cli_env.root / "w.json"
    assert (
        await cli_env.run(
            "fetch",
            "binance",
            "BTC/USDT",
            "1m",
            "--start",
            str(start),
            "--end",
            str(end),
            "--format",
            "json",
            "-o",
            str(out),
        )
        == 0
    )
    assert json.loads(out.read_bytes())["data"] == cli_env.truth("binance", "BTC/USDT", "1m", start, end)


async def test_the_end_is_clipped_to_the_last_closed_candle(cli_env):
    start = cli_env.day
    out = cli_env.root / "late.json"
    assert (
        await cli_env.run(
            "fetch", "binance", "BTC/USDT", "1h", "--start", str(start), "--end", "2099-01-01", "-o", str(out)
        )
        == 0
    )
    body = json.loads(out.read_bytes())
    assert start < body["end"] <= cli_env.emulator.clock.now_ms
    assert body["data"] == cli_env.truth("binance", "BTC/USDT", "1h", start, body["end"])
    assert len(body["data"]) >= 48


async def test_progress_bar_with_the_flag(cli_env, capsys):
    start, end = cli_env.day, cli_env.day + 3_000 * MIN
    assert (
        await cli_env.run(
            "fetch",
            "binance",
            "BTC/USDT",
            "1m",
            "--start",
            str(start),
            "--end",
            str(end),
            "--progress",
            "-o",
            str(cli_env.root / "p.csv"),
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "binance:BTC/USDT:1m" in err and "3000/3000" in err and "requests 3/3" in err


async def test_no_progress_bar_when_stderr_is_not_a_terminal(cli_env, capsys):
    start, end = cli_env.day, cli_env.day + 3_000 * MIN
    assert (
        await cli_env.run(
            "fetch",
            "binance",
            "BTC/USDT",
            "1m",
            "--start",
            str(start),
            "--end",
            str(end),
            "-o",
            str(cli_env.root / "p.csv"),
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "requests 3/3" not in err and "%|" not in err and "wrote 3,000 candles" in err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["binance", "DOGE/USDT", "1m"], "COIN_NOT_AVAILABLE"),
        (["kraken", "BTC/USDT", "1m"], "UNKNOWN_EXCHANGE"),
        (["binance", "BTC/USDT", "7m"], "UNSUPPORTED_TIMEFRAME"),
        (["binance", "../etc", "1m"], "INVALID_REQUEST"),
    ],
)
async def test_service_errors_print_one_line_and_exit_1(cli_env, capsys, argv, code):
    out = cli_env.root / "x.csv"
    start, end = cli_env.day, cli_env.day + 10 * MIN
    assert await cli_env.run("fetch", *argv, "--start", str(start), "--end", str(end), "-o", str(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"cbdata: {code}: "), err
    assert not out.exists() and not (cli_env.root / "x.csv.part").exists()


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (
            ["--start", "soon", "--end", "2025-01-01"],
            "USAGE: --start: 'soon' is not an ISO-8601 time",
        ),
        (
            ["--start", "2025-01-02", "--end", "2025-01-01"],
            "USAGE: --start (2025-01-02 00:00) must be before",
        ),
        (
            ["--start", "2025-01-01", "--end", "2025-01-02", "--format", "parquet"],
            "USAGE: parquet is binary",
        ),
        (["--start", "2025-01-01"], "USAGE: the following arguments are required: --end"),
        (
            ["--start", "2025-01-01", "--end", "2025-01-02", "--format", "xml"],
            "USAGE: argument --format: invalid choice",
        ),
    ],
)
async def test_bad_options_print_one_line_and_exit_2(cli_env, capsys, options, needle):
    assert await cli_env.run("fetch", "binance", "BTC/USDT", "1m", *options) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cbdata: ") and needle in err[0], err


async def test_an_exchange_outage_exits_1_and_leaves_no_file(cli_env, capsys):
    cli_env.emulator.inject("binance", "status", count=50, status=503)
    out = cli_env.root / "x.json"
    start, end = cli_env.day, cli_env.day + 10 * MIN
    assert (
        await cli_env.run(
            "fetch", "binance", "ETH/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 1
    )
    err = [
        line
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("cbdata: ") and "WARNING" not in line
    ]
    assert len(err) == 1 and err[0].startswith("cbdata: EXCHANGE_ERROR: "), err
    assert not out.exists() and not (cli_env.root / "x.json.part").exists()


async def test_an_unwritable_output_exits_1(cli_env, capsys):
    out = cli_env.root / "missing-dir" / "x.csv"
    start, end = cli_env.day, cli_env.day + 10 * MIN
    assert (
        await cli_env.run(
            "fetch", "binance", "BTC/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out)
        )
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cbdata: OS_ERROR: No such file or directory"), err


async def test_with_archives_the_complete_days_come_from_daily_files_and_equal_the_ground_truth(
    cli_env, monkeypatch
):
    monkeypatch.setenv("ARCHIVE_ENABLED", "true")
    start, end = cli_env.day, cli_env.day + 2 * 1440 * MIN  # two complete past days
    out = cli_env.root / "btc.parquet"
    args = ("fetch", "binance", "BTC/USDT", "1m", "--start", str(start), "--end", str(end), "-o", str(out))
    assert await cli_env.run(*args) == 0
    table = pq.read_table(out).cast(SCHEMA)  # int64 milliseconds, to compare with the emulator's rows
    rows = [list(r) for r in zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True)]
    assert rows == cli_env.truth("binance", "BTC/USDT", "1m", start, end)
    assert cli_env.emulator.counts[("archive", "daily")] == 2
    assert cli_env.emulator.request_count("binance", "ohlcv") == 0
