"""The analysts' pages of the data itself in Polish (and English under /en/): ckanext-charts' chart builder, which
ships no translations, a DataStore table's resource page and ckanext-xloader's load page."""
from __future__ import annotations

import requests
from bs4 import BeautifulSoup

from tests.contents.conftest import run_jobs

CSV = b"dzielnica;rok;wydatki_zl\nCentrum;2023;1250000\nHerby;2023;310000\n"


def _page(portal, path: str) -> BeautifulSoup:
    answer = requests.get(f"{portal.url}{path}", headers={"Authorization": portal.token}, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return BeautifulSoup(answer.text, "html.parser")


def _form_texts(page: BeautifulSoup) -> dict[str, list[str]]:
    form = page.select_one(".charts-view--form")
    assert form is not None
    return {
        "tabs": [b.get_text(strip=True) for b in form.select("#pills-tab button.nav-link")],
        "labels": [lab.get_text(" ", strip=True).removeprefix("* ") for lab in form.select("label")],  # * required
        "help": [h.get_text(" ", strip=True) for h in form.select(".info-block, .form-text, small")],
        "choices": [o.get_text(strip=True) for o in form.select("select[name=type] option")],
    }


def test_the_chart_builder_and_the_load_page_speak_polish_and_english(portal):
    pkg = portal.dataset("wydatki-kreator")
    res = portal.upload(pkg["id"], "wydatki.csv", CSV)
    run_jobs()
    new_view = f"/dataset/{pkg['name']}/resource/{res['id']}/new_view?view_type=charts_view"

    pl = _form_texts(_page(portal, new_view))
    assert "Ogólne" in pl["tabs"] and "Dane" in pl["tabs"], pl["tabs"]
    assert {"Tytuł", "Biblioteka", "Typ", "Oś X", "Oś Y"} <= set(pl["labels"]), pl["labels"]
    assert "Słupkowy" in pl["choices"] and "Liniowy" in pl["choices"], pl["choices"]
    english = {"General", "Structure", "Data", "Styles", "Engine", "Type", "Chart Title", "Chart X axe label", "Bar",
               "Line", "Select the chart engine to use"}
    assert not english & set(pl["tabs"] + pl["labels"] + pl["help"] + pl["choices"])

    en = _form_texts(_page(portal, f"/en{new_view}"))
    assert "General" in en["tabs"] and {"Engine", "Type"} <= set(en["labels"])
    assert "Bar" in en["choices"]

    table = _page(portal, f"/dataset/{pkg['name']}/resource/{res['id']}").get_text(" ", strip=True)
    assert "Słownik danych" in table and "API danych" in table
    assert "Data Dictionary" not in table

    log = _page(portal, f"/dataset/{pkg['name']}/resource_data/{res['id']}")
    text = log.get_text(" ", strip=True)
    assert "Dziennik ładowania" in text and "Załaduj do magazynu danych" in text
    assert "Upload Log" not in text and "Upload to DataStore" not in text
