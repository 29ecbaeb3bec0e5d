"""No page of the portal mixes languages: every message a page looks up while it is rendered has a
translation in the catalogues the portal really uses (CKAN's own, ours with the supplementary Polish
catalogue of core messages merged in by scripts/i18n_compile.py).

The pages are rendered by the real web app against PostgreSQL and Solr, as an anonymous visitor and
as a department's editor, in Polish (the default) and in English (/en/...). Messages are recorded at
the one place every translation goes through (tests/msgid_recorder.py).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import ckan
import polib
import pytest
from babel.support import Translations
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.quality import store
from tests.inventory_records import full_record
from tests.msgid_recorder import MsgidRecorder

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("i18n_compile", ROOT / "scripts" / "i18n_compile.py")
i18n_compile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_compile)
I18N = ROOT / "ckanext" / "urbanaudit" / "i18n"
CORE_PL = I18N / "ckan-core-pl.po"
CKAN_POT = Path(ckan.__file__).parent / "i18n" / "ckan.pot"
# More data sets than the search page shows values of a facet (search.facets.default = 10), each in its own
# ISO 37120 theme, so the facet gets its "Show More" link; three of them tagged EXTRA_TAG (a 2-4 count).
EXTRA_THEMES, EXTRA_TAG = [str(n) for n in range(9, 20)], "hałas"

ORG, GROUP, DATASET, DRAFT = "wydzial-srodowiska", "srodowisko", "rejestr-drzew", "szkic"
EDITOR, ADMIN = "steward", "admin"

# (path, who, expected status). {resource} is the first resource of the full record (CSV), {geojson} its second.
PAGES = [
    ("/", None, 200),
    ("/dataset/", None, 200),
    ("/dataset/?q=drzewa", None, 200),
    ("/dataset/?ext_bbox=20.5,50.7,20.8,50.95&sort=metadata_modified+desc", None, 200),
    ("/dataset/?q=nic-takiego-nie-ma", None, 200),
    ("/dataset/?vocab_theme=http://publications.europa.eu/resource/authority/data-theme/ENVI", None, 200),
    # the counts in the three Polish plural forms (1, 2-4, 5 and more) and the facets' "more"/"popular" links
    (f"/dataset/?tags={EXTRA_TAG}", None, 200),
    ("/dataset/?_vocab_iso37120_theme_limit=0", None, 200),
    ("/dla-badaczy", None, 200),
    ("/indicator", None, 200),
    ("/indicator?theme=8&availability=source", None, 200),
    ("/indicator/ISO37120:2018:8.2?city=kielce", None, 200),
    ("/city/2661011", None, 200),
    ("/gaps", None, 200),
    ("/prosby-o-dane", None, 200),
    ("/prosby-o-dane/nowa", EDITOR, 200),
    ("/metodologia", None, 200),
    (f"/dataset/{DATASET}", None, 200),
    (f"/dataset/{DATASET}/resource/{{resource}}", None, 200),
    (f"/dataset/{DATASET}/resource/{{geojson}}", None, 200),  # a map preview (ckanext-geoview through the proxy)
    (f"/dataset/groups/{DATASET}", None, 200),
    ("/organization/", None, 200),
    (f"/organization/{ORG}", None, 200),
    (f"/organization/about/{ORG}", None, 200),
    ("/group/", None, 200),
    (f"/group/{GROUP}", None, 200),
    ("/about", None, 200),
    ("/user/login", None, 200),
    ("/harvest/", None, 200),
    ("/harvest/gdansk", None, 200),
    ("/inventory/", None, 200),
    (f"/inventory/department/{ORG}", None, 200),
    ("/quality", None, 200),
    (f"/quality/{ORG}", None, 200),
    ("/api/3/action/package_show?id=nie-ma-takiego", None, 404),
    ("/dataset/nie-ma-takiego", None, 404),
    ("/inventory/import", None, 403),
    ("/dane-gov-pl", None, 403),
    ("/dataset/new", None, 403),
    # a department's editor
    ("/dashboard/datasets", EDITOR, 200),
    (f"/user/{EDITOR}", EDITOR, 200),
    ("/dataset/new", EDITOR, 200),
    *[(f"/dataset/new/{DRAFT}/{page}", EDITOR, 200) for page in (2, 3, 4, 5)],
    *[(f"/dataset/edit/{DATASET}/{page}", EDITOR, 200) for page in (1, 2, 3, 4, 5)],
    (f"/dataset/{DATASET}/resource/new", EDITOR, 200),
    (f"/dataset/{DATASET}/resource/{{resource}}/edit", EDITOR, 200),
    (f"/dataset/{DATASET}/resource/{{resource}}/views", EDITOR, 200),  # the view types an editor may add
    (f"/dataset/{DATASET}/resource_data/{{resource}}", EDITOR, 200),  # ckanext-xloader's load page
    (f"/dataset/{DATASET}", EDITOR, 200),
    (f"/organization/{ORG}", EDITOR, 200),
    ("/inventory/import", EDITOR, 200),
    ("/dane-gov-pl", EDITOR, 200),
    (f"/quality/{ORG}", EDITOR, 200),
    # a sysadmin sets up a department
    ("/organization/new", ADMIN, 200),
    (f"/organization/edit/{ORG}", ADMIN, 200),
    (f"/organization/members/{ORG}", ADMIN, 200),
    # the analytic team's audit pages (a sysadmin is on the team)
    ("/audit", ADMIN, 200),
    ("/audit/kielce/assignments", ADMIN, 200),
    # the city's targets: the team's form, and the page for the city's leadership
    ("/indicator/ISO37120:2018:8.2/target?city=kielce", ADMIN, 200),
    ("/city/2661011/leadership", None, 200),
    # the ISO 37120 report of a year
    ("/city/2661011/iso37120/2024", None, 200),
    # the residents' guides and their editor (sysadmins)
    ("/poradnik", None, 200),
    *[(f"/poradnik/{slug}", None, 200) for slug in ("co-zawiera-portal", "jak-czytac-wskaznik", "jak-pobrac-dane",
                                                     "jak-poprosic-o-dane")],
    ("/o-projekcie", None, 200),
    ("/ckan-admin/poradniki", ADMIN, 200),
    ("/ckan-admin/poradniki/jak-czytac-wskaznik/en", ADMIN, 200),
]


def catalogue_msgids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path)) if not entry.obsolete}


@pytest.fixture
def portal(clean_db, clean_index):
    """A department with an editor, a fully described data set in a group, a draft, a harvest source."""
    sysadmin = factories.Sysadmin(name=ADMIN)
    factories.User(name=EDITOR, fullname="Anna Nowak")
    org = factories.Organization(name=ORG, title="Wydział Środowiska",
                                 users=[{"name": EDITOR, "capacity": "editor"}])
    factories.Group(name=GROUP, title="Środowisko")
    steward = {"user": EDITOR}
    record = helpers.call_action("package_create", steward, **full_record(org["id"], groups=[{"name": GROUP}]))
    helpers.call_action("package_create", steward, name=DRAFT, title="Szkic rekordu", notes="Opis.",
                        owner_org=org["id"], state="draft")
    for number, theme in enumerate(EXTRA_THEMES):
        helpers.call_action("package_create", steward, name=f"zbior-{theme}", title=f"Zbiór obszaru {theme}",
                            notes="Opis.", owner_org=org["id"], iso37120_theme=[theme],
                            tag_string=EXTRA_TAG if number < 3 else "")
    helpers.call_action("harvest_source_create", {"user": sysadmin["name"]}, name="gdansk", title="Gdańsk CKAN",
                        url="https://ckan.multimediagdansk.pl", source_type="ckan", owner_org=org["id"],
                        frequency="MANUAL")
    store.recompute(org=ORG)
    # two cities with PM10 values: the indicator, city and gaps pages show charts, ranking and trends
    model.Session.add_all([
        City(teryt="2661011", slug="kielce", name="Kielce", peers=["0663011"], config={"organization": ORG}),
        City(teryt="0663011", slug="lublin", name="Lublin", peers=[], config={"organization": ORG}),
    ])
    model.Session.commit()
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": ADMIN}, values=[
        {"city": city, "indicator_code": "ISO37120:2018:8.2", "period": period, "value": value, "source": "gios"}
        for city, period, value in (("kielce", "2023", 28.0), ("kielce", "2024", 25.0), ("lublin", "2024", 22.0))])
    return {"resource": record["resources"][0]["id"], "geojson": record["resources"][1]["id"],
            "tokens": {user: factories.APIToken(user=user)["token"] for user in (EDITOR, ADMIN)}}


def render_pages(app, monkeypatch, portal, lang: str) -> dict[str, list]:
    recorder = MsgidRecorder()
    recorder.install(monkeypatch)
    prefix = "" if lang == "pl" else f"/{lang}"
    pages, wrong_status = {}, []
    for path, who, status in PAGES:
        url = prefix + path.format(resource=portal["resource"], geojson=portal["geojson"])
        headers = {"Authorization": portal["tokens"][who]} if who else {}
        with recorder.recording() as lookups:
            response = app.get(url, headers=headers, status=status)
        if response.status_code != status:
            wrong_status.append((url, who, response.status_code))
        assert {lookup.locale for lookup in lookups} <= {lang}, (url, {lookup.locale for lookup in lookups})
        pages[f"{url} ({who or 'anonymous'})"] = list(lookups)
    assert wrong_status == []
    assert all(pages.values()), [page for page, lookups in pages.items() if not lookups]
    return pages


def _english_copies() -> dict:
    """The Polish catalogue the portal merges (CKAN's, then ours) as a dict. CKAN's compiled pl catalogue holds
    a plural message it has no translation of with the English msgid and msgid_plural as its "forms" (babel's
    write_mo fills empty plural forms so), which a check for a non-empty translation takes for translated."""
    merged = Translations.load(str(CKAN_POT.parent), ["pl"], "ckan")
    merged.merge(Translations.load(str(I18N), ["pl"], "ckanext-urbanaudit"))
    return merged._catalog


def english_plural(catalog: dict, lookup) -> bool:
    """A plural lookup whose Polish forms are the English msgid or msgid_plural."""
    return lookup.plural is not None and any(
        catalog.get((lookup.msgid, index)) in (lookup.msgid, lookup.plural) for index in range(3))


def report(problems: dict[str, set]) -> str:
    return "\n".join(f"{page}: " + ", ".join(sorted(problems[page])) for page in sorted(problems))


def with_problems(pages: dict[str, list], bad) -> dict[str, set]:
    found = {page: {str(x) for x in lookups if bad(x)} for page, lookups in pages.items()}
    return {page: messages for page, messages in found.items() if messages}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_compiled_catalogues_are_built_from_the_current_sources(lang):
    """The pages below are checked against the compiled .mo: it must be what the build makes now."""
    data, _stats = i18n_compile.compiled(lang)
    built = I18N / lang / "LC_MESSAGES" / "ckanext-urbanaudit.mo"
    assert built.exists() and built.read_bytes() == data, f"{built} is stale: run scripts/i18n_compile.py"


def test_every_message_of_every_page_is_translated_into_polish(app, monkeypatch, portal):
    pages = render_pages(app, monkeypatch, portal, "pl")
    untranslated = with_problems(pages, lambda x: not x.translated)
    assert untranslated == {}, "untranslated in Polish (add core messages to i18n/ckan-core-pl.po):\n" + report(
        untranslated)
    catalog = _english_copies()
    english = with_problems(pages, lambda x: english_plural(catalog, x))
    assert english == {}, "plural messages shown in English (add them to i18n/ckan-core-pl.po):\n" + report(english)
    # Polish plural rules are in force (one, few, many), whichever plugin's catalogue was merged last
    wrong_plurals = with_problems(pages, lambda x: x.plural is not None and x.forms != 3)
    assert wrong_plurals == {}, "ngettext with other than 3 Polish plural forms:\n" + report(wrong_plurals)
    # the supplementary catalogue holds only messages some page looks up (none stale after a CKAN upgrade)
    looked_up = {x.msgid for lookups in pages.values() for x in lookups}
    assert sorted(catalogue_msgids(CORE_PL) - looked_up) == []


def test_english_pages_find_every_message_of_ours_in_the_english_catalogue(app, monkeypatch, portal):
    """English is the source language of CKAN, ckanext-harvest, -dcat and -scheming; ours must still be in
    our English catalogue, and no page may look up a message that is neither theirs nor ours (such as a
    Polish text of our schema passed to gettext, which would show in Polish on an English page)."""
    pages = render_pages(app, monkeypatch, portal, "en")
    ours = catalogue_msgids(I18N / "ckanext-urbanaudit.pot")
    missing = with_problems(pages, lambda x: x.msgid in ours and not x.translated)
    assert missing == {}, "not in the English catalogue:\n" + report(missing)
    stack = catalogue_msgids(CKAN_POT) | catalogue_msgids(CORE_PL)
    unknown = with_problems(pages, lambda x: x.msgid not in stack and not x.translated)
    assert unknown == {}, "neither a message of CKAN and its extensions nor in our English catalogue:\n" + report(
        unknown)


def test_item_21_the_search_page_shows_its_counts_and_facet_links_in_polish(app, portal):
    """"227 datasets found", "Show More Obszar ISO 37120" were English on the Polish search page: the counts in
    each Polish plural form and both links of a facet with more values than the page shows, as rendered."""
    shown = {
        "/dataset/": "Znaleziono 12 zbiorów danych",
        f"/dataset/?tags={EXTRA_TAG}": "Znaleziono 3 zbiory danych",
        "/dataset/?q=drzewa": "Znaleziono 1 zbiór danych dla",
    }
    for url, count in shown.items():
        text = " ".join(app.get(url, status=200).get_data(as_text=True).split())
        assert count in text, (url, count)
        assert " found" not in text, url
    more = app.get("/dataset/").get_data(as_text=True)
    assert "Pokaż więcej: Obszar ISO 37120" in more and "Show More" not in more
    popular = app.get("/dataset/?_vocab_iso37120_theme_limit=0").get_data(as_text=True)
    assert "Pokaż tylko najpopularniejsze: Obszar ISO 37120" in popular and "Show Only" not in popular
