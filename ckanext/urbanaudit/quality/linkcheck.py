"""Link health: does an access or download URL answer?

HEAD first; if the server refuses HEAD, a ranged GET that reads at most the
configured number of bytes. Redirects are followed by hand, each hop checked;
the whole check of one URL (every hop) has a total deadline.

No server-side request forgery through a steward's URL: every hop and every
connection goes through the shared guard (:mod:`ckanext.urbanaudit.netguard`),
with the allow-list ``ckanext.urbanaudit.quality.link_check_allow``. A refusal
is stored as "refused: not a public address", never naming the address (the
stored error is public through ``urbanaudit_quality_show``).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from ckanext.urbanaudit import netguard
from ckanext.urbanaudit.netguard import NOT_PUBLIC, REDIRECTS, refusal

USER_AGENT = "ckanext-urbanaudit link check"


@dataclass(frozen=True)
class Settings:
    allow: tuple[str, ...] = ()
    timeout: float = 10.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 5
    deadline: float = 30.0


@dataclass
class Outcome:
    url: str
    status_code: int | None = None
    content_type: str | None = None
    size: int | None = None
    final_url: str | None = None
    error: str | None = None


def session(settings: Settings) -> requests.Session:
    retry = netguard.GuardedRetry(total=2, connect=1, read=1, status=0, redirect=0, backoff_factor=0.3,
                                  allowed_methods=frozenset({"HEAD", "GET"}), raise_on_redirect=False,
                                  raise_on_status=False)
    return netguard.session(settings.allow, retry, USER_AGENT)


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
    with netguard.Deadline(settings.deadline) as deadline:
        outcome = _check(url, settings, http)
        if deadline.expired:
            outcome.status_code, outcome.content_type, outcome.size = None, None, None
            outcome.error = f"no complete answer within {settings.deadline:g} s"
    return outcome


def _check(url: str, settings: Settings, http: requests.Session) -> Outcome:
    outcome = Outcome(url=url)
    method = "HEAD"
    current = url
    hops = 0
    while True:
        reason = refusal(current, settings.allow)
        if reason:
            # the stored error is public: it never names the address (nor a redirect target's)
            outcome.error = reason if current == url else f"{reason} (redirect)"
            outcome.final_url = current
            return outcome
        timeout = netguard.timeouts(settings.timeout, settings.timeout)
        try:
            if method == "HEAD":
                response = http.head(current, allow_redirects=False, timeout=timeout)
            else:
                response = http.get(current, allow_redirects=False, timeout=timeout, stream=True,
                                    headers={"Range": f"bytes=0-{max(settings.max_bytes - 1, 0)}"})
                read = 0
                for chunk in response.iter_content(64 * 1024):
                    read += len(chunk)
                    if read >= settings.max_bytes:
                        break
                response.close()
        except requests.RequestException as exc:
            refused = netguard.refused_in(exc)
            outcome.error = NOT_PUBLIC if refused else f"{type(exc).__name__}: {str(exc)[:300]}"
            outcome.final_url = current
            if method == "HEAD" and not refused:
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
