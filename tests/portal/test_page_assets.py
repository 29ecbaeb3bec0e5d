"""Each web asset checked for a rebuild once per process (portal/page_assets.py): the pages name the same built
files as on their first view, every one of them is served, and a later view no longer compares the bundles' sources
with their output."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from ckan.lib import webassets_tools
from flask import Response, g
from webassets.bundle import Bundle

from ckanext.urbanaudit.portal import page_assets

PAGES = ["/", "/dataset/", "/dataset/?q=powietrza&res_format=CSV", "/indicator"]


def _assets(app, page: str) -> list[str]:
    response = app.get(page)
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [s["src"] for s in soup.select("script[src]")] + [
        link["href"] for link in soup.select('link[rel="stylesheet"]')]


@pytest.fixture
def unchecked():
    """Every bundle as in a new process (an earlier test's pages may have checked them in this one)."""
    env = webassets_tools.env
    kept = {name: env[name].config.get("auto_build") for name in env._named_bundles}
    for name, value in kept.items():
        if value is not None:
            del env[name].config["auto_build"]
    yield
    for name, value in kept.items():
        if value is not None:
            env[name].config["auto_build"] = value


@pytest.fixture
def builds(monkeypatch, unchecked):
    """The bundles webassets builds or compares with their sources (its ``auto_build`` step)."""
    seen: list[Bundle] = []
    original = Bundle._build

    def spy(self, ctx, *args, **kwargs):
        seen.append(self)
        return original(self, ctx, *args, **kwargs)

    monkeypatch.setattr(Bundle, "_build", spy)
    return seen


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_pages_name_the_same_built_assets_and_check_them_once(app, builds):
    first = {page: _assets(app, page) for page in PAGES}
    assert builds, "the first views check the bundles as CKAN does"
    assert all(first.values()) and any("webassets" in url for urls in first.values() for url in urls)
    builds.clear()
    again = {page: _assets(app, page) for page in PAGES}
    assert again == first
    assert builds == []  # no bundle compared with its sources again
    for url in {url for urls in first.values() for url in urls if "/webassets/" in url}:
        assert app.get(url).status_code == 200, url  # the built file each page names is there


@pytest.mark.parametrize(("debug", "status"), [(True, 200), (False, 500)])
def test_in_debug_mode_or_after_a_server_error_nothing_is_turned_off(app, monkeypatch, debug, status):
    monkeypatch.setattr(webassets_tools.env, "debug", debug)
    bundle = webassets_tools.env["base/main"]
    monkeypatch.setitem(bundle.config, "auto_build", True)
    with app.flask_app.test_request_context("/"):
        g._webassets = {"included": {"base/main"}, "script": [], "style": []}
        page_assets.after_request(Response(status=status))  # a build that failed: checked again on the next page
        assert bundle.config.get("auto_build") is True
        page_assets.after_request(Response(status=200))
    assert bundle.config.get("auto_build") is debug  # in debug mode never; after a page that worked, off
