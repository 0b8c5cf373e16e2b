"""Calendar sources: each fetches one room's events and normalises them into `Event`s.

Sources know nothing of screens or MQTT. Failures are raised as `SourceError` subclasses so
the hub can tell a transient fault (retry later) from one the admin must fix. Sources that
can book (`WritableSource`) check for conflicts right before each write.
"""

from hub.sources.base import (
    BookingConflict,
    CalendarSource,
    SourceAuthError,
    SourceDataError,
    SourceError,
    SourceUnavailable,
    WritableSource,
)

__all__ = [
    "BookingConflict",
    "CalendarSource",
    "SourceAuthError",
    "SourceDataError",
    "SourceError",
    "SourceUnavailable",
    "WritableSource",
]
