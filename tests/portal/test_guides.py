"""The residents' guides (issue 18 item 4): /poradnik, /poradnik/<slug>, /o-projekcie in Polish and English, the
texts shipped with the package, and the sysadmins' editor at /ckan-admin/poradniki (stored in CKAN's system_info
through config_option_update, shown at once, "restore default" brings the shipped text back)."""
from __future__ import annotations

import html
import re
import time

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories

from ckanext.urbanaudit.portal import guides
from tests.portal.test_csrf import FIELD, csrf_token

ADMIN, USER, PASSWORD = "guide-admin", "resident", "correct-horse-123"
GUIDE = "jak-czytac-wskaznik"
KEY = f"ckanext.urbanaudit.guide.{GUIDE}.pl"
PUBLIC_PATHS = ["/poradnik", *[f"/poradnik/{slug}" for slug in guides.GUIDES], "/o-projekcie"]
# what a reader checks first on each page: its heading, in the page's language
HEADINGS = {
    "co-zawiera-portal": ("Co zawiera portal", "What the portal holds"),
    "jak-czytac-wskaznik": ("Jak czytać wskaźnik", "How to read an indicator"),
    "jak-pobrac-dane": ("Jak pobrać i otworzyć plik", "How to download and open a file"),
    "jak-poprosic-o-dane": ("Jak poprosić o dane", "How to ask for data"),
    "o-projekcie": ("O projekcie", "About the project"),
}


def h1(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)]


def visible(page: str) -> str:
    """The page's text as a reader sees it: no tags, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def squash(text: str) -> str:
    """Text without white space (an inline tag such as <em> may leave a space before punctuation)."""
    return "".join(text.split())


def html_lang(page: str) -> str:
    found = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", page)
    assert found, "the page has no <html lang>"
    return found.group(1)


@pytest.fixture
def people(cities):
    """A sysadmin and a logged-in resident, each with an API token; the city and its organizations."""
    forget_overrides()
    admin = factories.Sysadmin(name=ADMIN, password=PASSWORD)
    factories.User(name=USER, password=PASSWORD)
    yield {"admin": {"Authorization": factories.APIToken(user=admin["name"])["token"]},
           "user": {"Authorization": factories.APIToken(user=USER)["token"]}}
    forget_overrides()


def forget_overrides() -> None:
    """No sysadmin's text in the database nor in the process's config (CKAN copies system_info into the config
    when the app is made, before the database is cleaned)."""
    for slug in guides.PAGES:
        for lang in guides.LANGS:
            model.delete_system_info(guides.config_key(slug, lang))
            tk.config.pop(guides.config_key(slug, lang), None)


def stored(key: str = KEY) -> str | None:
    model.Session.remove()
    return model.get_system_info(key)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_guide_page_answers_in_its_own_language(app, people, lang):
    other = "en" if lang == "pl" else "pl"
    prefix = "" if lang == "pl" else "/en"
    for slug, (pl, en) in HEADINGS.items():
        path = "/o-projekcie" if slug == guides.ABOUT else f"/poradnik/{slug}"
        page = app.get(prefix + path, status=200).get_data(as_text=True)
        assert html_lang(page) == lang, (path, html_lang(page))
        assert h1(page) == [pl if lang == "pl" else en], (path, h1(page))
        # the shipped text of the page's language is the page's body, the other language's text is not on it
        body = guides.default_text(slug, lang)
        assert squash(guides.summary(body))[:60] in squash(visible(page)), path
        assert squash(guides.summary(guides.default_text(slug, other)))[:60] not in squash(visible(page)), path
        assert len(re.findall(r"<p>", page.split('id="urbanaudit-guide-text"')[1])) >= 4, "several paragraphs"

    index = app.get(prefix + "/poradnik", status=200).get_data(as_text=True)
    assert html_lang(index) == lang
    for slug, (pl, en) in HEADINGS.items():
        assert (pl if lang == "pl" else en) in index
        assert (en if lang == "pl" else pl) not in index, slug
        href = "/o-projekcie" if slug == guides.ABOUT else f"/poradnik/{slug}"
        assert f'href="{prefix}{href}"' in index, href


def test_the_guides_link_the_methodology_and_the_data_request_form(app, people):
    indicator = app.get("/poradnik/jak-czytac-wskaznik").get_data(as_text=True)
    assert 'href="/metodologia"' in indicator
    for flag in ("wstępna", "szacunkowa", "niepełna", "wartość syntetyczna (demo)"):
        assert flag in indicator, flag
    assert 'href="/en/metodologia"' in app.get("/en/poradnik/jak-czytac-wskaznik").get_data(as_text=True)
    asking = app.get("/poradnik/jak-poprosic-o-dane").get_data(as_text=True)
    assert 'href="/prosby-o-dane/nowa"' in asking
    assert 'href="/en/prosby-o-dane/nowa"' in app.get("/en/poradnik/jak-poprosic-o-dane").get_data(as_text=True)
    download = app.get("/poradnik/jak-pobrac-dane").get_data(as_text=True)
    for word in ("UTF-8", "przecinek", "XLSX", "GeoJSON"):
        assert word in download, word
    # the links of the guides lead to pages that answer
    for path in ("/metodologia", "/prosby-o-dane/nowa", "/en/metodologia"):
        assert app.get(path, headers=people["user"]).status_code == 200, path


def test_the_about_page_names_the_city_organization_as_contact(app, people):
    page = app.get("/o-projekcie").get_data(as_text=True)
    contact = page.split('id="urbanaudit-contact"')[1]
    assert 'href="/organization/um-kielce"' in contact
    assert "Urząd Miasta Kielce" in contact
    assert "ISO 37120" in page
    assert 'href="/en/organization/um-kielce"' in app.get("/en/o-projekcie").get_data(as_text=True)


def test_an_unknown_guide_is_not_found(app, people):
    app.get("/poradnik/nie-ma-takiego", status=404)
    app.get("/ckan-admin/poradniki/nie-ma-takiego/pl", headers=people["admin"], status=404)
    app.get(f"/ckan-admin/poradniki/{GUIDE}/de", headers=people["admin"], status=404)


def test_the_home_page_the_footer_and_the_researchers_page_link_the_guides(app, people):
    home = app.get("/").get_data(as_text=True)
    assert 'href="/poradnik"' in home and 'href="/o-projekcie"' in home
    researchers = app.get("/dla-badaczy").get_data(as_text=True)
    assert 'href="/poradnik"' in researchers.split('id="urbanaudit-researchers-guides"')[1]
    footer = app.get("/dataset/").get_data(as_text=True).split("urbanaudit-footer-links")[1]
    assert 'href="/poradnik"' in footer and 'href="/o-projekcie"' in footer
    assert 'href="/en/poradnik"' in app.get("/en/dataset/").get_data(as_text=True).split("urbanaudit-footer-links")[1]


def test_a_sysadmin_edits_a_page_and_restores_its_default(app, people):
    default_title = HEADINGS[GUIDE][0]
    listing = app.get("/ckan-admin/poradniki", headers=people["admin"], status=200).get_data(as_text=True)
    for lang in guides.LANGS:
        assert f'href="/ckan-admin/poradniki/{GUIDE}/{lang}"' in listing
    form = app.get(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"], status=200).get_data(as_text=True)
    assert html.escape(guides.default_text(GUIDE, "pl"), quote=False)[:200] in form  # the textarea holds the text

    # a preview draws the draft and stores nothing
    preview = app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"],
                       data={"text": "# Szkic\n\nTylko **podgląd**.", "preview": "1"}, status=200)
    assert "<strong>podgląd</strong>" in preview.get_data(as_text=True).split('id="urbanaudit-guide-preview"')[1]
    assert not stored()
    assert h1(app.get(f"/poradnik/{GUIDE}").get_data(as_text=True)) == [default_title]

    new_text = "# Wskaźnik w pigułce\r\n\r\nNowy akapit, **ważny** dla mieszkańców.\r\n"
    saved = app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"],
                     data={"text": new_text, "save": "1"}, follow_redirects=False)
    assert saved.status_code == 302
    assert stored() == new_text.replace("\r\n", "\n")
    public = app.get(f"/poradnik/{GUIDE}").get_data(as_text=True)
    assert h1(public) == ["Wskaźnik w pigułce"]
    assert "<strong>ważny</strong>" in public
    assert "Wskaźnik w pigułce" in app.get("/poradnik").get_data(as_text=True)
    # the English page keeps its own text
    assert h1(app.get(f"/en/poradnik/{GUIDE}").get_data(as_text=True)) == [HEADINGS[GUIDE][1]]
    listing = app.get("/ckan-admin/poradniki", headers=people["admin"]).get_data(as_text=True)
    assert "zmieniony" in listing

    restored = app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"],
                        data={"text": new_text, "restore": "1"}, follow_redirects=False)
    assert restored.status_code == 302
    assert stored() == ""
    assert h1(app.get(f"/poradnik/{GUIDE}").get_data(as_text=True)) == [default_title]


def test_a_text_stored_by_another_process_is_shown_on_the_next_request(app, people):
    """Another web process saves through config_option_update: system_info and the config_update stamp change,
    and this process reloads the editable options before its next request (CKAN's app_globals)."""
    app.get(f"/poradnik/{GUIDE}", status=200)
    model.set_system_info(KEY, "# Zmieniono gdzie indziej\n\nTekst z innego procesu.")
    model.set_system_info("ckan.config_update", str(time.time()))
    assert h1(app.get(f"/poradnik/{GUIDE}").get_data(as_text=True)) == ["Zmieniono gdzie indziej"]


def test_saving_the_default_text_stores_no_override(app, people):
    app.post(f"/ckan-admin/poradniki/{GUIDE}/en", headers=people["admin"],
             data={"text": guides.default_text(GUIDE, "en").replace("\n", "\r\n"), "save": "1"})
    assert not stored(f"ckanext.urbanaudit.guide.{GUIDE}.en")
    listing = app.get("/ckan-admin/poradniki", headers=people["admin"]).get_data(as_text=True)
    assert "zmieniony" not in listing


def test_a_text_over_the_limit_is_refused(app, people):
    page = app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"],
                    data={"text": "# Za długi\n\n" + "a" * guides.MAX_CHARS, "save": "1"}, status=200)
    assert f"Tekst jest dłuższy niż {guides.MAX_CHARS} znaków." in page.get_data(as_text=True)
    assert not stored()


def test_markdown_with_a_script_is_rendered_harmless(app, people):
    hostile = ("# Tytuł\n\n<script>alert('xss')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n"
               "[kliknij](javascript:alert(2)) <a href=\"javascript:alert(3)\">tu</a>\n")
    app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"], data={"text": hostile, "save": "1"})
    assert stored() == hostile
    for page in (app.get(f"/poradnik/{GUIDE}").get_data(as_text=True),
                 app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["admin"],
                          data={"text": hostile, "preview": "1"}).get_data(as_text=True)):
        text = page.split('urbanaudit-guide-')[-1]
        assert "<script>alert" not in page
        assert "onerror" not in text
        assert "javascript:" not in text
        assert "Tytuł" in text


def test_only_sysadmins_edit_the_guides(app, people):
    for path in ("/ckan-admin/poradniki", f"/ckan-admin/poradniki/{GUIDE}/pl"):
        app.get(path, headers=people["user"], status=403)
        anonymous = app.get(path, follow_redirects=False)
        assert anonymous.status_code == 302
        assert "/user/login" in anonymous.headers["Location"]
    app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", headers=people["user"],
             data={"text": "# Przejęte", "save": "1"}, status=403)
    anonymous = app.post(f"/ckan-admin/poradniki/{GUIDE}/pl", data={"text": "# Przejęte", "save": "1"},
                         follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
    assert not stored()
    assert h1(app.get(f"/poradnik/{GUIDE}").get_data(as_text=True)) == [HEADINGS[GUIDE][0]]


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_an_edit_without_the_csrf_token_is_refused(app, people):
    client = app.test_client()
    login = client.get("/user/login").get_data(as_text=True)
    client.post("/user/login", data={"login": ADMIN, "password": PASSWORD, FIELD: csrf_token(login)})
    form = client.get(f"/ckan-admin/poradniki/{GUIDE}/pl")
    assert form.status_code == 200, "the sysadmin is not logged in"
    token = csrf_token(form.get_data(as_text=True))

    forged = client.post(f"/ckan-admin/poradniki/{GUIDE}/pl", data={"text": "# Podrobione", "save": "1"})
    assert forged.status_code in (400, 403), forged.status_code
    assert not stored()

    accepted = client.post(f"/ckan-admin/poradniki/{GUIDE}/pl",
                           data={"text": "# Prawdziwe", "save": "1", FIELD: token}, follow_redirects=False)
    assert accepted.status_code == 302, accepted.status_code
    assert stored() == "# Prawdziwe"
