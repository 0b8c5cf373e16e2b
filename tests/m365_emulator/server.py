"""The HTTPS server: identity routes under /{tenant}/, Graph routes under /v1.0/.

It is a real TLS server (certificate from a throwaway CA) so the hub's real `requests`
stack and the real msal talk to it exactly as they would to Microsoft.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.m365_emulator import identity
from tests.m365_emulator.certs import make_pki
from tests.m365_emulator.graphapi import GraphAPI, dumps, error
from tests.m365_emulator.state import Tenant


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
        data = dumps(body)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if body is not None and "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self, method: str) -> None:
        emu = self.server.emulator
        raw = self._body()
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if url.path.startswith("/v1.0/"):
            if emu.tenant.latency:
                time.sleep(emu.tenant.latency)  # a round trip to a Graph front end
            target = self.path[len("/v1.0"):]
            if url.path == "/v1.0/$batch" and method == "POST":
                fault = emu.tenant.take_fault("/$batch", "", is_envelope=True)
                answer = emu.graph.faulted(fault) if fault else None
                if answer is None:
                    try:
                        body = json.loads(raw or b"null")
                    except ValueError:
                        answer = error(400, "BadRequest", "Invalid JSON.")
                    else:
                        grant = emu.graph.grant_of(headers)
                        answer = grant if isinstance(grant, tuple) else emu.graph.batch(
                            headers, body)
                emu.tenant.record("POST", "/$batch", "", answer[0], False)
            else:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                answer = emu.graph.call(method, target, headers, body)
            self._send(*answer)
            return
        parts = url.path.strip("/").split("/")
        form = dict(parse_qsl(raw.decode()))
        if len(parts) >= 2:
            tenant_path = parts[0]
            rest = "/".join(parts[1:])
            if rest == "v2.0/.well-known/openid-configuration" and method == "GET":
                self._send(200, {}, identity.openid_configuration(emu.url, tenant_path))
                return
            if rest == "oauth2/v2.0/devicecode" and method == "POST":
                self._send(*_json(identity.device_code(emu.tenant, emu.url, form)))
                return
            if rest == "oauth2/v2.0/token" and method == "POST":
                self._send(*_json(identity.token(emu.tenant, emu.url, tenant_path, form)))
                return
        self._send(404, {}, {"error": "not_found", "error_description": self.path})

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")


def _json(answer: tuple[int, dict[str, Any]]) -> tuple[int, dict[str, str], Any]:
    return answer[0], {"Content-Type": "application/json; charset=utf-8",
                       "Cache-Control": "no-store"}, answer[1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that reject our certificate or hang up are part of the tests: stay quiet."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class Emulator:
    """A local Microsoft 365 tenant over HTTPS. `tenant` is its state; `url` its base.

    Use as a context manager or call `stop()`. `authority` is what msal is pointed at.
    """

    tenant_name = "contoso.onmicrosoft.com"

    def __init__(self, folder: Path) -> None:
        self.pki = make_pki(folder / "pki")
        self.tenant = Tenant()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.emulator = self
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.cert_file, self.pki.key_file)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True,
                                            do_handshake_on_connect=False)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.graph = GraphAPI(self.tenant, self.url)
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                        daemon=True, name="m365-emulator")
        self._thread.start()

    @property
    def authority(self) -> str:
        return f"{self.url}/{self.tenant_name}"

    @property
    def ca_bundle(self) -> str:
        return str(self.pki.ca_file)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
