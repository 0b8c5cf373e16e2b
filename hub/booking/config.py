"""The `[booking]` table: booking from the sign's buttons and the phone page behind its QR code.

    [booking]
    url = "http://signs.example.com:8081"   # how phones reach this hub (the QR code's address)
    listen = "0.0.0.0:8081"                  # serve the phone page here (default: on the
                                             # [web] dashboard's server, else 0.0.0.0:8081)
    pin_file = "/etc/roomink/booking.pin"    # optional: actions on the phone page need it
    subject = "Booked at the sign"

No `[booking]` table: booking is off. Errors name file, line and key like the rest of the config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.config import HubConfig, _Validator

KEYS = ("url", "listen", "pin", "pin_file", "subject", "durations", "extend")


@dataclass(frozen=True)
class BookingConfig:
    # Base address of the phone page as phones see it; None: no QR code on the signs.
    url: str | None = None
    host: str = "0.0.0.0"
    port: int = 8081
    # None: anyone holding the room's link (everyone who can read its sign) may book.
    pin: str | None = None
    subject: str = "Booked at the sign"
    durations: tuple[int, ...] = (15, 30, 60)
    extend: int = 15
    # True when `listen` was given: serve the page there even if the dashboard runs (the
    # dashboard may listen on loopback only, while phones must reach the booking page).
    listen_given: bool = False


def parse_booking_config(config: HubConfig) -> BookingConfig | None:
    """The booking settings, or None when the config has no `[booking]` table."""
    table = config.tables.get("booking")
    if table is None:
        return None
    v = _Validator(config.path, config.text)
    v.only_keys(table, "booking", KEYS)
    url = v.get(table, "url", str, "booking", None)
    if url is not None:
        if not re.match(r"^https?://[^/\s]+", url):
            v.fail("booking.url", f"{url!r}: use the address phones open, e.g. "
                   "\"http://signs.example.com:8081\"")
        url = url.rstrip("/")
    host, port = v.listen(table, "booking", "0.0.0.0:8081")
    pin = v.secret(table, "pin", "booking", config.base_dir)
    if pin is not None and len(pin) < 4:
        v.fail("booking.pin_file" if "pin_file" in table else "booking.pin",
               "the PIN must be at least 4 characters")
    durations = v.get(table, "durations", list, "booking", [15, 30, 60])
    if not durations or not all(isinstance(m, int) and not isinstance(m, bool) and 5 <= m <= 480
                                for m in durations):
        v.fail("booking.durations", "a list of minutes between 5 and 480, e.g. [15, 30, 60]")
    extend = v.get(table, "extend", int, "booking", 15)
    if not 5 <= extend <= 240:
        v.fail("booking.extend", f"{extend}: minutes between 5 and 240")
    subject = v.get(table, "subject", str, "booking", BookingConfig.subject).strip()
    if not subject:
        v.fail("booking.subject", "must not be empty")
    return BookingConfig(url=url, host=host, port=port,
                         pin=pin, subject=subject, durations=tuple(durations), extend=extend,
                         listen_given="listen" in table)
