"""Property tests for the text parsers behind SYNC_TARGETS, CCXT_EXCHANGES and SYNC_SCHEDULE."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.series import SeriesKey
from shared.settings.parsing import (
    SettingValueError,
    parse_sync_target,
    parse_sync_targets,
    split_csv,
    validate_ncrontab,
)

exchanges = st.from_regex(r"[a-z][a-z0-9_]{1,31}", fullmatch=True)
symbols = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/:+@-]{0,40}", fullmatch=True).filter(
    lambda s: ".." not in s and "//" not in s
)
timeframes = st.sampled_from(["1s", "1m", "5m", "15m", "1h", "4h", "1d", "1w"])
keys = st.builds(SeriesKey, exchanges, symbols, timeframes)


@given(keys)
def test_target_text_round_trips(key: SeriesKey) -> None:
    assert parse_sync_target(str(key)) == key
    assert parse_sync_target(f"  {key} ") == key


@given(st.lists(keys, unique=True, max_size=8))
def test_comma_separated_targets_keep_order(targets: list[SeriesKey]) -> None:
    assert parse_sync_targets(", ".join(str(t) for t in targets)) == targets


@given(st.text(max_size=60))
def test_any_target_text_parses_or_fails_with_setting_error(text: str) -> None:
    try:
        key = parse_sync_target(text)
    except SettingValueError as exc:
        assert "entry" in exc.message
    else:
        assert str(key) == text.strip()


@given(st.lists(st.text(alphabet="abc ,", max_size=6), max_size=6))
def test_split_csv_drops_blanks_and_trims(parts: list[str]) -> None:
    items = split_csv(",".join(parts))
    assert all(item and item == item.strip() and "," not in item for item in items)


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    ranges = st.tuples(number, number).map(sorted).map(lambda r: f"{r[0]}-{r[1]}")
    steps = st.integers(1, high - low + 1)
    item = st.one_of(
        st.just("*"),
        number.map(str),
        ranges,
        st.tuples(ranges, steps).map(lambda t: f"{t[0]}/{t[1]}"),
        steps.map(lambda s: f"*/{s}"),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


cron = st.tuples(_field(0, 59), _field(0, 59), _field(0, 23), _field(1, 31), _field(1, 12), _field(0, 6))


@given(cron)
def test_valid_ncrontab_is_accepted(fields: tuple[str, ...]) -> None:
    assert validate_ncrontab("  ".join(fields)) == " ".join(fields)


@given(st.text(alphabet="0123456789*/-, abcdefghijklmnopqrstuvwxyz", max_size=30))
def test_any_schedule_text_is_accepted_or_explained(text: str) -> None:
    try:
        validate_ncrontab(text)
    except SettingValueError as exc:
        assert "six-field NCRONTAB" in exc.message


@pytest.mark.parametrize(
    "good", ["0 */30 * * * *", "0 0 9-17 * Jan-Mar mon-fri", "*/5 * * * * *", "0 0 0 31 12 0"]
)
def test_known_schedules(good: str) -> None:
    assert validate_ncrontab(good) == good
