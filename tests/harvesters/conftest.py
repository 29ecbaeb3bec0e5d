"""Fixtures of the harvester tests."""
from __future__ import annotations

import pytest

from ckanext.urbanaudit.cities.city_file import load

# the start of the synthetic city file the harvester tests load (each adds its departments and sources)
TESTOWO = """
slug: testowo
name: Testowo (synthetic)
teryt: "2661011"
organization: {name: um-testowo, title: Urząd Testowa}
"""


@pytest.fixture
def clean(clean_db, clean_index, clean_queues, clean_redis):
    """Empty database, search index, harvest queues and Redis (quota windows, conditional-request cache)."""


@pytest.fixture
def local_city(clean, source_server, ckan_config, monkeypatch, tmp_path):
    """Loads a city file whose ``source`` API (bdl, gios, ...) is the local source server, without retries."""

    def load_file(source: str, text: str) -> None:
        monkeypatch.setitem(ckan_config, f"ckanext.urbanaudit.source.{source}_url", source_server.url)
        monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.http.retries", 0)
        (tmp_path / f"{source}.yaml").write_text(text, "utf-8")
        load(tmp_path / f"{source}.yaml")

    return load_file
