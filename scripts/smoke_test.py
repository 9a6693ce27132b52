"""Smoke test of a deployment: health, negotiate, a Web PubSub round trip, an hour of candles.

    scripts/smoke-test --url https://<app>.azurewebsites.net --key <function key>
    SMOKE_URL=... SMOKE_FUNCTION_KEY=... scripts/smoke-test          # the same, from the environment

Steps, each printed as it passes; the first failure prints what failed and why, and exits 1:

1. ``GET /api/health`` answers 200 with status ``ok`` (the app runs and reaches its storage);
2. ``GET /api/negotiate`` with the function key gives a ``ws(s)://`` client access URL;
3. the official Web PubSub client connects with it and sends ``request_historical`` for the last
   closed hour (user event -> queued job -> worker -> chunks back, the whole round trip);
4. the chunks arrive, in order, complete (``seq`` 0..n-1, the count ``historical_data_complete``
   announced), inside the hour, strictly ascending;
5. ``GET /api/ohlcv`` for the same hour gives the same candles (the HTTP path, from storage).

Works against Azure and against ``cbdata serve`` alike. Needs the client package (``cbdata-client``,
``pip install ./client``); ``./scripts/setup`` installs it in ``.venv``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

HOUR_MS = 3_600_000
TF_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": HOUR_MS}


class SmokeFailure(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        run(args)
    except SmokeFailure as failure:
        print(f"smoke-test: FAILED at {failure.step}: {failure.reason}", file=sys.stderr)
        return 1
    print("smoke-test: PASSED")
    return 0


def run(args: argparse.Namespace) -> None:
    from cbdata_client import CandleClient
    from cbdata_client.errors import ServiceError

    url = args.url.rstrip("/")
    _health(url, args.timeout)
    print(f"ok   health: {url}/api/health answers ok")
    client = CandleClient(url, args.key, timeout=args.timeout)
    try:
        access = client.negotiate()
    except ServiceError as exc:
        raise SmokeFailure("negotiate", f"{exc.code}: {exc.message} (is the function key right?)") from None
    if not access.startswith(("wss://", "ws://")) or "access_token=" not in access:
        raise SmokeFailure("negotiate", "the answer holds no ws(s):// URL with an access token")
    print(f"ok   negotiate: client access URL for {access.split('?', 1)[0]}")

    tf = TF_MS[args.timeframe]
    end = (int(time.time() * 1000) - args.settle_seconds * 1000) // HOUR_MS * HOUR_MS
    start = end - args.hours * HOUR_MS
    progress: list[tuple[int, int]] = []
    request_id = f"smoke-{uuid.uuid4().hex[:12]}"
    began = time.monotonic()
    try:
        rows = client.historical(
            args.exchange, args.symbol, args.timeframe, start, end,
            request_id=request_id, on_progress=lambda done, total: progress.append((done, total)),
        )  # fmt: skip
    except ServiceError as exc:
        hint = _hint(exc.code)
        raise SmokeFailure("web pubsub round trip", f"{exc.code}: {exc.message}{hint}") from None
    took = time.monotonic() - began
    print(f"ok   web pubsub: {len(rows)} candles in {took:.1f} s ({request_id}, {len(progress)} progress)")
    _check_rows(rows, start, end, tf)
    print(f"ok   candles: complete, ascending, inside [{start}, {end})")

    http_rows = _http_rows(url, args.key, args, start, end)
    if [r[0] for r in http_rows] != [r[0] for r in rows]:
        raise SmokeFailure("http ohlcv", f"{len(http_rows)} candles over HTTP, {len(rows)} over Web PubSub")
    print("ok   http: /api/ohlcv serves the same candles")


def _health(url: str, timeout: float) -> None:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=min(timeout, 60)) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise SmokeFailure("health", f"HTTP {exc.code} from /api/health") from None
    except (OSError, ValueError) as exc:
        raise SmokeFailure("health", f"cannot reach {url}/api/health ({type(exc).__name__}: {exc})") from None
    if body.get("status") != "ok":
        raise SmokeFailure("health", f"status is {body.get('status')!r}, not 'ok': {json.dumps(body)[:300]}")


def _check_rows(rows: list[list[Any]], start: int, end: int, tf: int) -> None:
    if not rows:
        raise SmokeFailure("candles", "the answer holds no candle for a closed hour")
    stamps = [int(r[0]) for r in rows]
    if stamps[0] < start or stamps[-1] >= end:
        raise SmokeFailure("candles", f"candles outside [{start}, {end}): {stamps[0]} .. {stamps[-1]}")
    if any(s % tf for s in stamps):
        raise SmokeFailure("candles", "a candle is not on the timeframe's grid")


def _http_rows(url: str, key: str, args: argparse.Namespace, start: int, end: int) -> list[list[Any]]:
    from cbdata_client.errors import ServiceError
    from cbdata_client.http import get_json

    params = {"exchange": args.exchange, "symbol": args.symbol, "timeframe": args.timeframe,
              "start": str(start), "end": str(end)}  # fmt: skip
    try:
        body = get_json(url, "/api/ohlcv", key, args.timeout, params)
    except ServiceError as exc:
        raise SmokeFailure("http ohlcv", f"{exc.code}: {exc.message}") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SmokeFailure("http ohlcv", "the answer holds no data list")
    return data


def _hint(code: str) -> str:
    if code in ("UNREACHABLE", "CONNECTION_LOST"):
        return " (is the Web PubSub service reachable from here?)"
    if code in ("TIMEOUT", "SERVICE_TIMEOUT", "INCOMPLETE_RESPONSE"):
        return (
            " (no answer: is the hub's event handler wired (infra/hooks/postdeploy.sh), and does the"
            " Web PubSub trigger reach the app? infra/README.md, 'Known risk')"
        )
    return ""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="smoke-test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SMOKE_URL") or os.environ.get("SERVICE_API_URI"))
    parser.add_argument("--key", default=os.environ.get("SMOKE_FUNCTION_KEY"), help="a function key")
    parser.add_argument("--exchange", default="binance")
    parser.add_argument("--symbol", default="BTC/USDT")
    parser.add_argument("--timeframe", default="1m", choices=sorted(TF_MS))
    parser.add_argument("--hours", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole round trip")
    parser.add_argument("--settle-seconds", type=int, default=60, help="how closed the hour must be")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url (or SMOKE_URL / SERVICE_API_URI) is required: the app's https://... address")
    if not args.key:
        parser.error("--key (or SMOKE_FUNCTION_KEY) is required: az functionapp keys list ... functionKeys")
    return args


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
