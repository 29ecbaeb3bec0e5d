"""The HTTP client every harvester of this package uses to talk to a source API.

- a ``requests.Session`` with urllib3 ``Retry`` (connect/read errors and HTTP 429/500/502/503/504,
  exponential back-off, ``Retry-After`` honoured up to ``max_wait`` seconds);
- timeouts on every request;
- a quota limiter shared through Redis by every process (gather and fetch consumers), with any number
  of windows (e.g. GUS BDL: 5 per second, 100 per 15 minutes, 1000 per 12 hours);
- conditional requests: the ETag / Last-Modified of each answer is kept in Redis with the body, the next
  request sends If-None-Match / If-Modified-Since and a 304 answer reuses the kept body;
- one exception, :class:`SourceError`, whose message says which source, which URL and what went wrong.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from ckan.lib.redis import connect_to_redis
from redis import Redis
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
CACHE_TTL = 30 * 24 * 3600


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


def _capped_retry(max_wait: float, source: str, limiter: Limiter | None) -> type[Retry]:
    class CappedRetry(Retry):
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
    ) -> None:
        self.source, self.base_url, self.timeout = source, base_url.rstrip("/"), timeout
        self.conditional = conditional
        if redis is None:
            redis = connect_to_redis()
        self.redis = redis
        self.key = f"urbanaudit:{namespace}:http:{source}"
        self.limiter = Limiter(redis, f"{self.key}:quota", quotas, max_wait, source) if quotas else None
        retry_class = _capped_retry(max_wait, source, self.limiter)
        retry = retry_class(
            total=retries, connect=retries, read=retries, status=retries, other=0,
            backoff_factor=backoff, status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True, raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "ckanext-urbanaudit harvester"})
        self.session.headers.update(headers or {})
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
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
        ``links.next`` URL leads to, until there is none or it repeats."""
        answer = self.get_json(path, params)
        seen = set()
        while True:
            yield from answer[results]
            following = (answer.get("links") or {}).get("next")
            if not following or following in seen:
                return
            seen.add(following)
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
        response = self._send(url, headers)
        if response.status_code == 304 and cached is not None:
            self.stats["not_modified"] += 1
            return json.loads(cached["body"])
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After")
            raise QuotaExceeded(f"{self.source}: HTTP 429 Too Many Requests from {url}"
                                + (f" (Retry-After: {retry_after} s)" if retry_after else ""))
        if response.status_code >= 400:
            snippet = " ".join(response.text[:200].split())
            raise SourceError(f"{self.source}: HTTP {response.status_code} {response.reason} from {url}"
                              + (f": {snippet}" if snippet else ""))
        try:
            body = response.json()
        except ValueError as e:
            raise SourceError(f"{self.source}: the answer from {url} is not valid JSON ({e})") from None
        if self.conditional and (response.headers.get("ETag") or response.headers.get("Last-Modified")):
            self.redis.set(cache_key, json.dumps({
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "body": response.text,
            }), ex=CACHE_TTL)
        return body

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        self.stats["requests"] += 1
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise SourceError(f"{self.source}: no answer from {url} within {self.timeout:g} s") from None
        except requests.exceptions.RetryError as e:
            raise SourceError(f"{self.source}: {url} kept failing after retries ({e})") from None
        except requests.ConnectionError as e:
            reason = getattr(e.args[0], "reason", None) if e.args else None
            if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError)):  # a timeout after the last retry
                raise SourceError(f"{self.source}: no answer from {url} within {self.timeout:g} s") from None
            raise SourceError(f"{self.source}: cannot connect to {url} ({type(e).__name__})") from None
        return response
