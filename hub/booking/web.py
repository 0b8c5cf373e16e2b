"""The phone page behind a sign's QR code: the room's state, and booking without an app.

Routes (a starlette `Router`, mountable on any starlette app; `hub.booking.server` serves it
on its own until the dashboard can host it):

    GET  /book/{token}          the page (read-only for everyone holding the room's link)
    GET  /book/{token}/state    the same as JSON, with a fresh form key (scripts, tests)
    POST /book/{token}          an action: use_now, extend, end, schedule

A post carries a signed form key from a page this hub served (no cross-site forms; it is also
the action's idempotency key) and the page's `version` (a fingerprint of the meetings it
showed): if the meetings changed since, the action is refused as stale. With a booking PIN
configured, actions need it once per browser (a cookie then remembers it). No JavaScript.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import threading
import time
from datetime import datetime
from datetime import time as dtime
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route, Router

from hub.booking.offer import Action, book_end, extend_end, room_offer, schedule_version
from hub.booking.service import Outcome, refused
from hub.booking.sign import SignBooking

log = logging.getLogger(__name__)

COOKIE = "roomink_booking"
WRITE_WAIT_S = 20.0
PIN_TRIES = 5  # wrong PINs per minute before PIN checks pause for a minute


class PinGate:
    """The optional per-hub booking PIN, with a pause after repeated wrong guesses."""

    def __init__(self, pin: str | None, secret: bytes) -> None:
        self.pin = pin
        self._cookie = hmac.new(secret, f"pin:{pin}".encode(), hashlib.sha256).hexdigest() \
            if pin else ""
        self._failures: list[float] = []
        self._lock = threading.Lock()

    @property
    def cookie_value(self) -> str:
        return self._cookie

    def signed_in(self, request: Request) -> bool:
        return self.pin is None or hmac.compare_digest(
            request.cookies.get(COOKIE, "").encode(), self._cookie.encode())

    def check(self, given: str) -> str | None:
        """None if `given` is the PIN, else the refusal to show."""
        with self._lock:
            now = time.monotonic()
            self._failures = [t for t in self._failures if now - t < 60]
            if len(self._failures) >= PIN_TRIES:
                return "Too many wrong PINs; wait a minute."
            if self.pin is not None and hmac.compare_digest(given.encode(), self.pin.encode()):
                return None
            self._failures.append(now)
            return "Wrong booking PIN." if given else "Enter the booking PIN."


class BookingPages:
    def __init__(self, sign: SignBooking, secret: bytes) -> None:
        self.sign = sign
        self.hub = sign.hub
        self.service = sign.service
        self.tokens = sign.tokens
        self.config = sign.config
        self.loc = sign.loc
        self.pins = PinGate(self.config.pin, secret)

    def router(self) -> Router:
        return Router(routes=[
            Route("/book/{token}", self.page, methods=["GET"]),
            Route("/book/{token}/state", self.state, methods=["GET"]),
            Route("/book/{token}", self.act, methods=["POST"]),
        ])

    def _room(self, request: Request) -> str | None:
        return self.tokens.room(request.path_params["token"])

    # -- reading -------------------------------------------------------------------------
    def _facts(self, room_id: str) -> dict:
        now = self.sign.now()
        schedule = self.hub.feeds[room_id].schedule
        current = schedule.current(now)
        facts: dict = {"room": self.hub.config.room(room_id).name, "now": now,
                       "version": schedule_version(schedule),
                       "writable": self.service.writable(room_id), "current": current,
                       "upcoming": schedule.upcoming(now), "stale": schedule.stale_since,
                       "offer": room_offer(schedule, now, self.config.durations,
                                           self.config.extend),
                       "no_data": schedule.fetched_at is None}
        if current is None:
            today = [e for e in schedule.upcoming(now) if e.start.astimezone(now.tzinfo).date()
                     == now.date()]
            facts["free_until"] = today[0].start if today else None
        return facts

    def state(self, request: Request) -> Response:
        room_id = self._room(request)
        if room_id is None:
            return JSONResponse({"error": "unknown room link"}, status_code=404)
        f = self._facts(room_id)
        current = f["current"]
        until = current.end if current else f.get("free_until")
        return JSONResponse({
            "room": f["room"], "busy": current is not None, "version": f["version"],
            "writable": f["writable"], "key": self.tokens.form_key(room_id),
            "subject": current.display_subject if current else None,
            "until": until.isoformat() if until else None,
            "actions": [a.kind for a in f["offer"]] if f["writable"] else [],
        })

    def page(self, request: Request) -> Response:
        room_id = self._room(request)
        if room_id is None:
            return HTMLResponse(_shell("Unknown room", "<p>This link does not open a room. "
                                       "Scan the code on the sign again.</p>"), 404)
        key = request.query_params.get("k", "")
        outcome = self.service.seen(key) if key else None
        return HTMLResponse(self._render(room_id, request, outcome))

    def _render(self, room_id: str, request: Request, outcome: Outcome | None) -> str:
        f = self._facts(room_id)
        loc, esc = self.loc, html.escape
        parts = [f"<h1>{esc(f['room'])}</h1>"]
        current = f["current"]
        if f["no_data"]:
            parts.append('<p class="state none">No calendar data yet</p>')
        elif current is not None:
            parts.append(f'<p class="state busy" id="state">Busy: '
                         f"{esc(current.display_subject)} until {loc.time(current.end)}</p>")
        elif f.get("free_until"):
            parts.append(f'<p class="state free" id="state">Free until '
                         f"{loc.time(f['free_until'])}</p>")
        else:
            parts.append('<p class="state free" id="state">Free for the rest of the day</p>')
        if f["stale"] is not None:
            parts.append(f'<p class="warn">Calendar not reachable since '
                         f"{loc.time(f['stale'])}; this may be out of date.</p>")
        if outcome is not None:
            cls = "ok" if outcome.ok else "err"
            parts.append(f'<p class="result {cls}" id="result">{esc(outcome.message)}</p>')
        if not f["writable"]:
            reason = esc(self.service.read_only_reason(room_id))
            parts.append('<p class="readonly" id="readonly">This room\'s calendar is '
                         f"read-only for the hub ({reason}): it cannot be booked here. Book "
                         "it in your calendar app.</p>")
        else:
            parts.append(self._forms(room_id, f, self.pins.signed_in(request)))
        if f["upcoming"]:
            items = "".join(f"<li>{loc.time_range(e.start, e.end)} "
                            f"{esc(e.display_subject)}</li>" for e in f["upcoming"]
                            if e.start.date() == f["now"].date())
            if items:
                parts.append(f"<h2>Later today</h2><ul>{items}</ul>")
        return _shell(f["room"], "\n".join(parts))

    def _forms(self, room_id: str, f: dict, signed_in: bool) -> str:
        loc, esc = self.loc, html.escape
        pin = "" if signed_in else (
            '<input name="pin" type="password" inputmode="numeric" autocomplete="off" '
            'placeholder="Booking PIN" required>')

        def form(action: str, body: str, label: str) -> str:
            return (f'<form method="post"><input type="hidden" name="action" value="{action}">'
                    f'<input type="hidden" name="key" value="{self.tokens.form_key(room_id)}">'
                    f'<input type="hidden" name="version" value="{f["version"]}">'
                    f'{body}{pin}<button type="submit" id="{action}">{esc(label)}</button>'
                    "</form>")

        out = []
        for action in f["offer"]:
            if action.kind == "extend":
                out.append(form("extend", "", f"Extend: {action.label(loc)}"))
            elif action.kind == "end":
                out.append(form("end", "", "End now"))
        books = [a for a in f["offer"] if a.kind == "book"]
        if books:
            options = "".join(
                f'<option value="{a.minutes}"{" selected" if i == 0 else ""}>'
                f'{a.minutes} min</option>' if a.until is None else
                f'<option value="{a.minutes}">until {loc.time(a.until)}</option>'
                for i, a in enumerate(books))
            out.append(form("use_now", f'<select name="minutes">{options}</select>', "Use now"))
        durations = "".join(f'<option value="{m}">{m} min</option>'
                            for m in self.config.durations)
        out.append("<h2>Later today</h2>" if not books and f["current"] is None else
                   "<h2>Schedule later today</h2>")
        out.append(form("schedule", '<input name="start" type="time" required>'
                        f'<select name="minutes">{durations}</select>', "Book"))
        return "\n".join(out)

    # -- acting --------------------------------------------------------------------------
    async def act(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > 4096:
            return Response("form too large", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        # The calendar write blocks: run it off the event loop.
        return await run_in_threadpool(self._act, request, form)

    def _act(self, request: Request, form: dict[str, str]) -> Response:
        room_id = self._room(request)
        if room_id is None:
            return HTMLResponse(_shell("Unknown room", "<p>Unknown room link.</p>"), 404)
        wants_json = "application/json" in request.headers.get("accept", "")
        key = form.get("key", "")
        if not self.tokens.check_form_key(room_id, key):
            return self._answer(request, room_id, refused(
                "This form is not from this sign's page (or the hub was reset); reload the "
                "page.", "Refused"), "", wants_json, 403)
        earlier = self.service.seen(key)
        if earlier is not None:
            return self._answer(request, room_id, earlier, key, wants_json,
                                200 if earlier.ok else 409)
        set_cookie = False
        if not self.pins.signed_in(request):
            problem = self.pins.check(form.get("pin", ""))
            if problem:
                return self._answer(request, room_id, refused(problem, "PIN"), "",
                                    wants_json, 403)
            set_cookie = True
        outcome = self._on_hub_thread(room_id, form, key)
        response = self._answer(request, room_id, outcome, key, wants_json,
                                200 if outcome.ok else 409)
        if set_cookie:
            response.set_cookie(COOKIE, self.pins.cookie_value, max_age=30 * 86400,
                                httponly=True, samesite="strict")
        return response

    def _on_hub_thread(self, room_id: str, form: dict[str, str], key: str) -> Outcome:
        """Check, write and redraw on the hub's worker thread, and wait for it there.

        Calendar sources are only ever used from that one thread (polls, sign presses, and
        these), and posts are handled strictly one after another: the second of two phones
        sees the room as the first one left it ("changed since this page was loaded").
        """
        result: list[Outcome] = []
        done = threading.Event()

        def job() -> None:
            try:
                outcome = self._perform(room_id, form, key)
                if outcome.ok:
                    self.sign.refresh_room(room_id)
                result.append(outcome)
            finally:
                done.set()

        self.hub.call_soon(job)
        if not done.wait(WRITE_WAIT_S):
            log.warning("room %s: the hub did not carry out a booking within %.0f s", room_id,
                        WRITE_WAIT_S)
            return refused("The hub is busy; reload the page in a moment to see whether it "
                           "worked.", "Busy")
        if not result:
            return refused("Something went wrong; the hub's log says what.", "Error")
        return result[0]

    def _answer(self, request: Request, room_id: str, outcome: Outcome, key: str,
                wants_json: bool, status: int = 200) -> Response:
        if wants_json:
            return JSONResponse({"ok": outcome.ok, "message": outcome.message},
                                status_code=status)
        if key and self.service.seen(key) is not None:
            # Post/redirect/get: a reload shows the outcome again instead of re-posting.
            token = request.path_params["token"]
            return RedirectResponse(f"/book/{token}?k={key}", status_code=303)
        return HTMLResponse(self._render(room_id, request, outcome), status)

    def _perform(self, room_id: str, form: dict[str, str], key: str) -> Outcome:
        now = self.sign.now()
        schedule = self.hub.feeds[room_id].schedule
        if form.get("version") != schedule_version(schedule):
            return self._remember(key, refused(
                "The room's calendar changed since this page was loaded; nothing was done. "
                "Here is the current state.", "Outdated"))
        kind = form.get("action", "")
        current = schedule.current(now)
        minutes = _int(form.get("minutes"), self.config.durations[0])
        if not 5 <= minutes <= 480:
            return self._remember(key, refused("Pick a length between 5 and 480 minutes.",
                                               "Length"))
        if kind == "use_now":
            end, capped = book_end(schedule, now, minutes)
            action = Action("book", minutes, end if capped else None)
            return self.service.perform(room_id, action, key, now)[0]
        if kind in ("end", "extend"):
            if current is None:
                return self._remember(key, refused("No meeting is on now.", "Over"))
            extra = self.config.extend
            if kind == "extend":
                end, capped = extend_end(schedule, current, extra)
                action = Action("extend", extra, end if capped else None, current.uid)
            else:
                action = Action("end", uid=current.uid)
            return self.service.perform(room_id, action, key, now)[0]
        if kind == "schedule":
            start = _today_at(form.get("start", ""), now)
            if start is None:
                return self._remember(key, refused("Give a start time like 14:30.", "Time"))
            return self.service.perform(room_id, Action("book", minutes), key, now, start)[0]
        return self._remember(key, refused(f"Unknown action {kind!r}.", "Error"))

    def _remember(self, key: str, outcome: Outcome) -> Outcome:
        """Refusals decided here are remembered under the key too (a reload shows them)."""
        return self.service.remember(key, outcome)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return -1


def _today_at(text: str, now: datetime) -> datetime | None:
    """"14:30" today in the room's zone; None when not a clock time."""
    try:
        hour, minute = (int(x) for x in text.split(":")[:2])
        return datetime.combine(now.date(), dtime(hour, minute), tzinfo=now.tzinfo)
    except ValueError:
        return None


CSS = """body{font-family:system-ui,sans-serif;max-width:30em;margin:1em auto;padding:0 1em}
.state{font-size:1.4em;font-weight:bold;padding:.5em;border-radius:.3em}
.free{background:#dfd}.busy{background:#fdd}.none{background:#eee}
.result{padding:.5em;border-left:4px solid}.ok{border-color:#080}.err{border-color:#c00}
.warn,.readonly{color:#a50}form{margin:.6em 0;display:flex;gap:.4em;flex-wrap:wrap}
button,select,input{font-size:1.1em;padding:.4em}"""


def _shell(title: str, body: str) -> str:
    return ("<!doctype html><html><head><meta charset=utf-8>"
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<meta http-equiv="refresh" content="60">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>")
