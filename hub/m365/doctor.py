"""`roomink doctor`: walks the Microsoft 365 setup step by step and names the step that fails.

Steps, in order: sign-in (token present and refreshable) → permissions granted to the token
→ the room list (/places; missing = hidden from the address list) → each room's calendar
(403 = not a delegate, or made one less than 24 h ago; 404 = wrong address) → subjects
(room mailbox defaults replacing the subject with the organizer's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.m365.auth import DelegatedAuth, TokenProvider, token_claims
from hub.m365.config import SCOPE_PLACES, SCOPE_READ, SCOPE_WRITE, M365Config
from hub.m365.errors import GraphAuthError, GraphUnavailable
from hub.m365.graph import GraphClient
from hub.m365.rooms import list_rooms
from hub.m365.source import GraphRoomCalendars
from hub.schedule import Event
from hub.sources.base import SourceError

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    step: str
    status: str  # ok / warn / fail
    message: str
    room: str = ""

    def line(self) -> str:
        where = f"{self.room}: " if self.room else ""
        return f"[{self.status.upper():4}] {self.step:<11} {where}{self.message}"


def calendar_processing_fix(room: str) -> str:
    return (f"Set-CalendarProcessing -Identity {room} -DeleteSubject $false "
            "-AddOrganizerToSubject $false -DeleteComments $false -RemovePrivateProperty $false")


def subjects_replaced(events: list[Event]) -> bool:
    """True when meeting subjects look like Exchange put the organizer's name there.

    Room mailboxes default to DeleteSubject + AddOrganizerToSubject, so every subject becomes
    the organizer's name. Private meetings carry no subject here and are left out.
    """
    named = [e for e in events if e.organizer and not e.private]
    if not named:
        return False
    hits = sum(e.subject.strip().casefold() == e.organizer.strip().casefold() for e in named)
    return hits >= 1 and hits * 2 >= len(named)


def _delegate_fix(room: str, user: str) -> str:
    return (f"Add-MailboxFolderPermission -Identity \"{room}:\\Calendar\" -User {user} "
            "-AccessRights Reviewer (Editor for booking)")


class Doctor:
    def __init__(self, config: M365Config, auth: TokenProvider, client: GraphClient) -> None:
        self.config = config
        self.auth = auth
        self.client = client
        self.calendars = GraphRoomCalendars(client, config.timezone, config.page_size)

    def _user(self) -> str:
        name = self.auth.account_name() if isinstance(self.auth, DelegatedAuth) else None
        return name or "<sign-in account>"

    def check_sign_in(self) -> tuple[list[Finding], str | None]:
        try:
            token = self.auth.token()
        except SourceError as exc:
            return [Finding("sign-in", FAIL, str(exc))], None
        who = self._user() if self.config.auth == "delegated" else f"app {self.config.client_id}"
        return [Finding("sign-in", OK, f"token for {who} from {self.config.authority_url}")], token

    def check_permissions(self, token: str) -> list[Finding]:
        claims = token_claims(token)
        if not claims:
            return [Finding("permissions", WARN, "token is opaque; permissions not inspected")]
        delegated = self.config.auth == "delegated"
        granted = set(str(claims.get("scp", "")).split()) if delegated else set(
            claims.get("roles") or [])
        read = {SCOPE_READ, SCOPE_WRITE} if delegated else {"Calendars.Read", "Calendars.ReadWrite"}
        write = {SCOPE_WRITE} if delegated else {"Calendars.ReadWrite"}
        kind = "delegated permission" if delegated else "application permission"
        consent = ("then `roomink login` again" if delegated else "and grant admin consent")
        out = []
        if not granted & read:
            out.append(Finding("permissions", FAIL, f"{kind} {min(read)} not granted: add it to "
                               f"the app registration {self.config.client_id}, {consent}"))
        elif self.config.booking and not granted & write:
            out.append(Finding("permissions", FAIL, f"booking is on but {kind} {min(write)} is "
                               f"not granted: add it to the app registration, {consent}"))
        if SCOPE_PLACES not in granted:
            out.append(Finding("permissions", WARN, f"{SCOPE_PLACES} not granted: `roomink "
                               "rooms` and the address-list check will not work"))
        if not out:
            out.append(Finding("permissions", OK, " ".join(sorted(granted))))
        return out

    def check_room_list(self, rooms: list[str]) -> list[Finding]:
        try:
            listed = {r.email for r in list_rooms(self.client)}
        except SourceError as exc:
            return [Finding("room list", WARN, f"cannot list rooms: {exc}")]
        out = []
        for room in rooms:
            if room.lower() in listed:
                out.append(Finding("room list", OK, "listed in /places", room))
            else:
                out.append(Finding("room list", WARN, "not in the room list (/places): hidden "
                                   "from the address list, or not a room mailbox; the sign can "
                                   "still work. Fix: Set-Mailbox -Identity "
                                   f"{room} -HiddenFromAddressListsEnabled $false", room))
        return out

    def check_calendars(self, rooms: list[str], now: datetime) -> list[Finding]:
        results = self.calendars.fetch_many(rooms, now - timedelta(days=7),
                                            now + timedelta(days=7))
        out = []
        for room in rooms:
            result = results[room]
            if isinstance(result, GraphAuthError) and result.status == 403:
                fix = (_delegate_fix(room, self._user()) if self.config.auth == "delegated" else
                       "include the room in the app's Exchange RBAC for Applications scope "
                       "(or ApplicationAccessPolicy group); check with "
                       f"Test-ServicePrincipalAuthorization -Identity {self.config.client_id} "
                       f"-Resource {room}")
                out.append(Finding("calendar", FAIL, f"access denied ({result.code}): not "
                                   "delegated to this account — or delegated less than 24 h ago "
                                   f"(it can take that long). Fix: {fix}", room))
            elif isinstance(result, GraphAuthError) and result.status == 404:
                out.append(Finding("calendar", FAIL, f"no such mailbox ({result.code}): check "
                                   "the address; `roomink rooms` lists the tenant's rooms", room))
            elif isinstance(result, GraphUnavailable):
                out.append(Finding("calendar", WARN, f"temporarily unavailable: {result}", room))
            elif isinstance(result, SourceError):
                out.append(Finding("calendar", FAIL, str(result), room))
            else:
                out.append(Finding("calendar", OK, f"{len(result)} events in ±7 days", room))
                out.append(self.check_subjects(room, result))
        return out

    def check_subjects(self, room: str, events: list[Event]) -> Finding:
        if subjects_replaced(events):
            return Finding("subjects", WARN, "meeting subjects show the organizer's name (room "
                           "mailbox defaults). Fix, for new meetings: "
                           + calendar_processing_fix(room), room)
        if not any(e.organizer and not e.private for e in events):
            return Finding("subjects", OK, "no meetings to check yet", room)
        return Finding("subjects", OK, "subjects are kept", room)

    def run(self, rooms: list[str], now: datetime) -> list[Finding]:
        findings, token = self.check_sign_in()
        if token is None:
            return findings
        permissions = self.check_permissions(token)
        findings += permissions
        if any(f.status == FAIL and "not granted" in f.message and "booking" not in f.message
               for f in permissions):
            findings.append(Finding("calendar", WARN, "room checks skipped until the "
                                    "permission above is granted"))
            return findings
        if not rooms:
            findings.append(Finding("rooms", WARN, "no rooms configured (m365.rooms, or "
                                    "--room ADDRESS)"))
            return findings
        listed = self.check_room_list(rooms)
        calendars = self.check_calendars(rooms, now)
        missing = {f.room for f in calendars if f.status == FAIL and "no such mailbox" in f.message}
        general = [f for f in listed if not f.room]
        per_room = [f for f in listed if f.room and not (f.room in missing and f.status == WARN)]
        per_room += calendars
        order = {room: i for i, room in enumerate(rooms)}
        # Grouped by room, in the order the steps ran (sort is stable).
        return findings + general + sorted(per_room, key=lambda f: order.get(f.room, -1))
