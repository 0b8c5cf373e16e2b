"""Microsoft Graph v1.0 endpoints a room sign uses, emulated with the documented shapes.

- GET  /users/{room}/calendarView   (learn.microsoft.com/graph/api/user-list-calendarview):
  startDateTime/endDateTime required, `$select`, `$top` (default 10), `$skip` paging through
  `@odata.nextLink`, `Prefer: outlook.timezone` answered with `Preference-Applied`.
- GET/POST/PATCH/DELETE /users/{room}/events[/{id}]   (the booking write path)
- GET  /places/microsoft.graph.room (place-list: 100 per page by default, hidden rooms absent)
- POST /$batch                      (json-batching: ≤ 20 requests, per-item status/headers/body)
Errors are {"error": {"code", "message", "innerError": {...}}}.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.m365_emulator.state import Fault, GraphEvent, Tenant

Answer = tuple[int, dict[str, str], Any]
EVENT_FIELDS = ("subject", "organizer", "start", "end", "isAllDay", "sensitivity", "showAs",
                "isCancelled", "type", "iCalUId", "bodyPreview", "location")
_WINDOWS = {"Pacific Standard Time": "America/Los_Angeles",
            "W. Europe Standard Time": "Europe/Berlin"}


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    body = {"error": {"code": code, "message": message, "innerError": {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}}}
    return status, {"Content-Type": "application/json", **(headers or {})}, body


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json;odata.metadata=minimal;"
                                    "odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
                    "OData-Version": "4.0", **(headers or {})}, body


ACCESS_DENIED = "Access is denied. Check credentials and try again."
NOT_FOUND = "The specified object was not found in the store."


def _zone(name: str) -> tzinfo | None:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(_WINDOWS.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _prefer_zone(headers: dict[str, str]) -> str:
    for part in headers.get("prefer", "").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip() == "outlook.timezone":
            return value.strip().strip('"')
    return "UTC"


def _graph_time(when: datetime, zone_name: str) -> dict[str, str]:
    local = when.astimezone(_zone(zone_name) or UTC).replace(tzinfo=None)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}


def _parse_graph_time(value: dict[str, str]) -> datetime:
    parsed = datetime.fromisoformat(value["dateTime"][:26].rstrip("Z"))
    zone = _zone(value.get("timeZone", "UTC")) or UTC
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _parse_iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def event_json(e: GraphEvent, zone_name: str, select: list[str] | None) -> dict[str, Any]:
    full = {
        "@odata.etag": f'W/"{uuid.uuid5(uuid.NAMESPACE_OID, e.id).hex[:20]}"', "id": e.id,
        "subject": e.subject,
        "organizer": {"emailAddress": {"name": e.organizer_name, "address": e.organizer_address}},
        "start": _graph_time(e.start, zone_name), "end": _graph_time(e.end, zone_name),
        "isAllDay": e.is_all_day, "sensitivity": e.sensitivity, "showAs": e.show_as,
        "isCancelled": e.is_cancelled, "type": e.type, "iCalUId": e.ical_uid,
        "bodyPreview": "", "location": {"displayName": ""},
    }
    if select:
        return {k: v for k, v in full.items() if k in ("@odata.etag", "id") or k in select}
    return full


class GraphAPI:
    def __init__(self, tenant: Tenant, base: str) -> None:
        self.t = tenant
        self.base = base
        self.root = f"{base}/v1.0"

    # -- authorization ------------------------------------------------------------------

    def grant_of(self, headers: dict[str, str]) -> Any:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return error(401, "InvalidAuthenticationToken", "Access token is empty.")
        grant = self.t.access_tokens.get(auth[7:])
        if grant is None:
            return error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if grant.expires < time.time():
            return error(401, "InvalidAuthenticationToken",
                         "Lifetime validation failed, the token is expired.")
        return grant

    def _mailbox_access(self, grant: Any, room_email: str, write: bool) -> Answer | None:
        room = self.t.rooms.get(room_email)
        if grant.kind == "app":
            role_ok = ("Calendars.ReadWrite" in grant.permissions or
                       (not write and "Calendars.Read" in grant.permissions))
            if not role_ok:
                return error(403, "ErrorAccessDenied", ACCESS_DENIED)
            if room is None:
                return error(404, "ErrorItemNotFound", NOT_FOUND)
            allowed = self.t.clients[grant.client_id].allowed_rooms
            if allowed is not None and room_email not in allowed:
                return error(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : "
                             "Blocked by tenant configured AppOnly AccessPolicy settings.")
            return None
        needed = {"Calendars.ReadWrite.Shared"} if write else {
            "Calendars.Read.Shared", "Calendars.ReadWrite.Shared"}
        if not needed & grant.permissions:
            return error(403, "ErrorAccessDenied", ACCESS_DENIED)
        if room is None:
            return error(404, "ErrorItemNotFound", NOT_FOUND)
        if room.access == "none" or (write and room.access != "editor"):
            return error(403, "ErrorAccessDenied", ACCESS_DENIED)
        return None

    # -- dispatch -------------------------------------------------------------------------

    def call(self, method: str, target: str, headers: dict[str, str], body: Any,
             in_batch: bool = False) -> Answer:
        """One Graph request (direct or from a batch). `target` is the path after /v1.0."""
        split = urlsplit(target if target.startswith("/") else "/" + target)
        path, query = split.path, parse_qs(split.query)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        mailbox = parts[1].lower() if len(parts) > 1 and parts[0] == "users" else ""
        fault = self.t.take_fault(path, mailbox, is_envelope=False)
        if mailbox:
            with self.t.lock:
                self.t.active[mailbox] += 1
                self.t.max_active[mailbox] = max(self.t.max_active[mailbox],
                                                 self.t.active[mailbox])
        try:
            answer = self.faulted(fault) if fault else None
            if answer is None:
                answer = self._route(method, parts, query, headers, body)
        finally:
            if mailbox:
                with self.t.lock:
                    self.t.active[mailbox] -= 1
        self.t.record(method, path, mailbox, answer[0], in_batch)
        return answer

    def faulted(self, fault: Fault) -> Answer | None:
        if fault.delay:
            time.sleep(fault.delay)
        if not fault.status:
            return None
        hdrs = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        code = fault.code or {429: "ApplicationThrottled", 503: "ServiceUnavailable",
                              504: "GatewayTimeout"}.get(fault.status, "ErrorInternalServerError")
        message = fault.message or (
            "Application is over its MailboxConcurrency limit." if fault.status == 429
            else "The service is temporarily unavailable.")
        return error(fault.status, code, message, hdrs)

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]],
               headers: dict[str, str], body: Any) -> Answer:
        grant = self.grant_of(headers)
        if isinstance(grant, tuple):
            return grant
        if parts[:2] == ["places", "microsoft.graph.room"] and method == "GET":
            return self.places(grant, query)
        if len(parts) >= 3 and parts[0] == "users":
            room = parts[1].lower()
            if parts[2] == "calendarView" and method == "GET":
                return self._mailbox_access(grant, room, False) or self.calendar_view(
                    room, query, headers)
            if parts[2] == "events":
                write = method != "GET"
                denied = self._mailbox_access(grant, room, write)
                if denied:
                    return denied
                return self.events(method, room, parts[3] if len(parts) > 3 else "", body,
                                   headers)
        return error(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")

    # -- resources ------------------------------------------------------------------------

    def calendar_view(self, room: str, query: dict[str, list[str]],
                      headers: dict[str, str]) -> Answer:
        try:
            start = _parse_iso(query["startDateTime"][0])
            end = _parse_iso(query["endDateTime"][0])
        except (KeyError, ValueError):
            return error(400, "ErrorInvalidParameter", "This request requires a time window "
                         "specified by the query string parameters StartDateTime and "
                         "EndDateTime.")
        zone_name = _prefer_zone(headers)
        with self.t.lock:
            self.t.prefer_zones.append(zone_name)
        if _zone(zone_name) is None:
            return error(400, "ErrorTimeZoneNotSupported", f"'{zone_name}' is not supported.")
        top = int(query.get("$top", ["10"])[0])
        skip = int(query.get("$skip", ["0"])[0])
        select = query["$select"][0].split(",") if "$select" in query else None
        with self.t.lock:
            events = sorted((e for e in self.t.rooms[room].events
                             if e.start < end and e.end > start), key=lambda e: e.start)
        page = events[skip:skip + top]
        body: dict[str, Any] = {
            "@odata.context": f"{self.root}/$metadata#users('{room}')/calendarView",
            "value": [event_json(e, zone_name, select) for e in page]}
        if skip + top < len(events):
            params = {"startDateTime": query["startDateTime"][0],
                      "endDateTime": query["endDateTime"][0], "$top": str(top),
                      "$skip": str(skip + top)}
            if select:
                params["$select"] = ",".join(select)
            body["@odata.nextLink"] = (f"{self.root}/users/{quote(room, safe='@')}/calendarView?"
                                       + "&".join(f"{k}={quote(v, safe=':,$')}"
                                                  for k, v in params.items()))
        return ok(body, headers={"Preference-Applied": f'outlook.timezone="{zone_name}"'})

    def events(self, method: str, room: str, event_id: str, body: Any,
               headers: dict[str, str]) -> Answer:
        zone_name = _prefer_zone(headers)
        events = self.t.rooms[room].events
        with self.t.lock:
            if method == "POST" and not event_id:
                try:
                    event = GraphEvent(_parse_graph_time(body["start"]),
                                       _parse_graph_time(body["end"]),
                                       subject=body.get("subject", ""),
                                       organizer_name=self.t.rooms[room].name,
                                       organizer_address=room,
                                       show_as=body.get("showAs", "busy"))
                except (KeyError, ValueError, TypeError):
                    return error(400, "ErrorInvalidRequest", "Your request can't be completed.")
                events.append(event)
                return ok(event_json(event, zone_name, None), status=201)
            event = next((e for e in events if e.id == event_id), None)
            if event is None:
                return error(404, "ErrorItemNotFound", NOT_FOUND)
            if method == "GET":
                return ok(event_json(event, zone_name, None))
            if method == "DELETE":
                events.remove(event)
                return 204, {}, None
            if method == "PATCH":
                if "start" in body:
                    event.start = _parse_graph_time(body["start"])
                if "end" in body:
                    event.end = _parse_graph_time(body["end"])
                if "subject" in body:
                    event.subject = body["subject"]
                if event.end < event.start:
                    return error(400, "ErrorInvalidRequest", "The end time is before the start.")
                return ok(event_json(event, zone_name, None))
        return error(405, "ErrorInvalidRequest", "Method not allowed.")

    def places(self, grant: Any, query: dict[str, list[str]]) -> Answer:
        if "Place.Read.All" not in grant.permissions:
            return error(403, "ErrorAccessDenied", ACCESS_DENIED)
        top = int(query.get("$top", ["100"])[0])
        skip = int(query.get("$skip", ["0"])[0])
        with self.t.lock:
            rooms = sorted((r for r in self.t.rooms.values() if not r.hidden),
                           key=lambda r: r.email)
        value = [{"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, r.email)).upper(),
                  "emailAddress": r.email, "displayName": r.name, "capacity": r.capacity,
                  "building": None, "floorNumber": None, "bookingType": "standard",
                  "isWheelchairAccessible": False, "tags": []} for r in rooms[skip:skip + top]]
        body: dict[str, Any] = {"@odata.context": f"{self.root}/$metadata#places/"
                                                  "microsoft.graph.room", "value": value}
        if skip + top < len(rooms):
            body["@odata.nextLink"] = (f"{self.root}/places/microsoft.graph.room?"
                                       f"$top={top}&$skip={skip + top}")
        return ok(body)

    def batch(self, headers: dict[str, str], body: Any) -> Answer:
        requests_ = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests_, list) or not requests_:
            return error(400, "BadRequest", "Invalid batch payload format.")
        if len(requests_) > 20:
            return error(400, "BadRequest", "The number of requests in a batch cannot exceed 20.")
        ids = [str(r.get("id")) for r in requests_]
        if len({i.lower() for i in ids}) != len(ids):
            return error(400, "BadRequest", "Batch request contains duplicate ids.")
        mailboxes = Counter(unquote(r["url"].lstrip("/").split("/")[1]).lower()
                            for r in requests_ if r.get("url", "").lstrip("/").startswith("users/"))
        with self.t.lock:  # the batch's requests to one mailbox are in flight together
            for m, n in mailboxes.items():
                self.t.active[m] += n - 1
                self.t.max_active[m] = max(self.t.max_active[m], self.t.active[m] + 1)
        responses = []
        try:
            for r in requests_:
                sub_headers = {"authorization": headers.get("authorization", "")}
                sub_headers.update({k.lower(): v for k, v in (r.get("headers") or {}).items()})
                status, hdrs, sub_body = self.call(r.get("method", "GET"), r["url"],
                                                   sub_headers, r.get("body"), in_batch=True)
                responses.append({"id": r["id"], "status": status, "headers": hdrs,
                                  **({"body": sub_body} if sub_body is not None else {})})
        finally:
            with self.t.lock:
                for m, n in mailboxes.items():
                    self.t.active[m] -= n - 1
        return ok({"responses": responses})


def dumps(body: Any) -> bytes:
    return b"" if body is None else json.dumps(body).encode()

