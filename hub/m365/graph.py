"""A small Microsoft Graph HTTP client: retries, throttling, paging and JSON `$batch`.

Rules it keeps (learn.microsoft.com/graph/throttling, /graph/json-batching):
- 429, 503 and 504 are retried after `Retry-After` (seconds or an HTTP date); without it,
  exponential backoff with jitter. One call (a poll of the rooms, a booking) sleeps at most
  `retry_budget` seconds in all, because it runs on the hub's single worker thread; a wait
  that does not fit is not slept through: the call fails with
  `GraphUnavailable(retry_after=...)` and the next poll tries again after that time.
- Network errors and timeouts are retried the same way (a write that timed out is not: it
  may have happened).
- Never more than 4 requests in flight per mailbox (Outlook's per-app-per-mailbox limit).
- `$batch` carries at most 20 requests; throttled sub-requests are retried individually.
- A 401 gets one forced token refresh before it becomes `GraphAuthError`.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import requests

from hub.m365.auth import TokenProvider
from hub.m365.config import M365Config
from hub.m365.errors import GraphBugError, GraphUnavailable, classify
from hub.sources.http_cache import parse_retry_after

log = logging.getLogger(__name__)

BATCH_LIMIT = 20
MAILBOX_CONCURRENCY = 4
RETRY_BUDGET = 5.0  # seconds one call may sleep between retries, in all
RETRY_STATUSES = frozenset({429, 503, 504})
FINAL = "X-Roomink-Final"  # marks answers we made up for a failed envelope: do not retry
_MAILBOX_RE = re.compile(r"/users/([^/?]+)", re.IGNORECASE)


def mailbox_of(url: str) -> str:
    """The mailbox a Graph URL targets ("" for tenant-wide calls like /places)."""
    m = _MAILBOX_RE.search(url)
    return unquote(m.group(1)).lower() if m else ""


class MailboxLimiter:
    """Counts requests in flight per mailbox; takes all of a request's slots at once.

    Taking every slot a batch needs in one step (no hold-and-wait) cannot deadlock.
    """

    def __init__(self, limit: int = MAILBOX_CONCURRENCY) -> None:
        self.limit = limit
        self._busy: Counter[str] = Counter()
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, mailboxes: Counter[str]) -> Iterator[None]:
        need = Counter({m: min(n, self.limit) for m, n in mailboxes.items() if m})
        with self._cond:
            self._cond.wait_for(lambda: all(self._busy[m] + n <= self.limit
                                            for m, n in need.items()))
            self._busy.update(need)
        try:
            yield
        finally:
            with self._cond:
                self._busy.subtract(need)
                self._cond.notify_all()


class RetryBudget:
    """The seconds one call may still sleep before retrying, shared by its threads.

    Parallel `$batch` envelopes draw on the same budget, so the sum of all sleeps (and so the
    time the hub's worker waits for them) never exceeds it.
    """

    def __init__(self, seconds: float) -> None:
        self.left = seconds
        self._lock = threading.Lock()

    def take(self, wait: float) -> bool:
        """Reserve `wait` seconds of sleep; False (nothing reserved) if they do not fit."""
        with self._lock:
            if wait > self.left:
                return False
            self.left -= wait
            return True


@dataclass
class SubRequest:
    """One request inside a `$batch`; `url` is relative to the version root ("/users/…")."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class SubResponse:
    status: int
    headers: dict[str, str]
    body: Any

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)

    def error(self) -> tuple[str, str]:
        err = self.body.get("error", {}) if isinstance(self.body, dict) else {}
        return str(err.get("code", "")), str(err.get("message", ""))


def _error_of(resp: requests.Response) -> tuple[str, str]:
    try:
        err = resp.json().get("error", {})
        return str(err.get("code", "")), str(err.get("message", ""))
    except (ValueError, AttributeError):
        return "", resp.text[:200]


@dataclass
class Stats:
    """What the client did; read by the benchmark and by tests."""

    http_requests: int = 0
    sub_requests: int = 0
    retries: int = 0
    throttled: int = 0


class GraphClient:
    """Sends Graph requests with a token from `auth`, over one shared `requests` session."""

    def __init__(self, config: M365Config, auth: TokenProvider, session: requests.Session,
                 max_retries: int = 6, max_wait: float = 120.0, base_backoff: float = 1.0,
                 parallel_batches: int = 4, sleep: Callable[[float], None] = time.sleep,
                 retry_budget: float = RETRY_BUDGET) -> None:
        self.root = config.graph_root
        self.timeout = config.timeout
        self.auth = auth
        self.session = session
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.retry_budget = retry_budget
        self.base_backoff = base_backoff
        self.parallel_batches = parallel_batches
        self.sleep = sleep
        self.limiter = MailboxLimiter()
        self.stats = Stats()
        self._stats_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------

    def _count(self, **deltas: int) -> None:
        with self._stats_lock:
            for name, n in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + n)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        cap = min(self.max_wait, self.base_backoff * 2 ** attempt)
        return cap / 2 + random.uniform(0, cap / 2)

    def budget(self) -> RetryBudget:
        """A fresh sleep budget for one call: pass it down so its retries share it."""
        return RetryBudget(self.retry_budget)

    def _may_sleep(self, attempt: int, wait: float, budget: RetryBudget) -> bool:
        return attempt < self.max_retries and wait <= self.max_wait and budget.take(wait)

    def _wait_or_give_up(self, attempt: int, retry_after: float | None, what: str,
                         budget: RetryBudget, status: int = 0) -> None:
        wait = retry_after if retry_after is not None else self.backoff(attempt)
        if not self._may_sleep(attempt, wait, budget):
            raise GraphUnavailable(f"{what}; retry in {wait:.0f} s", retry_after=wait,
                                   status=status)
        self._count(retries=1)
        log.debug("%s; retrying in %.1f s", what, wait)
        self.sleep(wait)

    def url(self, path: str) -> str:
        return path if path.startswith("https://") or path.startswith("http://") \
            else self.root + path

    def relative(self, url: str) -> str:
        """An absolute Graph URL (an @odata.nextLink) as a `$batch` sub-request URL."""
        return url[len(self.root):] if url.startswith(self.root) else url

    # -- single requests ------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                json: Any = None, headers: dict[str, str] | None = None, room: str = "",
                write: bool = False, budget: RetryBudget | None = None) -> Any:
        """One Graph call with retries; returns the decoded JSON body (None if empty)."""
        budget = budget or self.budget()
        url = self.url(path)
        mailbox = room.lower() or mailbox_of(url)
        refreshed = False
        attempt = 0
        while True:
            token = self.auth.token(force_refresh=refreshed)
            hdrs = {"Authorization": f"Bearer {token}", **(headers or {})}
            try:
                with self.limiter.hold(Counter({mailbox: 1})):
                    self._count(http_requests=1)
                    resp = self.session.request(method, url, params=params, json=json,
                                                headers=hdrs, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if write and isinstance(exc, requests.ReadTimeout):
                    # The write may have happened: retrying could book the room twice.
                    raise GraphUnavailable(f"{room}: no answer from Microsoft Graph; check the "
                                           "calendar before trying again") from exc
                self._wait_or_give_up(attempt, None, f"{room or 'Graph'}: "
                                      f"{type(exc).__name__} talking to Microsoft Graph", budget)
                attempt += 1
                continue
            if resp.status_code == 401 and not refreshed:
                refreshed = True
                continue
            if resp.status_code in RETRY_STATUSES:
                self._count(throttled=int(resp.status_code == 429))
                code, _ = _error_of(resp)
                self._wait_or_give_up(attempt, parse_retry_after(resp.headers.get("Retry-After")),
                                      f"{room or 'Graph'}: {resp.status_code} {code}",
                                      budget, resp.status_code)
                attempt += 1
                continue
            if resp.status_code >= 400:
                code, message = _error_of(resp)
                raise classify(resp.status_code, code, message, room, write)
            if not resp.content:
                return None
            try:
                return resp.json()
            except ValueError as exc:
                raise GraphBugError(f"{url}: response is not JSON") from exc

    def get_all(self, path: str, *, params: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, room: str = "") -> list[dict[str, Any]]:
        """Every item of a collection, following `@odata.nextLink` page by page."""
        items: list[dict[str, Any]] = []
        budget = self.budget()  # one for all pages: paging must not multiply the waiting
        page = self.request("GET", path, params=params, headers=headers, room=room,
                            budget=budget)
        while True:
            items.extend(page.get("value", []))
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return items
            page = self.request("GET", next_link, headers=headers, room=room, budget=budget)

    # -- $batch ---------------------------------------------------------------------------

    def _chunks(self, indexes: list[int], reqs: list[SubRequest]) -> list[list[int]]:
        """Up to 20 requests per batch and at most 4 for one mailbox."""
        chunks: list[list[int]] = []
        counts: list[Counter[str]] = []
        for i in indexes:
            mailbox = mailbox_of(reqs[i].url)
            for chunk, count in zip(chunks, counts, strict=True):
                if len(chunk) < BATCH_LIMIT and count[mailbox] < MAILBOX_CONCURRENCY:
                    chunk.append(i)
                    count[mailbox] += 1
                    break
            else:
                chunks.append([i])
                counts.append(Counter({mailbox: 1}))
        return chunks

    def _post_batch(self, chunk: list[int], reqs: list[SubRequest],
                    budget: RetryBudget) -> dict[int, SubResponse]:
        body: dict[str, list[dict[str, Any]]] = {"requests": []}
        for i in chunk:
            r = reqs[i]
            item: dict[str, Any] = {"id": str(i), "method": r.method, "url": r.url}
            headers = dict(r.headers)
            if r.body is not None:
                item["body"] = r.body
                headers.setdefault("Content-Type", "application/json")
            if headers:
                item["headers"] = headers
            body["requests"].append(item)
        mailboxes = Counter(mailbox_of(reqs[i].url) for i in chunk)
        self._count(sub_requests=len(chunk))
        try:
            with self.limiter.hold(mailboxes):
                answer = self.request("POST", "/$batch", json=body,
                                      headers={"Content-Type": "application/json"},
                                      budget=budget)
        except GraphUnavailable as exc:
            # The whole envelope failed, after its own retries: every request in it failed
            # the same way, and retrying them again here would only multiply the waiting.
            fail = SubResponse(exc.status or 503,
                               {"Retry-After": f"{exc.retry_after or 0:.0f}", FINAL: "1"},
                               {"error": {"code": "BatchUnavailable", "message": str(exc)}})
            return dict.fromkeys(chunk, fail)
        out: dict[int, SubResponse] = {}
        for item in (answer or {}).get("responses", []):
            try:
                out[int(item["id"])] = SubResponse(int(item["status"]),
                                                   dict(item.get("headers") or {}),
                                                   item.get("body"))
            except (KeyError, ValueError, TypeError) as exc:
                raise GraphBugError(f"malformed $batch response item: {item!r}") from exc
        missing = set(chunk) - set(out)
        if missing:
            raise GraphBugError(f"$batch response lacks ids {sorted(missing)}")
        return out

    def batch(self, reqs: list[SubRequest],
              budget: RetryBudget | None = None) -> list[SubResponse]:
        """Run `reqs` through `$batch`, retrying throttled ones; answers in request order.

        Failed sub-requests are returned, not raised: one bad room never fails the others.
        Throttled ones still failing when `budget` runs out keep their 429 and Retry-After.
        """
        budget = budget or self.budget()
        results: dict[int, SubResponse] = {}
        pending = list(range(len(reqs)))
        attempt = 0
        with ThreadPoolExecutor(max_workers=self.parallel_batches) as pool:
            while pending:
                chunks = self._chunks(pending, reqs)
                for answer in pool.map(lambda c: self._post_batch(c, reqs, budget), chunks):
                    results.update(answer)
                retry = [i for i in pending if results[i].status in RETRY_STATUSES
                         and not results[i].header(FINAL)]
                if not retry:
                    break
                waits = [parse_retry_after(results[i].header("Retry-After")) for i in retry]
                known = [w for w in waits if w is not None]
                wait = max(known) if known else self.backoff(attempt)
                self._count(throttled=sum(results[i].status == 429 for i in retry))
                if not self._may_sleep(attempt, wait, budget):
                    break  # leave the throttled answers in place; callers see 429 + Retry-After
                self._count(retries=len(retry))
                log.debug("%d batched requests throttled; retrying in %.1f s", len(retry), wait)
                self.sleep(wait)
                pending = retry
                attempt += 1
        return [results[i] for i in range(len(reqs))]

    def sub_error(self, resp: SubResponse, room: str = "", write: bool = False) -> Exception:
        """The exception a failed sub-response stands for (see hub.m365.errors)."""
        code, message = resp.error()
        return classify(resp.status, code, message, room, write,
                        retry_after=parse_retry_after(resp.header("Retry-After")))
