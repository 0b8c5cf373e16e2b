"""Booking from the room: the sign's buttons and the phone page behind its QR code.

`BookingFeature` wires it into a hub; `BookingService` carries out actions against a room's
calendar (idempotent, one writer per room, conflict-checked by the source); `offer` says
which actions a room offers at a moment. See docs/booking.md.
"""

from hub.booking.config import BookingConfig, parse_booking_config
from hub.booking.feature import BookingFeature
from hub.booking.offer import Action, room_offer
from hub.booking.service import BookingService, Outcome

__all__ = ["Action", "BookingConfig", "BookingFeature", "BookingService", "Outcome",
           "parse_booking_config", "room_offer"]
