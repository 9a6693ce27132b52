"""``cbdata fetch``: every candle of a range, gaps filled from the exchange, written as CSV/JSON/Parquet.

The same ``CandleService`` the HTTP API and the Web PubSub worker use, in this process. The end is
clipped once to the last closed candle; a range larger than ``MAX_REQUEST_CANDLES`` is fetched as
consecutive windows, streamed one after another into the same output. The progress bar (tqdm, on
stderr) follows the fetch's ``Progress`` reports: candle slots known complete of the whole range,
and exchange requests done / planned. It only appears while candles are downloaded.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import aclosing
from typing import IO

from tqdm import tqdm

from shared.cli.console import UsageError, iso, time_argument
from shared.cli.output import Output, choose_format
from shared.cli.services import opened_services
from shared.fetch.progress import Progress
from shared.series import SeriesKey
from shared.timeframes import candle_count


def windows(start: int, end: int, tf_ms: int, max_candles: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into consecutive windows of at most ``max_candles`` candle slots."""
    width = max_candles * tf_ms
    return [(s, min(s + width, end)) for s in range(start, end, width)] or [(start, end)]


class ProgressBar:
    """A tqdm bar fed by ``Progress`` reports of consecutive windows of one range."""

    def __init__(self, series: SeriesKey, total: int, enabled: bool, file: IO[str]) -> None:
        self._series, self._total, self._enabled, self._file = series, total, enabled, file
        self._bar: tqdm | None = None
        self.offset = 0  # candle slots of the windows before the current one
        self.requests_before = 0
        self._requests = 0

    def next_window(self, slots: int) -> None:
        self.offset += slots
        self.requests_before += self._requests
        self._requests = 0

    def __call__(self, progress: Progress) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            self._bar = tqdm(total=self._total, unit=" candles", desc=str(self._series),
                             file=self._file, dynamic_ncols=True, mininterval=0.2)  # fmt: skip
        self._requests = progress.requests_done
        done = self.requests_before + progress.requests_done
        planned = self.requests_before + progress.requests_planned
        self._bar.set_postfix_str(f"requests {done}/{planned}", refresh=False)
        self._bar.update(self.offset + progress.known - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


async def fetch_command(args: argparse.Namespace) -> int:
    series = SeriesKey(args.exchange, args.symbol, args.timeframe)
    start, end = time_argument("start", args.start), time_argument("end", args.end)
    if start >= end:
        raise UsageError(f"--start ({iso(start)}) must be before --end ({iso(end)})")
    fmt = choose_format(args.format, args.output)
    show = args.progress or sys.stderr.isatty()
    async with opened_services() as services:
        candles = services.candles
        services.exchanges.require_enabled(series.exchange)
        end = max(start, min(end, candles.closed_end(series)))
        header = {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe,
                  "start": start, "end": end}  # fmt: skip
        bar = ProgressBar(series, candle_count(start, end, series.tf_ms), show, sys.stderr)
        output = Output(args.output, fmt, header, sys.stdout.buffer)
        written = requests = 0
        try:
            for w_start, w_end in windows(start, end, series.tf_ms, services.settings.max_request_candles):
                stream = await candles.open(series, w_start, w_end) if w_start < w_end else None
                if stream is None:
                    break
                async with aclosing(stream.batches(bar)) as batches:  # a failed write stops the fetch
                    async for batch in batches:
                        await output.writer.write(batch)
                        written += batch.num_rows
                requests += stream.requests_made
                bar.next_window(candle_count(w_start, w_end, series.tf_ms))
            await output.commit()
        except BaseException:
            output.discard()
            raise
        finally:
            bar.close()
    if output.path is not None:
        print(f"wrote {written:,} candles of {series} from {iso(start)} to {iso(end)} to {output.path} "
              f"({requests} exchange requests)", file=sys.stderr)  # fmt: skip
    return 0
