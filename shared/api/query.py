"""Query parameters of an HTTP request, each given at most once.

``symbol=BTC/USDT&symbol=../../x`` is ambiguous: the Functions host's ``req.params`` keeps one of the
values and drops the other without a word, so the raw query string of the request URL is read again
here and any parameter given twice (names compared case-insensitively, as the host does) is refused
with ``INVALID_REQUEST`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from shared.errors import InvalidRequestError
from shared.logging_config import safe

MAX_PARAMETERS = 100


def single_params(url: str, params: Mapping[str, str]) -> dict[str, str]:
    """The parameters of ``url``'s query string (``params`` when the URL carries none, as in tests
    that build a request from a mapping); ``INVALID_REQUEST`` when one is repeated."""
    query = urlsplit(url).query
    if not query:
        return dict(params)
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
    except ValueError:
        raise InvalidRequestError(f"at most {MAX_PARAMETERS} query parameters are accepted") from None
    found: dict[str, str] = {}
    names: set[str] = set()
    for name, value in pairs:
        if name.lower() in names:
            shown = safe(name, 40)
            raise InvalidRequestError(
                f"query parameter {shown!r} is given more than once; give each parameter once",
                parameter=shown,
            )
        names.add(name.lower())
        found[name] = value
    return found
