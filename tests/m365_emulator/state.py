"""The emulated tenant: app registrations, the sign-in user, room mailboxes, tokens, faults.

Tests change this state directly (add rooms and meetings, revoke tokens, script faults);
the HTTP handlers in `identity` and `graphapi` only read and update it under `lock`.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

TENANT_ID = "7f3c2a91-5b6d-4e8f-9a0b-1c2d3e4f5a6b"
DELEGATED_SCOPES = ("Calendars.Read.Shared", "Calendars.ReadWrite.Shared", "Place.Read.All")
APP_ROLES = ("Calendars.Read", "Place.Read.All")


@dataclass
class Client:
    """An app registration. `consented` = delegated permissions an admin consented to."""

    client_id: str
    secret: str | None = None
    certificate_pem: bytes | None = None
    consented: tuple[str, ...] = DELEGATED_SCOPES
    roles: tuple[str, ...] = APP_ROLES
    allowed_rooms: set[str] | None = None  # an ApplicationAccessPolicy, for app-only tokens


@dataclass
class User:
    upn: str = "signs@contoso.com"
    name: str = "Room Signs"
    oid: str = "0a1b2c3d-1111-2222-3333-444455556666"


@dataclass
class GraphEvent:
    start: datetime
    end: datetime
    subject: str = "Meeting"
    organizer_name: str = "Alex Wilber"
    organizer_address: str = "alexw@contoso.com"
    sensitivity: str = "normal"
    show_as: str = "busy"
    is_cancelled: bool = False
    is_all_day: bool = False
    type: str = "singleInstance"
    id: str = field(default_factory=lambda: "AAMk" + uuid.uuid4().hex)
    ical_uid: str = field(default_factory=lambda: uuid.uuid4().hex.upper())


@dataclass
class Room:
    email: str
    name: str
    capacity: int = 8
    access: str = "reviewer"  # the sign-in user's folder permission: none, reviewer, editor
    hidden: bool = False      # HiddenFromAddressListsEnabled: not returned by /places
    delete_subject: bool = False  # Exchange's room defaults: subject replaced by organizer
    events: list[GraphEvent] = field(default_factory=list)


@dataclass
class Grant:
    """What a token stands for."""

    client_id: str
    kind: str  # "delegated" or "app"
    permissions: frozenset[str]
    expires: float
    user: User | None = None


@dataclass
class RefreshToken:
    client_id: str
    scopes: frozenset[str]
    user: User
    revoked: bool = False
    expired: bool = False


@dataclass
class DeviceCode:
    client_id: str
    scopes: frozenset[str]
    polls: int = 0
    declined: bool = False
    done: bool = False


@dataclass
class Fault:
    """A scripted failure: the next `times` requests whose path matches get `status`.

    `delay` seconds are slept first (slow Graph); `status=0` means "answer normally after
    the delay". `room` limits it to one mailbox; `envelope=True` hits only `$batch` POSTs.
    `code` and `message` replace Graph's usual ones for `status`.
    """

    path: str = ""
    status: int = 429
    times: int = 1
    retry_after: int | None = 1
    delay: float = 0.0
    room: str = ""
    code: str = ""
    message: str = ""
    envelope: bool = False

    def matches(self, path: str, mailbox: str, is_envelope: bool) -> bool:
        return (self.times > 0 and is_envelope == self.envelope
                and re.search(self.path, path) is not None
                and (not self.room or self.room.lower() == mailbox))


@dataclass
class Record:
    """One Graph request as the emulator saw it (sub-requests of a batch included)."""

    at: float
    method: str
    path: str
    mailbox: str
    status: int
    in_batch: bool


class Tenant:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tenant_id = TENANT_ID
        self.clients: dict[str, Client] = {}
        self.user = User()
        self.rooms: dict[str, Room] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.device_codes: dict[str, DeviceCode] = {}
        self.faults: list[Fault] = []
        self.records: list[Record] = []
        self.prefer_zones: list[str] = []  # Prefer: outlook.timezone of each calendarView
        self.token_requests: Counter[str] = Counter()  # grant_type -> count
        self.approve_after_polls = 2
        self.decline_logins = False  # the "user" presses Cancel on the sign-in page
        self.access_token_lifetime = 3600
        self.latency = 0.0  # seconds added to every Graph HTTP request (benchmarks)
        self.active: Counter[str] = Counter()
        self.max_active: Counter[str] = Counter()
        self._codes = itertools.count(1)

    # -- setup helpers used by tests --------------------------------------------------

    def add_client(self, client_id: str, **kw: object) -> Client:
        client = Client(client_id, **kw)  # type: ignore[arg-type]
        self.clients[client_id] = client
        return client

    def add_room(self, email: str, name: str | None = None, **kw: object) -> Room:
        room = Room(email.lower(), name or email.split("@")[0], **kw)  # type: ignore[arg-type]
        self.rooms[room.email] = room
        return room

    def add_event(self, room: str, start: datetime, end: datetime, **kw: object) -> GraphEvent:
        """A meeting arriving as an invitation, so the room's calendar processing applies."""
        event = GraphEvent(start, end, **kw)  # type: ignore[arg-type]
        target = self.rooms[room.lower()]
        if target.delete_subject:
            event.subject = event.organizer_name
        with self.lock:
            target.events.append(event)
        return event

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            for rt in self.refresh_tokens.values():
                rt.revoked = True

    def expire_refresh_tokens(self) -> None:
        with self.lock:
            for rt in self.refresh_tokens.values():
                rt.expired = True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for grant in self.access_tokens.values():
                grant.expires = 0

    def script(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def next_code(self) -> int:
        return next(self._codes)

    def take_fault(self, path: str, mailbox: str, is_envelope: bool) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, mailbox, is_envelope):
                    fault.times -= 1
                    return fault
        return None

    def record(self, method: str, path: str, mailbox: str, status: int, in_batch: bool) -> None:
        with self.lock:
            self.records.append(Record(time.monotonic(), method, path, mailbox, status, in_batch))

    def graph_records(self, pattern: str = "") -> list[Record]:
        with self.lock:
            return [r for r in self.records if re.search(pattern, r.path)]
