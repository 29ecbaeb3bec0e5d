"""The map widgets of ckanext-spatial (the search page's location filter, the dataset page's extent) are drawn
with the configured base map, or, where none is configured (tests, the offline demo), without tiles: never with
ckanext-spatial's "No map provider set" notice, which its JavaScript shows when the map type is empty."""
from __future__ import annotations

import html
import json
import re

import pytest
from ckan.tests import factories, helpers

from tests.inventory_records import full_record

CONFIG = re.compile(r'data-module-map_config="([^"]*)"')
OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def map_configs(page: str) -> list[dict]:
    return [json.loads(html.unescape(found)) for found in CONFIG.findall(page)]


@pytest.fixture
def record(clean_db, clean_index):
    org = factories.Organization(name="wydzial-srodowiska")
    return helpers.call_action("package_create", {"user": factories.Sysadmin()["name"]}, **full_record(org["id"]))


def pages(app, record) -> dict[str, str]:
    return {url: app.get(url, status=200).get_data(as_text=True) for url in ("/dataset/", f"/dataset/{record['name']}")}


def test_item_22_without_a_map_provider_the_map_widgets_are_drawn_without_tiles_and_without_an_error(app, record):
    for url, page in pages(app, record).items():
        configs = map_configs(page)
        assert configs, f"{url}: no map widget"
        for config in configs:
            # an empty type is what makes ckanext-spatial's common_map.js print "No map provider set"
            assert config.get("type") == "custom", (url, config)
            assert config["custom_url"].startswith("data:image/"), (url, config)  # a blank tile: nothing fetched
        assert "No map provider set" not in page


@pytest.mark.ckan_config("ckanext.spatial.common_map.type", "custom")
@pytest.mark.ckan_config("ckanext.spatial.common_map.custom_url", OSM)
def test_item_22_a_configured_map_provider_reaches_the_widgets(app, record):
    for url, page in pages(app, record).items():
        assert [c.get("custom_url") for c in map_configs(page)] == [OSM], url
