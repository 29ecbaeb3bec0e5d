"""The one guarded HTTP layer of outgoing requests: the harvesters' source client and the quality link check.

No server-side request forgery: before a URL is requested its host name is resolved and the request is
refused if any of its addresses is not a public one (loopback, private, link-local, carrier-grade NAT,
reserved, multicast, the cloud metadata address 169.254.169.254, and the IPv6 forms that carry or reach
such an address: IPv4-mapped ``::ffff:0:0/96`` and IPv4-compatible ``::/96``, NAT64 ``64:ff9b::/96`` and
``64:ff9b:1::/48``, 6to4 ``2002::/16``, Teredo ``2001::/32``, site-local ``fec0::/10``), unless an
allow-list names the host or a network holding the address. The connection itself checks its peer address
again (a name that resolves differently the second time — DNS rebinding — gets nowhere), so every redirect
hop and every absolute link a source hands out is checked too. Refusals never name the resolved address.

A total deadline per request (:class:`Deadline`): a watchdog shuts the request's sockets down when it
passes, so a server that answers one byte at a time cannot hold the caller past it, and no retry starts
after it.
"""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

NOT_PUBLIC = "refused: not a public address"
# answers whose Location both the harvesters and the link check follow themselves, hop by hop, guard checked
REDIRECTS = (301, 302, 303, 307, 308)

# IPv6 ranges ipaddress' is_global lets through although they reach or embed other addresses
_NOT_GLOBAL_V6 = tuple(ipaddress.ip_network(n) for n in (
    "::/96",            # IPv4-compatible (deprecated)
    "64:ff9b::/96",     # NAT64, well-known prefix
    "64:ff9b:1::/48",   # NAT64, local use
    "2002::/16",        # 6to4
    "2001::/32",        # Teredo
    "fec0::/10",        # site-local (deprecated)
))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(NewConnectionError):
    """A connection to a non-public peer was refused (never retried)."""


class DeadlinePassed(Urllib3Timeout):
    """The request's total deadline has passed (never retried)."""


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        if any(ip in network for network in _NOT_GLOBAL_V6):
            return False
    return ip.is_global and not ip.is_multicast


def allowed_by_list(host: str, ip: IPAddress | None, allow: tuple[str, ...]) -> bool:
    for raw in allow:
        entry = raw.strip().lower()
        if not entry:
            continue
        if host and entry == host.lower().strip("[]"):
            return True
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def address_refusal(host: str, address: str, allow: tuple[str, ...]) -> str | None:
    """Why ``address`` (one of ``host``'s) must not be contacted, or None. The text never names it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if is_public(ip) or allowed_by_list(host, ip, allow):
        return None
    return NOT_PUBLIC


def refusal(url: str, allow: tuple[str, ...]) -> str | None:  # noqa: PLR0911
    """Why ``url`` must not be fetched (scheme, host or any resolved address), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme or '-'} (only http and https)"
    host = parts.hostname
    if not host:
        return "refused: no host name"
    if allowed_by_list(host, None, allow):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "refused: invalid port"
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"name not resolved: {host} ({exc})"
    for info in infos:
        reason = address_refusal(host, info[4][0], allow)
        if reason:
            return reason
    return None


# ------------------------------------------------------------------------------------------- deadline

_local = threading.local()


class Deadline:
    """``with Deadline(seconds):`` every connection the current thread uses meanwhile is shut down when the
    time is up; :attr:`expired` says whether that happened."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._expired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._end = 0.0
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Self:
        self._end = time.monotonic() + self.seconds
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        _local.deadline = self
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        _local.deadline = None
        with self._lock:
            self._connections.clear()

    @property
    def expired(self) -> bool:
        """The time is up: the watchdog has shut the connections, or is about to. A read timeout capped at the
        remaining time (``timeouts``) fires at the very end, maybe just before the watchdog's timer: the failure
        it causes is the deadline's all the same."""
        return self._expired or (self._end > 0 and time.monotonic() >= self._end)

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def register(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            for connection in self._connections:
                sock = getattr(connection, "sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


def current_deadline() -> Deadline | None:
    return getattr(_local, "deadline", None)


def timeouts(connect: float, read: float) -> tuple[float, float]:
    """Connect and read timeouts, neither past the current deadline."""
    deadline = current_deadline()
    if deadline is None:
        return connect, read
    left = max(deadline.remaining(), 0.001)
    return min(connect, left), min(read, left)


class GuardedRetry(Retry):
    """Retry that never retries a refused address and starts nothing after the deadline."""

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None,
                  _stacktrace: TracebackType | None = None) -> Self:
        deadline = current_deadline()
        if isinstance(error, Refused) or (deadline is not None and deadline.expired):
            raise MaxRetryError(_pool, url or "", error)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)


# ----------------------------------------------------------------------------------- guarded sockets

class _Guard:
    """Mixed into urllib3's connections: checks the peer address of every new socket."""

    allow: tuple[str, ...] = ()

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        host = self.host  # type: ignore[attr-defined]
        if not allowed_by_list(host, None, self.allow):
            reason = address_refusal(host, sock.getpeername()[0], self.allow)
            if reason:
                sock.close()
                raise Refused(self, reason)  # type: ignore[arg-type]
        return sock


class _DeadlinePool:
    """Mixed into urllib3's pools: the connections a request takes are watched by its deadline."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        deadline = current_deadline()
        if deadline is not None:
            if deadline.expired:
                self._put_conn(connection)  # type: ignore[attr-defined]
                raise DeadlinePassed("the deadline has passed")
            deadline.register(connection)
        return connection


class GuardedAdapter(HTTPAdapter):
    def __init__(self, allow: tuple[str, ...], **kwargs: Any) -> None:
        self._allow = tuple(allow)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        allow = self._allow
        http_conn = type("GuardedHTTPConnection", (_Guard, HTTPConnection), {"allow": allow})
        https_conn = type("GuardedHTTPSConnection", (_Guard, HTTPSConnection), {"allow": allow})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (_DeadlinePool, HTTPConnectionPool), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (_DeadlinePool, HTTPSConnectionPool), {"ConnectionCls": https_conn}),
        }


def session(allow: tuple[str, ...], retry: Retry, user_agent: str) -> requests.Session:
    """A requests session whose every connection is guarded. No proxy from the environment: the peer must be
    the host checked."""
    s = requests.Session()
    s.trust_env = False
    adapter = GuardedAdapter(allow, max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = user_agent
    return s


def refused_in(exc: BaseException) -> bool:
    """Whether a requests exception comes from a refused address."""
    return NOT_PUBLIC in str(exc) or any(isinstance(a, Refused) for a in _causes(exc))


def _causes(exc: BaseException) -> list[Any]:
    found, todo = [], [exc]
    while todo:
        item = todo.pop()
        found.append(item)
        for nested in (*getattr(item, "args", ()), getattr(item, "reason", None)):
            if isinstance(nested, BaseException) and nested not in found:
                todo.append(nested)
    return found
