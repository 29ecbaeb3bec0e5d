"""The chained h.markdown_extract (portal/extracts.py: each description's extract made once per text) gives exactly the
extracts CKAN's own helper gives, a search page shows a record's new description as soon as it changes, and what it
keeps stays within its bound."""
from __future__ import annotations

import ckan.lib.helpers as core
import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories

from ckanext.urbanaudit.portal import extracts

TEXTS = [
    "Pomiary **jakości powietrza** w Kielcach: [GIOŚ](https://powietrze.gios.gov.pl/) i _stacje_ miejskie.",
    "<script>alert('x')</script>Opis z <b>HTML</b> &amp; encjami &lt;tag&gt; oraz `kodem`.",
    "# Nagłówek\n\n- punkt pierwszy\n- punkt drugi\n\n> cytat\n\n" + "Długi opis zbioru danych miasta. " * 20,
    "słowo " * 31 + "koniec",
    "krótki",
    "",
    None,
]


@pytest.fixture(autouse=True)
def _fresh():
    extracts.clear()
    yield
    extracts.clear()


def test_the_extracts_are_those_of_ckans_own_helper(app):
    with app.flask_app.test_request_context("/dataset/"):
        assert tk.h.markdown_extract is not core.markdown_extract  # the chained helper is the one templates call
        for _ in range(2):  # the second round gives what the first kept
            for text in TEXTS:
                for length in (190, 180, 80, 0):
                    assert tk.h.markdown_extract(text, extract_length=length) == core.markdown_extract(
                        text, extract_length=length), (text, length)
        assert tk.h.markdown_extract(TEXTS[0]) == core.markdown_extract(TEXTS[0])  # CKAN's default length
        # what the comparison covered: markup stripped, long texts shortened
        stripped = tk.h.markdown_extract(TEXTS[1], extract_length=180)
        assert "Opis z HTML" in stripped and "<b>" not in stripped and "<script>" not in stripped
        assert tk.h.markdown_extract(TEXTS[2], extract_length=80).endswith("...")


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_search_page_shows_a_changed_description_at_once(app):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], title="Rejestr drzew", notes="Drzewa w **parkach** miejskich.")

    def shown() -> str:
        page = BeautifulSoup(app.get("/dataset/").get_data(as_text=True), "html.parser")
        return page.select_one(".dataset-item .dataset-content div").get_text(strip=True)

    assert shown() == "Drzewa w parkach miejskich."
    assert shown() == "Drzewa w parkach miejskich."  # kept, the same
    tk.get_action("package_patch")({"user": factories.Sysadmin()["name"]},
                                   {"id": dataset["id"], "notes": "Drzewa w _parkach_ i na skwerach."})
    assert shown() == "Drzewa w parkach i na skwerach."


def test_what_is_kept_stays_within_its_bound_and_the_recently_used_stay(app, monkeypatch):
    monkeypatch.setattr(extracts, "EXTRACTS", 3)
    with app.flask_app.test_request_context("/"):
        for n in range(3):
            tk.h.markdown_extract(f"opis {n}")
        tk.h.markdown_extract("opis 0")  # used again: the oldest is now "opis 1"
        tk.h.markdown_extract("opis 3")
        kept = set(extracts._extracts.values())
    assert kept == {"opis 0", "opis 2", "opis 3"}
