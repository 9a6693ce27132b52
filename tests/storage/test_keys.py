"""Key validation: whatever the input, a key either is refused or stays inside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import StorageError
from shared.storage.keys import validate_key, validate_prefix
from shared.storage.local_backend import LocalFileBackend

ROOT = Path("/srv/store")
segment_chars = st.sampled_from(list("ab=-_.%2F/\\\x00\n~ü€:"))


@given(st.text(segment_chars, max_size=40) | st.text(max_size=40))
def test_any_text_is_refused_or_stays_inside_root(text: str) -> None:
    try:
        segments = validate_key(text)
    except StorageError:
        return
    resolved = os.path.normpath(ROOT.joinpath(*segments))
    assert resolved.startswith(f"{ROOT}/")
    assert "/".join(segments) == text
    assert LocalFileBackend(ROOT)._path(text) == ROOT.joinpath(*segments)


ordinary_segment = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="/\\"), min_size=1, max_size=60
).filter(lambda s: not s.startswith(".") and len(s.encode()) <= 255)


@given(st.lists(ordinary_segment, min_size=1, max_size=8))
def test_ordinary_segments_are_accepted(segments: list[str]) -> None:
    key = "/".join(segments)
    assert validate_key(key) == tuple(segments)


@pytest.mark.parametrize(
    ("prefix", "directories"),
    [("", ()), ("ohlcv/", ("ohlcv",)), ("ohlcv/exchange=bin", ("ohlcv",)), ("a/b/c", ("a", "b"))],
)
def test_prefix_directories(prefix: str, directories: tuple[str, ...]) -> None:
    assert validate_prefix(prefix) == directories


@pytest.mark.parametrize("key", [None, 3, b"bytes"])
def test_non_string_keys_are_refused(key: object) -> None:
    with pytest.raises(StorageError, match="non-empty string"):
        validate_key(key)
