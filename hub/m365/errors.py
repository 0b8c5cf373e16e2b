"""Graph failures sorted into the hub's three outcomes, with the admin's fix in one table.

    SourceError
    ├── SourceUnavailable ── GraphUnavailable   throttled (429), 5xx, network, timeout:
    │                                           retried here; `retry_after` says when to try again
    └── SourceAuthError ──── GraphAuthError     401 / 403 / 404 and token problems: stop and
                             │                  tell the admin exactly what to change
                             └── GraphRejected  one room's request refused otherwise (e.g. 400
                                                inside a `$batch`): that room only fails

Anything else (a 400 from our own malformed request, unexpected JSON) is a bug: it is
raised as `GraphBugError` so the hub logs the traceback instead of hiding it — except for
one room's answer inside a batch, which becomes that room's `GraphRejected`, so one odd
mailbox never stops the other rooms.
"""

from __future__ import annotations

from hub.sources.base import SourceAuthError, SourceUnavailable

LOGIN_FIX = "run `roomink login` on the hub"


class GraphUnavailable(SourceUnavailable):
    """Transient: Graph throttled us, failed, or could not be reached."""

    def __init__(self, message: str, retry_after: float | None = None, status: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class GraphAuthError(SourceAuthError):
    """The admin must act; `code` is Graph's error code (or ours, for token problems)."""

    def __init__(self, message: str, status: int = 0, code: str = "", room: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.room = room


class GraphRejected(GraphAuthError):
    """Graph refused one room's calendar request with an error we do not expect (e.g. 400).

    Raised for that room only: the others of the batch go on. `str()` is one line naming the
    room and Graph's code and message, for the hub's log.
    """


class GraphBugError(RuntimeError):
    """Graph rejected a request we built: a bug in roomink, not a setup problem."""


def rejected(room: str, status: int, code: str, message: str) -> GraphRejected:
    """One room's unexpected refusal, with the first line of Graph's message (no trace ids)."""
    first = (message.splitlines() or [""])[0].strip()[:200]
    return GraphRejected(f"{room}: Microsoft Graph refused this room's calendar request "
                         f"({status} {code or 'error'}: {first}); the other rooms are not "
                         "affected — check the room's address, and report it to roomink if "
                         "it is right", status, code, room)


def read_fix(room: str) -> str:
    return (f"make the sign-in account a delegate of {room} "
            f"(Add-MailboxFolderPermission -Identity \"{room}:\\Calendar\" -User <account> "
            "-AccessRights Reviewer) or, for app-only access, include the room in the app's "
            "Exchange RBAC scope or ApplicationAccessPolicy; new permissions can take up to "
            "24 h to apply")


def write_fix(room: str) -> str:
    return (f"booking needs Editor rights: Set-MailboxFolderPermission (Add-... if none yet) "
            f"-Identity \"{room}:\\Calendar\" -User <account> -AccessRights Editor, then "
            "`booking = true` and a fresh `roomink login`")


# Graph error codes that mean "this address is not a mailbox we can see".
NOT_FOUND_CODES = frozenset({"ErrorItemNotFound", "ErrorInvalidUser", "ResourceNotFound",
                             "MailboxNotEnabledForRESTAPI", "ErrorNonExistentMailbox"})


def classify(status: int, code: str, message: str, room: str = "", write: bool = False,
             retry_after: float | None = None) -> Exception:
    """The exception for one failed Graph response. `room` is "" for tenant-wide calls."""
    where = f"{room}: " if room else ""
    if status in (429, 503, 504) or status >= 500:
        wait = f"; retry in {retry_after:.0f} s" if retry_after is not None else ""
        return GraphUnavailable(f"{where}Microsoft Graph {status} {code or 'error'}{wait}",
                                retry_after=retry_after, status=status)
    if status == 401:
        return GraphAuthError(f"{where}sign-in no longer accepted by Microsoft Graph ({code}): "
                              f"{LOGIN_FIX}", status, code, room)
    if status == 403:
        fix = write_fix(room) if write and room else read_fix(room) if room else (
            "grant the missing permission to the app registration and consent to it")
        return GraphAuthError(f"{where}access denied ({code or 'Forbidden'}): {fix}",
                              status, code, room)
    if status == 404 or code in NOT_FOUND_CODES:
        return GraphAuthError(f"{where}no such mailbox or calendar ({code}): check the room's "
                              "e-mail address (`roomink rooms` lists them)", status, code, room)
    return GraphBugError(f"{where}Graph rejected the request: {status} {code}: {message}")
