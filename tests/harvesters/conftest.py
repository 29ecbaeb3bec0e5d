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


def ckan_portal_source(name: str, department: str, full_compare_hours: float | None = 0) -> str:
    """The city file's block of a CKAN-portal source at ``URL`` harvesting into ``department``; by default every
    job a full comparison (``full_compare_hours: 0``), None: the site's schedule of incremental jobs."""
    schedule = "" if full_compare_hours is None else f"\n      full_compare_hours: {full_compare_hours}"
    return f"""  - name: {name}
    type: urbanaudit_ckan
    url: URL
    frequency: WEEKLY
    config:
      department: {department}{schedule}
      defaults: {{data_steward: "Biuro Otwartych Danych", legal_basis: "ustawa o otwartych danych",
                 personal_data: "no", spatial_resolution: city,
                 frequency: "http://publications.europa.eu/resource/authority/frequency/IRREG"}}
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
