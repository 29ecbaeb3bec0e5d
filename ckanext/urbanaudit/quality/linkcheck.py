"""Link health: does an access or download URL answer?

HEAD first; if the server refuses HEAD, a ranged GET that reads at most the
configured number of bytes. Redirects are followed by hand, each hop checked.

No server-side request forgery through a steward's URL: before every hop the
host name is resolved and the request is refused if any of its addresses is
not a global one (loopback, private, link-local, carrier-grade NAT, reserved,
multicast, IPv4-mapped forms of these), unless the allow-list
``ckanext.urbanaudit.quality.link_check_allow`` names the host or a network
holding the address. The connection itself checks its peer address again, so a
name that resolves differently the second time (DNS rebinding) gets nowhere.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

USER_AGENT = "ckanext-urbanaudit link check"
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Settings:
    allow: tuple[str, ...] = ()
    timeout: float = 10.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 5


@dataclass
class Outcome:
    url: str
    status_code: int | None = None
    content_type: str | None = None
    size: int | None = None
    final_url: str | None = None
    error: str | None = None


def _allowed_by_list(host: str, ip: ipaddress._BaseAddress | None, allow: tuple[str, ...]) -> bool:
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


def _public(ip: ipaddress._BaseAddress) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def address_refusal(host: str, address: str, allow: tuple[str, ...]) -> str | None:
    """Why ``address`` (one of ``host``'s) must not be contacted, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if _public(ip) or _allowed_by_list(host, ip, allow):
        return None
    return f"refused: {host} resolves to {ip}, a non-public address"


def refusal(url: str, allow: tuple[str, ...]) -> str | None:  # noqa: PLR0911
    """Why ``url`` must not be fetched (scheme, host or any resolved address), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme or '-'} (only http and https are checked)"
    host = parts.hostname
    if not host:
        return "refused: no host name"
    if _allowed_by_list(host, None, allow):
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


class _Guard:
    """Mixed into urllib3's connections: checks the peer address of every new socket."""

    allow: tuple[str, ...] = ()

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        host = self.host  # type: ignore[attr-defined]
        if not _allowed_by_list(host, None, self.allow):
            reason = address_refusal(host, sock.getpeername()[0], self.allow)
            if reason:
                sock.close()
                raise NewConnectionError(self, reason)  # type: ignore[arg-type]
        return sock


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, allow: tuple[str, ...], **kwargs) -> None:
        self._allow = allow
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        allow = self._allow
        http_conn = type("GuardedHTTPConnection", (_Guard, HTTPConnection), {"allow": allow})
        https_conn = type("GuardedHTTPSConnection", (_Guard, HTTPSConnection), {"allow": allow})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


def session(settings: Settings) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy from the environment: the peer must be the host checked
    retry = Retry(total=2, connect=1, read=1, status=0, redirect=0, backoff_factor=0.3,
                  allowed_methods=frozenset({"HEAD", "GET"}), raise_on_redirect=False, raise_on_status=False)
    adapter = _GuardedAdapter(settings.allow, max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    return s


def _size(response: requests.Response) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        if total.isdigit():
            return int(total)
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and response.status_code != 206:
        return int(length)
    return None


def check(url: str, settings: Settings, http: requests.Session | None = None) -> Outcome:
    """Check one URL; never raises for network trouble (the outcome says what happened)."""
    http = http or session(settings)
    outcome = Outcome(url=url)
    method = "HEAD"
    current = url
    hops = 0
    while True:
        reason = refusal(current, settings.allow)
        if reason:
            outcome.error = reason if current == url else f"redirect to {current}: {reason}"
            outcome.final_url = current
            return outcome
        try:
            if method == "HEAD":
                response = http.head(current, allow_redirects=False, timeout=settings.timeout)
            else:
                response = http.get(current, allow_redirects=False, timeout=settings.timeout, stream=True,
                                    headers={"Range": f"bytes=0-{max(settings.max_bytes - 1, 0)}"})
                read = 0
                for chunk in response.iter_content(64 * 1024):
                    read += len(chunk)
                    if read >= settings.max_bytes:
                        break
                response.close()
        except requests.RequestException as exc:
            text = str(exc)
            outcome.error = ("refused: " + text.split("refused: ", 1)[1][:300]) if "refused: " in text \
                else f"{type(exc).__name__}: {text[:300]}"
            outcome.final_url = current
            if method == "HEAD" and "refused: " not in text:
                method = "GET"  # some servers drop HEAD; try the ranged GET once
                outcome.error = None
                continue
            return outcome
        if response.status_code in REDIRECTS and response.headers.get("Location"):
            hops += 1
            if hops > settings.max_redirects:
                outcome.status_code = response.status_code
                outcome.error = f"more than {settings.max_redirects} redirects"
                outcome.final_url = current
                return outcome
            current = urljoin(current, response.headers["Location"])
            continue
        if method == "HEAD" and response.status_code >= 400:
            method = "GET"
            continue
        outcome.status_code = response.status_code
        outcome.content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip() or None
        outcome.size = _size(response)
        outcome.final_url = current
        return outcome
