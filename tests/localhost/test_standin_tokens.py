"""Tokens: ``client_access`` makes what the service SDK makes, and the verifiers check what Azure checks."""

from __future__ import annotations

import base64
import secrets

import jwt
import pytest
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from shared.localhost.webpubsub.tokens import (
    TokenRejected,
    client_access,
    verify_client_token,
    verify_service_token,
)

KEY = base64.b64encode(secrets.token_bytes(32)).decode()
ENDPOINT = "http://127.0.0.1:7071"


@pytest.mark.parametrize("user_id", ["user-1", None])
def test_client_access_matches_the_service_sdk(user_id: str | None) -> None:
    sdk = WebPubSubServiceClient.from_connection_string(
        f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;", "Hub1"
    )
    theirs = sdk.get_client_access_token(user_id=user_id)
    ours = client_access(ENDPOINT, KEY, "Hub1", user_id)
    assert set(ours) == {"baseUrl", "url", "accessToken"}
    assert ours["baseUrl"] == theirs["baseUrl"] == "ws://127.0.0.1:7071/client/hubs/Hub1"
    assert ours["url"] == f"{ours['baseUrl']}?access_token={ours['accessToken']}"
    claims = [
        jwt.decode(t, options={"verify_signature": False}) for t in (ours["accessToken"], theirs["token"])
    ]
    assert set(claims[0]) == set(claims[1])
    assert claims[0]["aud"] == claims[1]["aud"] and claims[0].get("sub") == claims[1].get("sub") == user_id
    assert jwt.get_unverified_header(ours["accessToken"]) == jwt.get_unverified_header(theirs["token"])
    for token in (ours["accessToken"], theirs["token"]):
        assert verify_client_token(token, KEY, "Hub1").user_id == user_id
        assert verify_client_token(token, KEY, "hub1").user_id == user_id  # hub names are case-insensitive
        with pytest.raises(TokenRejected):
            verify_client_token(token, KEY, "Hub2")
        with pytest.raises(TokenRejected):
            verify_client_token(token, "another-key-" + KEY, "Hub1")


def test_https_endpoints_give_wss_urls() -> None:
    assert client_access("https://Example.webpubsub.azure.com/", KEY, "h", None)["baseUrl"] == (
        "wss://example.webpubsub.azure.com/client/hubs/h"
    )
    with pytest.raises(ValueError):
        client_access("ftp://example", KEY, "h", None)


@pytest.mark.parametrize("token", [None, "", "not.a.jwt"])
def test_missing_or_malformed_client_tokens_are_rejected(token: str | None) -> None:
    with pytest.raises(TokenRejected):
        verify_client_token(token, KEY, "h")


def test_expired_client_tokens_are_rejected_without_echoing_secrets() -> None:
    token = client_access(ENDPOINT, KEY, "h", "u", minutes=-1)["accessToken"]
    with pytest.raises(TokenRejected, match="expired") as rejected:
        verify_client_token(token, KEY, "h")
    assert token not in str(rejected.value) and KEY not in str(rejected.value)


def test_service_tokens_must_be_for_the_exact_url() -> None:
    url = f"{ENDPOINT}/api/hubs/h/connections/c/:send?api-version=2024-12-01"
    token = jwt.encode({"aud": url, "exp": 2**33}, KEY, algorithm="HS256")
    verify_service_token(f"Bearer {token}", KEY, url)
    for header, checked_url in [
        (f"Bearer {token}", url.replace("/c/", "/d/")),
        (f"Basic {token}", url),
        (None, url),
        (f"Bearer {jwt.encode({'aud': url}, KEY, algorithm='HS256')}", url),  # no expiry
    ]:
        with pytest.raises(TokenRejected):
            verify_service_token(header, KEY, checked_url)
