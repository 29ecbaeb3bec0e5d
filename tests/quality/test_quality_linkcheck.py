"""Link health checks against a real local HTTP server, and the refusals that keep them from SSRF."""
from __future__ import annotations

import pytest
import requests

from ckanext.urbanaudit.quality import linkcheck
from tests.quality.link_server import BODY

ALLOW_LOCALHOST = linkcheck.Settings(allow=("localhost",), timeout=5, max_bytes=4096)
NO_ALLOW = linkcheck.Settings(timeout=5)


def test_a_working_link_records_status_content_type_and_size(server):
    outcome = linkcheck.check(server.url("/ok.csv"), ALLOW_LOCALHOST)
    assert (outcome.status_code, outcome.content_type, outcome.size, outcome.error) == (
        200, "text/csv", len(BODY), None)
    assert server.requests == [("HEAD", "/ok.csv")]


def test_head_refused_falls_back_to_a_ranged_get_within_the_size_cap(server):
    outcome = linkcheck.check(server.url("/nohead.csv"), ALLOW_LOCALHOST)
    assert outcome.status_code == 206
    assert outcome.size == len(BODY)  # from Content-Range, without downloading the file
    assert server.requests == [("HEAD", "/nohead.csv"), ("GET", "/nohead.csv")]


def test_a_missing_file_is_recorded_as_404(server):
    outcome = linkcheck.check(server.url("/gone.csv"), ALLOW_LOCALHOST)
    assert outcome.status_code == 404


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/ok.csv",
    "http://127.8.9.10/",
    "http://10.0.0.5/internal",
    "http://10.255.1.1:8080/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/ok.csv",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]:{port}/ok.csv",
    "http://0.0.0.0:{port}/ok.csv",
    "http://localhost:{port}/ok.csv",  # a host name resolving to loopback
    "ftp://example.org/file.csv",
    "file:///etc/passwd",
])
def test_private_loopback_and_link_local_addresses_are_refused_without_a_request(server, url):
    outcome = linkcheck.check(url.format(port=server.port), NO_ALLOW)
    assert outcome.status_code is None
    assert outcome.error.startswith("refused")
    assert server.requests == []


def test_a_redirect_to_a_refused_address_is_not_followed(server):
    target = f"http://127.0.0.1:{server.port}/ok.csv"
    outcome = linkcheck.check(server.url("/redirect?to=" + target), ALLOW_LOCALHOST)
    assert outcome.status_code is None
    assert outcome.error.startswith(f"redirect to {target}: refused")
    assert server.requests == [("HEAD", "/redirect?to=" + target)]
    metadata = linkcheck.check(server.url("/redirect?to=http://169.254.169.254/latest/"), ALLOW_LOCALHOST)
    assert "refused" in metadata.error


def test_a_redirect_to_an_allowed_host_is_followed(server):
    outcome = linkcheck.check(server.url(f"/redirect?to={server.url('/ok.csv')}"), ALLOW_LOCALHOST)
    assert outcome.status_code == 200
    assert outcome.final_url == server.url("/ok.csv")


def test_the_allow_list_takes_networks_too(server):
    settings = linkcheck.Settings(allow=("127.0.0.0/8",), timeout=5)
    assert linkcheck.check(server.url("/ok.csv", host="127.0.0.1"), settings).status_code == 200


def test_the_connection_itself_refuses_a_non_public_peer(server):
    """Even past the name check (DNS rebinding), the socket's peer address is checked."""
    http = linkcheck.session(NO_ALLOW)
    with pytest.raises(requests.ConnectionError, match="refused"):
        http.get(server.url("/ok.csv", host="127.0.0.1"), timeout=5)
    assert server.requests == []
