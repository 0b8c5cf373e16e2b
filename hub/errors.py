"""Errors meant for the person at the terminal: printed as one line, never as a traceback."""


class UserError(Exception):
    """Bad input or setup the user can fix; `str()` says what and how."""
