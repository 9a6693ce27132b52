"""Which errors a client may see: the ``public`` class attribute and ``public_view``."""

from __future__ import annotations

import pytest

from shared.errors import (
    INTERNAL_MESSAGE,
    ConflictError,
    DataServiceError,
    NotAvailableError,
    TargetNotFoundError,
    public_codes,
    public_view,
)

# The codes docs/protocol.md promises to clients (plus TARGET_NOT_FOUND of /api/targets and
# ACCOUNT_NOT_FOUND of /api/portfolio).
DOCUMENTED = {
    "INVALID_REQUEST",
    "UNKNOWN_EXCHANGE",
    "COIN_NOT_AVAILABLE",
    "UNSUPPORTED_TIMEFRAME",
    "RANGE_TOO_LARGE",
    "HISTORY_NOT_AVAILABLE",
    "EXCHANGE_ERROR",
    "EXCHANGE_RATE_LIMITED",
    "STORAGE_ERROR",
    "INTERNAL_ERROR",
    "TARGET_NOT_FOUND",
    "ACCOUNT_NOT_FOUND",
}


def test_the_public_codes_are_exactly_the_documented_ones():
    assert public_codes() == DOCUMENTED


def test_target_not_found_is_an_ordinary_public_404():
    view = public_view(TargetNotFoundError("okx:BTC/USDT:1h is not a watched target"))
    assert view == ("TARGET_NOT_FOUND", "okx:BTC/USDT:1h is not a watched target", 404)


def test_a_lost_write_race_shows_as_a_busy_store():
    assert public_view(ConflictError("etag mismatch on data/x")) == (
        "STORAGE_ERROR",
        "storage is busy; try again",
        503,
    )


@pytest.mark.parametrize("err", [NotAvailableError("x"), DataServiceError("x"), ValueError("key=abc")])
def test_errors_not_marked_public_show_nothing_of_themselves(err):
    assert public_view(err) == ("INTERNAL_ERROR", INTERNAL_MESSAGE, 500)


def test_a_subclass_of_a_private_error_is_private_until_it_says_otherwise():
    class Hidden(NotAvailableError):  # not public: never alters public_codes()
        code = "HIDDEN"

    assert public_view(Hidden("m")).code == "INTERNAL_ERROR"
    assert TargetNotFoundError.public and not NotAvailableError.public
