"""roomink hub: reads room calendars, renders screens and delivers them to display nodes."""

__version__ = "0.1.0"
