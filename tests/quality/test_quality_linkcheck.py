"""Link health checks against a real local HTTP server, and the refusals that keep them from SSRF."""
from __future__ import annotations

import time

import pytest
import requests
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories, helpers

from ckanext.urbanaudit.quality import linkcheck
from ckanext.urbanaudit.quality.model import LinkCheck
from tests.harvesters import http_faults as faults
from tests.quality.link_server import BODY
from tests.quality.test_quality_flow import dataset

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
    assert outcome.error == "refused: not a public address (redirect)"
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


# ------------------------------------------------------------------------------ issue 13, item 14

@pytest.mark.parametrize("url", [
    "http://[64:ff9b::7f00:1]:{port}/ok.csv",    # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/latest/",       # NAT64 of the metadata service 169.254.169.254
    "http://[::7f00:1]:{port}/ok.csv",           # IPv4-compatible 127.0.0.1
    "http://[2002:7f00:1::1]:{port}/ok.csv",     # 6to4 of 127.0.0.1
    "http://[fec0::1]/",                         # site-local
    "http://[::ffff:10.0.0.1]/",                 # IPv4-mapped private address
    "http://[::ffff:a9fe:a9fe]/latest/",         # IPv4-mapped metadata service
])
def test_item_14_nat64_ipv4_compatible_6to4_site_local_and_mapped_addresses_are_refused(server, url):
    started = time.monotonic()
    outcome = linkcheck.check(url.format(port=server.port), NO_ALLOW)
    assert (outcome.status_code, outcome.error) == (None, "refused: not a public address")
    assert server.requests == []
    assert time.monotonic() - started < 2  # refused, not a connection attempt that timed out


def test_item_14_a_link_check_has_a_total_deadline():
    slow = faults.FaultServer()
    try:
        slow.route("/slow.csv", faults.slow_headers(seconds=30))
        settings = linkcheck.Settings(allow=("127.0.0.1",), timeout=2, deadline=3)
        started = time.monotonic()
        outcome = linkcheck.check(slow.url() + "/slow.csv", settings)
        elapsed = time.monotonic() - started
    finally:
        slow.stop()
    assert outcome.status_code is None
    assert outcome.error == "no complete answer within 3 s"
    assert elapsed < 8  # the server would trickle for 30 s; each read comes well within the 2 s timeout


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "")
def test_item_14_a_refused_link_shown_by_quality_show_does_not_name_the_internal_address(server, cli):
    org = factories.Organization()
    pkg = dataset(org, resources=[{"url": server.url("/ok.csv"), "format": "CSV"}])  # localhost -> 127.0.0.1
    result = cli.invoke(ckan_cli, ["urbanaudit", "quality", "recompute", "--id", pkg["id"], "--check-links"])
    assert result.exit_code == 0, result.output
    assert "Link checks made: 1" in result.output  # the CLI still checks inline
    stored = model.Session.query(LinkCheck).filter_by(url=server.url("/ok.csv")).one()
    shown = helpers.call_action("urbanaudit_quality_show", {"user": "", "ignore_auth": False}, id=pkg["id"])
    [check] = shown["link_checks"]
    assert check["error"] == "refused: not a public address"
    assert "127.0.0.1" not in str(shown) and "::1" not in check["error"]
    assert stored.error == "refused: not a public address"
    assert server.requests == []


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_redis")
@pytest.mark.ckan_config("ckanext.urbanaudit.quality.link_check_allow", "localhost")
def test_item_14_check_links_from_the_api_is_queued_not_run_inside_the_request(server, app, cli):
    org = factories.Organization()
    pkg = dataset(org, resources=[{"url": server.url("/ok.csv"), "format": "CSV"}])
    admin = factories.SysadminWithToken()
    response = app.post("/api/3/action/urbanaudit_quality_recompute",
                        json={"id": pkg["id"], "check_links": True},
                        headers={"Authorization": admin["token"]})
    result = response.json["result"]
    assert result["jobs"] and result["datasets"] == 1 and "score" not in result
    assert server.requests == []  # no link was checked inside the web request
    worker = cli.invoke(ckan_cli, ["jobs", "worker", "--burst"])
    assert worker.exit_code == 0, worker.output
    assert ("HEAD", "/ok.csv") in server.requests  # the background job checked it
    shown = helpers.call_action("urbanaudit_quality_show", id=pkg["id"])
    assert [c["status_code"] for c in shown["link_checks"]] == [200]
