"""Booking from the room (docs/booking.md): on when the config has a `[booking]` table."""

from __future__ import annotations

from hub.booking.config import parse_booking_config


def create(app):
    config = parse_booking_config(app.config)
    if config is None:
        return None
    from hub.booking.feature import BookingFeature

    # With the dashboard running, the phone page lives on its server (the dashboard's
    # feature collects `web_routes()`), unless [booking] names a listen address of its own.
    serve = config.listen_given or "web" not in app.config.tables
    return BookingFeature(app.hub, config, app.config.state_dir, serve=serve)
