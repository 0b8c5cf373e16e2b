"""Real servers for the calendar-source tests: Radicale (CalDAV) and a small ICS web server.

Radicale runs as `python -m radicale --config FILE` on a free port, with its config, users
and storage in a temporary folder; it is started once per test session (whichever test
module asks first) and stopped when the session ends. The ICS server is `http.server` in a
thread, with per-path behaviour (status, validators, delay, size) set by each test.
"""

from __future__ import annotations

import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import caldav
import icalendar
import pytest

from tests.conftest import free_port, wait_port


class Radicale:
    """A private Radicale server with one user who owns one calendar per room."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.username = "rooms"
        self.password = secrets.token_urlsafe(12)
        (workdir / "users").write_text(f"{self.username}:{self.password}\n")
        self.config = workdir / "radicale.conf"
        self.config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {workdir / 'users'}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {workdir / 'collections'}\n"
            "[web]\n"
            "type = none\n"
            "[logging]\n"
            "level = warning\n"
        )
        self.proc: subprocess.Popen | None = None
        self._calendars: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.username}/"

    def start(self) -> None:
        log = (self.workdir / "radicale.log").open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config",
                                      str(self.config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                wait_port(self.port, timeout=0.5)
                return
            except TimeoutError:
                continue
        tail = (self.workdir / "radicale.log").read_text()[-800:]
        self.stop()
        pytest.fail(f"Radicale did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.base_url, username=self.username,
                                password=self.password, require_tls=False,
                                enable_rfc6764=False, timeout=10)

    def make_calendar(self, name: str) -> str:
        """Create an empty calendar collection; return its URL."""
        calendar = self.client().principal().make_calendar(name=name, cal_id=name)
        return str(calendar.url)

    def calendar_with(self, name: str, ics: bytes) -> str:
        """A calendar holding the events of `ics` (one object per UID); created once."""
        with self._lock:
            if name not in self._calendars:
                url = self.make_calendar(name)
                upload(self.client().calendar(url=url), ics)
                self._calendars[name] = url
            return self._calendars[name]


def split_by_uid(ics: bytes) -> list[str]:
    """One VCALENDAR text per UID (master + overrides), each with the VTIMEZONEs it needs."""
    calendar = icalendar.Calendar.from_ical(ics)
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    groups: dict[str, list] = defaultdict(list)
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            groups[str(component["UID"])].append(component)
    texts = []
    for components in groups.values():
        single = icalendar.Calendar()
        single.add("PRODID", "-//roomink//tests//EN")
        single.add("VERSION", "2.0")
        for component in timezones + components:
            single.add_component(component)
        # RFC 5545 wants a VTIMEZONE for every TZID; real clients send them, and Radicale's
        # server-side expansion goes wrong across DST (for the whole process) without them.
        single.add_missing_timezones()
        texts.append(single.to_ical().decode())
    return texts


def upload(calendar: caldav.Calendar, ics: bytes) -> None:
    for text in split_by_uid(ics):
        calendar.add_event(text, increase_seqno=False)


_RADICALE: Radicale | None = None
_RADICALE_LOCK = threading.Lock()


@pytest.fixture(scope="session")
def radicale():
    """One Radicale server for the session, shared by every module that imports this fixture."""
    global _RADICALE
    with _RADICALE_LOCK:
        if _RADICALE is None:
            server = Radicale(Path(tempfile.mkdtemp(prefix="roomink-radicale-")))
            server.start()
            _RADICALE = server
    yield _RADICALE
    with _RADICALE_LOCK:
        if _RADICALE is not None:
            _RADICALE.stop()
            _RADICALE = None


# --- ICS over HTTP -----------------------------------------------------------------------


@dataclass
class Route:
    """How the test server answers one path."""

    body: bytes = b""
    status: int = 200
    etag: str | None = None
    last_modified: float | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    endless: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (it is its own CA): (cert.pem, key.pem)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "roomink test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class IcsServer:
    """`http.server` in a thread serving `routes`; `seen` records every request.

    With `tls=(cert, key)` it speaks HTTPS.
    """

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server._answer(self)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                # Clients hanging up on purpose (size limit, deadline) are expected; anything
                # else is a bug in the test server and is printed as usual.
                if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
                    super().handle_error(request, client_address)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(handler.path.split("?")[0])
        headers = {k: v for k, v in handler.headers.items()}
        if route is None:
            self.seen.append(Seen(handler.path, headers, 404))
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if route.delay:
            time.sleep(route.delay)
        status = route.status
        if status == 200 and self._not_modified(route, handler):
            status = 304
        self.seen.append(Seen(handler.path, headers, status))
        handler.send_response(status)
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.last_modified is not None:
            handler.send_header("Last-Modified", formatdate(route.last_modified, usegmt=True))
        for key, value in route.headers.items():
            handler.send_header(key, value)
        body = route.body if status == 200 else b""
        if route.endless:
            handler.send_header("Connection", "close")
            handler.end_headers()
            try:
                while True:
                    handler.wfile.write(b"X" * 65536)
            except OSError:
                return
        if route.send_length or status != 200:
            handler.send_header("Content-Length", str(len(body)))
        else:
            handler.send_header("Connection", "close")
        handler.send_header("Content-Type", "text/calendar; charset=utf-8")
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:
            pass
        if not route.send_length:
            handler.close_connection = True

    @staticmethod
    def _not_modified(route: Route, handler: BaseHTTPRequestHandler) -> bool:
        if route.etag and handler.headers.get("If-None-Match") == route.etag:
            return True
        since = handler.headers.get("If-Modified-Since")
        return bool(not route.etag and route.last_modified is not None and since
                    and since == formatdate(route.last_modified, usegmt=True))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def ics_server():
    server = IcsServer()
    server.start()
    yield server
    server.stop()
