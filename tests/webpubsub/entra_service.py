"""A stand-in for the Web PubSub REST API reached with an Entra ID token (no access key), over HTTPS
on 127.0.0.1 with a certificate made for the test (azure-core sends a bearer token only over TLS).

Serves ``POST /api/hubs/{hub}/connections/{id}/:send`` (202) and ``POST /api/hubs/{hub}/:generateToken``
(``{"token": ...}``); every request must carry ``Authorization: Bearer <the expected token>``, else 401.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from azure.core.credentials import AccessToken
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fixtures.azurite import free_port

TOKEN = "entra-token-for-tests"


class StaticCredential:
    """An ``AsyncTokenCredential`` handing out one token and recording the scopes asked for."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[str] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> StaticCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class EntraWebPubSub:
    directory: Path
    expected_token: str = TOKEN
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, authorization)
    sent: list[tuple[str, str, bytes]] = field(default_factory=list)  # (hub, connection id, body)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.cert, key = self_signed(self.directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        app = web.Application()
        app.router.add_post("/api/hubs/{hub}/connections/{conn}/:send", self._send)
        app.router.add_post("/api/hubs/{hub}/:generateToken", self._generate_token)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=context).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorized(self, request: web.Request) -> bool:
        authorization = request.headers.get("Authorization", "")
        self.requests.append((request.method, request.path, authorization))
        return authorization == f"Bearer {self.expected_token}"

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(status=401)
        self.sent.append((request.match_info["hub"], request.match_info["conn"], await request.read()))
        return web.Response(status=202)

    async def _generate_token(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(status=401)
        user = request.query.get("userId", "")
        return web.json_response({"token": f"client-token-for-{user}"})
