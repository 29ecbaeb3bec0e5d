"""The HTTP client every harvester of this package uses to talk to a source API.

- a ``requests.Session`` with urllib3 ``Retry`` (connect/read errors and HTTP 429/500/502/503/504,
  exponential back-off, ``Retry-After`` honoured up to ``max_wait`` seconds);
- timeouts on every request;
- a quota limiter shared through Redis by every process (gather and fetch consumers), with any number
  of windows (e.g. GUS BDL: 5 per second, 100 per 15 minutes, 1000 per 12 hours);
- conditional requests: the ETag / Last-Modified of each answer is kept in Redis with the body, the next
  request sends If-None-Match / If-Modified-Since and a 304 answer reuses the kept body;
- the shared SSRF guard (:mod:`ckanext.urbanaudit.netguard`) on every connection: the source URL, each
  redirect hop (followed by hand) and each absolute ``next`` link must resolve to a public address, unless
  ``ckanext.urbanaudit.http.allow`` names it;
- a size cap (the body is streamed and refused past ``max_bytes``) and a total deadline per request
  (connection, retries and every byte of the answer);
- paged lists that end: at most ``max_pages`` pages, and a repeated ``next`` or a page that brings no new
  item is an error, not a loop;
- one exception, :class:`SourceError`, whose message says which source, which URL and what went wrong —
  never the answer's body. Malformed, truncated, non-JSON or too deeply nested JSON is a SourceError too.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urljoin

import requests
from ckan.lib.redis import connect_to_redis
from redis import Redis
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse

from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit import netguard

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5
CACHE_TTL = 30 * 24 * 3600
CHUNK = 64 * 1024


class SourceError(Exception):
    """A source could not be read: the message is meant for the harvest job's error list."""


class QuotaExceeded(SourceError):
    """A quota of the source is used up for longer than the client may wait."""


@dataclass(frozen=True)
class Quota:
    limit: int
    period: float  # seconds

    def __str__(self) -> str:
        return f"{self.limit} requests per {_duration(self.period)}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


class Limiter:
    """Sliding-window request limiter kept in Redis (sorted sets of request times, one per window)."""

    def __init__(self, redis: Redis, key: str, quotas: list[Quota], max_wait: float, source: str) -> None:
        self.redis, self.key, self.quotas, self.max_wait, self.source = redis, key, quotas, max_wait, source
        self.waited = 0.0

    def _window(self, quota: Quota) -> str:
        return f"{self.key}:{quota.limit}/{quota.period:g}"

    def block_until(self, timestamp: float) -> None:
        """The source said (Retry-After) not to ask before ``timestamp``."""
        self.redis.set(f"{self.key}:blocked", repr(timestamp), ex=max(1, int(timestamp - time.time()) + 1))

    def acquire(self) -> None:
        while True:
            now = time.time()
            wait, reason = 0.0, ""
            blocked = self.redis.get(f"{self.key}:blocked")
            if blocked and float(blocked) > now:
                wait, reason = float(blocked) - now, "the source asked to wait (Retry-After)"
            for quota in self.quotas:
                window = self._window(quota)
                self.redis.zremrangebyscore(window, 0, now - quota.period)
                if self.redis.zcard(window) >= quota.limit:
                    oldest = self.redis.zrange(window, 0, 0, withscores=True)
                    quota_wait = (oldest[0][1] + quota.period - now) if oldest else 0.0
                    if quota_wait > wait:
                        wait, reason = quota_wait, f"quota of {quota} used up"
            if wait <= 0:
                for quota in self.quotas:
                    window = self._window(quota)
                    self.redis.zadd(window, {f"{now}:{uuid.uuid4().hex[:8]}": now})
                    self.redis.expire(window, int(quota.period) + 1)
                return
            if wait > self.max_wait:
                raise QuotaExceeded(
                    f"{self.source}: {reason}; the next request is possible in {wait:.0f} s, "
                    f"longer than the {self.max_wait:g} s this harvester may wait. Run the job again later."
                )
            self.waited += wait
            time.sleep(wait)


def _capped_retry(max_wait: float, source: str, limiter: Limiter | None) -> type[netguard.GuardedRetry]:
    class CappedRetry(netguard.GuardedRetry):
        """Retry that refuses to sleep longer than ``max_wait`` on a Retry-After and tells the limiter."""

        def sleep_for_retry(self, response: BaseHTTPResponse | None = None) -> bool:
            retry_after = self.get_retry_after(response) if response is not None else None
            if retry_after is not None:
                if limiter is not None:
                    limiter.block_until(time.time() + retry_after)
                if retry_after > max_wait:
                    raise QuotaExceeded(
                        f"{source}: the source answered HTTP {response.status} and asks to wait "
                        f"{retry_after:.0f} s (Retry-After), longer than the {max_wait:g} s this harvester may "
                        f"wait. Run the job again later."
                    )
            return super().sleep_for_retry(response)

    return CappedRetry


class SourceClient:
    """GETs JSON from one source API."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        quotas: list[Quota] | None = None,
        timeout: float = 30,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 120,
        conditional: bool = True,
        redis: Redis | None = None,
        namespace: str = "default",
        allow: tuple[str, ...] | None = None,
        max_bytes: int = 100 * 1024 * 1024,
        deadline: float = 300,
        max_pages: int = 10000,
    ) -> None:
        self.source, self.base_url, self.timeout = source, base_url.rstrip("/"), timeout
        self.conditional = conditional
        if allow is None:  # the site's allow-list (ckanext.urbanaudit.http.allow)
            allow = ua_config.http_settings()["allow"]
        self.allow, self.max_bytes, self.deadline, self.max_pages = tuple(allow), max_bytes, deadline, max_pages
        if redis is None:
            redis = connect_to_redis()
        self.redis = redis
        self.key = f"urbanaudit:{namespace}:http:{source}"
        self.limiter = Limiter(redis, f"{self.key}:quota", quotas, max_wait, source) if quotas else None
        retry_class = _capped_retry(max_wait, source, self.limiter)
        retry = retry_class(
            total=retries, connect=retries, read=retries, status=retries, other=0, redirect=0,
            backoff_factor=backoff, status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
        )
        self.session = netguard.session(self.allow, retry, "ckanext-urbanaudit harvester")
        self.session.headers["Accept"] = "application/json"
        self.session.headers.update(headers or {})
        self.stats = {"requests": 0, "not_modified": 0}

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        if params:
            pairs = []
            for key, value in params.items():
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    pairs.append((key, item))
            url += ("&" if "?" in url else "?") + urlencode(pairs)
        return url

    def follow_next(self, path: str, params: dict[str, Any], results: str) -> Iterator[dict]:
        """Every item of a paged JSON list: the ``results`` array of the first answer and of each answer its
        ``links.next`` URL leads to, until there is none or a page is empty. A list that loops — a ``next``
        seen before, a page that brings no item not seen on an earlier page, more than ``max_pages``
        pages — is a SourceError (a loop means the list cannot be trusted to be complete)."""
        url = self.url(path, params)
        answer = self.get_json(url)
        seen_urls = {url}
        pages = PageGuard(self, url)
        while True:
            items = answer[results]
            yield from pages.new_items(items)
            following = (answer.get("links") or {}).get("next")
            if not following or not items:
                return
            following = urljoin(url, following)
            if following in seen_urls:
                raise SourceError(f"{self.source}: the list at {url} loops (its next link {following} was "
                                  f"already read)")
            seen_urls.add(following)
            pages.next_page()
            answer = self.get_json(following)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = self.url(path, params)
        cache_key = f"{self.key}:cache:{hashlib.sha1(url.encode()).hexdigest()}"
        headers = {}
        cached = None
        if self.conditional:
            raw = self.redis.get(cache_key)
            cached = json.loads(raw) if raw else None
            if cached and cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached and cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        status, response_headers, body = self._get(url, headers)
        if status == 304 and cached is not None:
            self.stats["not_modified"] += 1
            return json.loads(cached["body"])
        if status == 429:
            retry_after = response_headers.get("Retry-After")
            raise QuotaExceeded(f"{self.source}: HTTP 429 Too Many Requests from {url}"
                                + (f" (Retry-After: {retry_after} s)" if retry_after else ""))
        if status >= 400:  # the body is never echoed: it is the source's (or an attacker's) text
            raise SourceError(f"{self.source}: HTTP {status} {_phrase(status)} from {url}".rstrip())
        content_type = (response_headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if "html" in content_type:
            raise SourceError(f"{self.source}: the answer from {url} is {content_type}, not JSON")
        parsed = self.parse(url, body)
        if self.conditional and (response_headers.get("ETag") or response_headers.get("Last-Modified")):
            self.redis.set(cache_key, json.dumps({
                "etag": response_headers.get("ETag"),
                "last_modified": response_headers.get("Last-Modified"),
                "body": body.decode("utf-8"),
            }), ex=CACHE_TTL)
        return parsed

    def parse(self, url: str, body: bytes) -> Any:
        """JSON of an answer; malformed, truncated or too deeply nested JSON is a SourceError."""
        try:
            return json.loads(body)
        except RecursionError:
            raise SourceError(f"{self.source}: the answer from {url} is JSON nested too deeply to read") from None
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
            raise SourceError(f"{self.source}: the answer from {url} is not valid JSON ({e})") from None

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, requests.structures.CaseInsensitiveDict, bytes]:
        """Status, headers and body of ``url``, redirects followed by hand (each hop guarded), within the
        deadline and the size cap."""
        with netguard.Deadline(self.deadline) as deadline:
            try:
                result = self._get_within(url, headers)
            except SourceError:
                if deadline.expired:
                    raise self._late(url) from None
                raise
            if deadline.expired:  # a body cut short by the watchdog
                raise self._late(url)
            return result

    def _late(self, url: str) -> SourceError:
        return SourceError(f"{self.source}: no complete answer from {url} within the deadline of "
                           f"{self.deadline:g} s")

    def _get_within(self, url: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            reason = netguard.refusal(current, self.allow)
            if reason:
                where = url if current == url else f"a redirect from {url}"  # never the target's address
                raise SourceError(f"{self.source}: {where}: {reason}")
            response = self._send(current, headers)
            try:
                if response.status_code in netguard.REDIRECTS and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                return response.status_code, response.headers, self._read(current, response)
            finally:
                response.close()
        raise SourceError(f"{self.source}: more than {MAX_REDIRECTS} redirects from {url}")

    def _read(self, url: str, response: requests.Response) -> bytes:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise SourceError(f"{self.source}: the answer from {url} is larger than {self.max_bytes} bytes")
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK):
                body += chunk
                if len(body) > self.max_bytes:
                    raise SourceError(f"{self.source}: the answer from {url} is larger than {self.max_bytes} bytes")
        except requests.RequestException as e:
            raise SourceError(f"{self.source}: the answer from {url} broke off ({type(e).__name__})") from None
        return bytes(body)

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        self.stats["requests"] += 1
        try:
            return self.session.get(url, headers=headers, timeout=netguard.timeouts(self.timeout, self.timeout),
                                    stream=True, allow_redirects=False)
        except requests.Timeout:
            raise SourceError(f"{self.source}: no answer from {url} within {self.timeout:g} s") from None
        except requests.exceptions.RetryError:
            raise SourceError(f"{self.source}: {url} kept failing after retries") from None
        except requests.ConnectionError as e:
            if netguard.refused_in(e):
                raise SourceError(f"{self.source}: {url}: {netguard.NOT_PUBLIC}") from None
            reason = getattr(e.args[0], "reason", None) if e.args else None
            if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError)):  # a timeout after the last retry
                raise SourceError(f"{self.source}: no answer from {url} within {self.timeout:g} s") from None
            raise SourceError(f"{self.source}: cannot connect to {url} ({type(e).__name__})") from None
        except requests.RequestException as e:
            raise SourceError(f"{self.source}: cannot read {url} ({type(e).__name__})") from None


class PageGuard:
    """Keeps a paged list finite: at most ``client.max_pages`` pages, and every page must bring an item not
    seen on an earlier one (by its ``id``, else its content)."""

    def __init__(self, client: SourceClient, url: str) -> None:
        self.client, self.url, self.pages, self.seen = client, url, 1, set()

    def next_page(self) -> None:
        self.pages += 1
        if self.pages > self.client.max_pages:
            raise SourceError(f"{self.client.source}: the list at {self.url} goes on past "
                              f"{self.client.max_pages} pages (ckanext.urbanaudit.http.max_pages)")

    def new_items(self, items: list, key: str = "id") -> list:
        """The page's items; a SourceError if the page is not empty and brings nothing new."""
        fresh = False
        for item in items:
            value = item.get(key) if isinstance(item, dict) else None
            marker = f"{key}:{value}" if value is not None else \
                hashlib.sha1(json.dumps(item, sort_keys=True).encode()).hexdigest()
            if marker not in self.seen:
                self.seen.add(marker)
                fresh = True
        if items and not fresh:
            raise SourceError(f"{self.client.source}: page {self.pages} of the list at {self.url} brings no new "
                              f"item (the paging loops)")
        return items


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
