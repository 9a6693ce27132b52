"""Validation of object keys and listing prefixes, shared by every backend.

A key is a relative, ``/``-separated path such as ``ohlcv/exchange=binance/.../part.parquet``. The same
rules hold on every backend so that a key valid on local files is valid on Azure Blob and the other way
round. Rejected: the empty key, a leading ``/`` (absolute), empty segments (``a//b``, a trailing ``/``),
segments starting with ``.`` (this covers ``.`` and ``..`` and keeps the local backend's temporary and
lock files out of reach), backslashes, NUL and other control characters, segments longer than 255 bytes
(a file name limit) and keys longer than 1024 characters (the Blob Storage limit).
"""

from __future__ import annotations

from shared.errors import StorageError

MAX_KEY_LENGTH = 1024
MAX_SEGMENT_BYTES = 255


def _check_characters(text: str, what: str) -> None:
    if "\\" in text:
        raise StorageError(f"invalid {what} {text!r}: backslashes are not allowed")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text):
        raise StorageError(f"invalid {what} {text!r}: control characters are not allowed")
    if len(text) > MAX_KEY_LENGTH:
        raise StorageError(f"invalid {what}: longer than {MAX_KEY_LENGTH} characters")
    if text.startswith("/"):
        raise StorageError(f"invalid {what} {text!r}: must be relative (no leading '/')")


def _check_segment(segment: str, text: str, what: str) -> None:
    if not segment:
        raise StorageError(f"invalid {what} {text!r}: empty path segment")
    if segment.startswith("."):
        raise StorageError(f"invalid {what} {text!r}: a path segment may not start with '.'")
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise StorageError(f"invalid {what}: a path segment is longer than {MAX_SEGMENT_BYTES} bytes")


def validate_key(key: object) -> tuple[str, ...]:
    """The key's segments; ``StorageError`` when the key is not acceptable."""
    if not isinstance(key, str) or not key:
        raise StorageError(f"invalid storage key {key!r}: must be a non-empty string")
    _check_characters(key, "storage key")
    segments = tuple(key.split("/"))
    for segment in segments:
        _check_segment(segment, key, "storage key")
    return segments


def validate_prefix(prefix: object) -> tuple[str, ...]:
    """The complete directory segments of a listing prefix (``""`` lists everything).

    ``"ohlcv/exchange=bin"`` gives ``("ohlcv",)``: the last, partial segment only filters names.
    """
    if not isinstance(prefix, str):
        raise StorageError(f"invalid listing prefix {prefix!r}: must be a string")
    if not prefix:
        return ()
    _check_characters(prefix, "listing prefix")
    *directories, last = prefix.split("/")
    for segment in directories:
        _check_segment(segment, prefix, "listing prefix")
    if last.startswith("."):
        raise StorageError(f"invalid listing prefix {prefix!r}: a path segment may not start with '.'")
    return tuple(directories)
