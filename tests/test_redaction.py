"""shared.redaction: which values and token shapes are masked, in which parts of a record."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from shared.redaction import MASK, RedactionFilter, SecretSet, settings_secrets
from shared.settings import load_settings


def record(msg: str, *args, exc: BaseException | None = None, **extra) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, msg, args or None, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_settings_secrets_walks_every_secret_and_credential_option() -> None:
    settings = load_settings(
        local_settings_file=None,
        storage={"type": "azure", "azure_connection_string": "AccountName=a;AccountKey=acc-key-1;"},
        ccxt={
            "exchanges": ["binance", "okx"],
            "default_exchange": "binance",
            "credentials": {"binance": {"api_key": "api-1", "secret": "sec-1"}},
            "exchange_options": {"okx": {"apiKey": "opt-key", "timeout": 1000, "password": "opt-pw"}},
        },
        local_function_key="fn-key",
        local_master_key="ma-key",
        webpubsub_connection_string="Endpoint=http://x;AccessKey=wps-key;Version=1.0;",
    )
    found = set(settings_secrets(settings))
    assert {"api-1", "sec-1", "opt-key", "opt-pw", "fn-key", "ma-key"} <= found
    assert "1000" not in found  # an ordinary option is no secret
    secrets = SecretSet()
    secrets.add(*found)
    assert "acc-key-1" in secrets and "wps-key" in secrets  # connection-string key parts
    assert secrets.redact("AccountKey=acc-key-1 and wps-key") == f"AccountKey={MASK} and {MASK}"


def test_token_shapes_are_masked_whatever_their_value() -> None:
    redact = SecretSet().redact
    assert redact("GET /api/ohlcv?code=abc123&x=1") == f"GET /api/ohlcv?code={MASK}&x=1"
    assert redact("ws://h/client?access_token=t0k3n") == f"ws://h/client?access_token={MASK}"
    assert "s1gn" not in redact("https://a.blob.core.windows.net/c?sv=2021&sig=s1gn%3D&se=x")
    assert "k3y" not in redact("Endpoint=https://x;AccessKey=k3y;Version=1.0;")
    assert "bearer-value" not in redact("Authorization: Bearer bearer-value")
    assert "mbx" not in redact("{'X-MBX-APIKEY': 'mbx', 'Content-Type': 'application/json'}")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX2hlcmU"
    assert redact(f"token {jwt} end") == f"token {MASK} end"
    assert redact("error code INVALID_REQUEST, 42 candles") == "error code INVALID_REQUEST, 42 candles"


@given(
    secret=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=3, max_size=40),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_known_secret_never_survives(secret: str, before: str, after: str) -> None:
    secrets = SecretSet()
    secrets.add(secret)
    assert secret not in secrets.redact(before + secret + after + secret)


def test_the_filter_cleans_message_args_exception_stack_and_extras() -> None:
    secrets = SecretSet()
    secrets.add("hunter22")
    try:
        raise ValueError("bad key hunter22")
    except ValueError as exc:
        rec = record("using %s", "hunter22", exc=exc, url="http://x?code=hunter22", count=3)
    rec.stack_info = "Stack: hunter22"
    assert RedactionFilter(secrets).filter(rec) is True
    line = logging.Formatter("%(message)s %(url)s").format(rec)
    assert "hunter22" not in line
    assert "ValueError: bad key ***" in line
    assert rec.exc_info is None and rec.count == 3
    assert RedactionFilter(secrets).filter(rec) is True  # a second handler: nothing changes twice


def test_a_broken_format_string_is_still_logged_and_cleaned() -> None:
    secrets = SecretSet()
    secrets.add("hunter22")
    rec = record("%d candles", "hunter22")
    RedactionFilter(secrets).filter(rec)
    assert "hunter22" not in rec.getMessage() and "candles" in rec.getMessage()


def test_the_telemetry_exporters_handler_masks_too() -> None:
    from shared.redaction import register
    from shared.telemetry.configure import add_context_to

    class Exporter(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.seen.append(record.getMessage() + (record.exc_text or ""))

    logger = logging.getLogger("shared.redaction_probe")
    exporter = Exporter()
    logger.addHandler(exporter)
    try:
        add_context_to(logger)
        register("exporter-secret-0099")
        try:
            raise RuntimeError("key exporter-secret-0099")
        except RuntimeError:
            logger.error("with %s", "exporter-secret-0099", exc_info=True)
    finally:
        logger.removeHandler(exporter)
    assert exporter.seen and "exporter-secret-0099" not in exporter.seen[0]
