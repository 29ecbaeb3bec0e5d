"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7). A department's data steward logs in through the real login form,
describes a data set on the five pages of the dataset form and adds its resource with Tab, typing, the arrow keys
and Enter only: every control of each page takes the focus in turn, with a visible focus indicator, up to the
page's save button; the record is published and its page shows the quality badge. The charts of an indicator
page have a text alternative (table) the keyboard reaches. Screenshots go to tests/screenshots/."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from ckanext.urbanaudit.indicators import compute as indicator_compute
from ckanext.urbanaudit.quality import store
from tests.browser_support import axe_violations, describe, open_page, page_change, screenshot
from tests.indicator_data import _pm10_values
from tests.inventory_records import EU, KIELCE_BOX

# The focused element: what it is (key = id, or name#n among the form's controls of that name) and whether a
# sighted keyboard user sees where the focus is (outline or shadow; select2 draws it on its container).
ACTIVE = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const form = el.closest('form');
let key = el.id;
if (!key && el.name && form) {
  key = el.name + '#' + Array.from(form.querySelectorAll('[name="' + el.name + '"]')).indexOf(el);
}
const shown = el.closest('.select2-container') || el;
const s = getComputedStyle(shown);
const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
return {key: key || (el.innerText || '').trim().slice(0, 40), tag: el.tagName.toLowerCase(), type: el.type || '',
        name: el.name || '', multiple: !!el.multiple, focusVisible: visible,
        form: form ? (form.getAttribute('id') || form.getAttribute('action') || 'form') : null,
        value: el.tagName === 'BUTTON' ? el.value : '',
        selected: el.tagName === 'SELECT' ? Array.from(el.selectedOptions).map(o => o.value) : null};
"""
# The controls of a form a keyboard user must be able to reach (visible, enabled, in the Tab order), keyed as above.
CONTROLS = """
const form = document.querySelector(arguments[0]);
return Array.from(form.querySelectorAll('input, select, textarea, button, a[href]'))
  .filter(el => el.type !== 'hidden' && !el.disabled && el.tabIndex >= 0 && el.getClientRects().length
                && getComputedStyle(el).visibility !== 'hidden' && !el.classList.contains('select2-offscreen'))
  .map(el => el.id
    || (el.name ? el.name + '#' + Array.from(form.querySelectorAll('[name="' + el.name + '"]')).indexOf(el)
                : (el.innerText || '').trim().slice(0, 40)));
"""


def active(driver) -> dict | None:
    return driver.execute_script(ACTIVE)


def press(driver, *keys) -> dict | None:
    ActionChains(driver).send_keys(*keys).perform()
    return active(driver)


def choose(driver, field: dict, value: str) -> None:
    """Pick an option of the focused <select> with the arrow keys (Home, then Down until it is selected)."""
    press(driver, Keys.HOME)
    for _ in range(300):
        if value in active(driver)["selected"]:
            return
        press(driver, Keys.ARROW_DOWN)
    pytest.fail(f"{field['key']}: no option {value!r} reachable with the arrow keys")


def pick_select2(driver, text: str) -> None:
    """In a focused select2 box (organisation, tags, licence): type, wait for the matching choice, Enter."""
    press(driver, text)
    WebDriverWait(driver, 10).until(lambda d: any(
        text.lower() in e.text.lower()
        for e in d.find_elements(By.CSS_SELECTOR, ".select2-drop-active .select2-highlighted")))
    press(driver, Keys.ENTER)


def fill_with_keyboard(driver, form: str, values: dict, *, activate: tuple = (), until: str = "save#0",
                       limit: int = 300) -> list[dict]:
    """Tab from the top of the page through the controls of `form` up to its save button; on first reaching a
    control named in `values` type the value (or choose it, for a select), on one named in `activate` press
    Enter (e.g. "add a contact", which moves the focus into the new fields). Stops on the control `until` (key or
    button value: the save button, left focused). Returns the focused controls of the form in order."""
    # the Tab sequence starts at the top of the document, as on a freshly loaded page
    driver.execute_script("const s = document.createElement('span'); s.tabIndex = -1; s.id = 'ua-tab-start';"
                          "document.body.prepend(s); s.focus(); window.scrollTo(0, 0);")
    seen: list[dict] = []
    done: set[str] = set()
    focused = press(driver, Keys.TAB)
    driver.execute_script("document.getElementById('ua-tab-start').remove()")
    for _ in range(limit):
        if focused and focused["form"] == form:
            seen.append(focused)
            key = focused["key"]
            if until in (key, focused["value"]):
                return seen
            if key not in done:
                done.add(key)
                if key in activate:
                    focused = press(driver, Keys.ENTER)
                    continue
                if key in values:
                    if focused["tag"] == "select":
                        choose(driver, focused, values[key])
                    elif key.startswith("s2id_"):
                        for text in values[key]:
                            pick_select2(driver, text)
                    else:
                        press(driver, values[key])
        focused = press(driver, Keys.TAB)
    pytest.fail(f"Tab never reached the save button of {form} within {limit} presses; last focused: {seen[-5:]}")


def reachable_controls(driver, form_id: str) -> set[str]:
    return set(driver.execute_script(CONTROLS, f"form#{form_id}"))


def assert_reached_every_control(driver, form_id: str, controls: set[str], seen: list[dict], page_name: str) -> None:
    """Every control the page had when it loaded (and still has: "Link" hides "Upload") took the focus, each with a
    visible focus indicator."""
    missed = (controls & reachable_controls(driver, form_id)) - {s["key"] for s in seen}
    assert not missed, f"{page_name}: Tab never reached {sorted(missed)}"
    hidden_focus = [s["key"] for s in seen if not s["focusVisible"]]
    assert hidden_focus == [], f"{page_name}: focus not visible on {hidden_focus}"


# A date input is typed field by field in the order of the browser's locale (headless Chromium here: en-US, month
# first, whatever --lang says; a Chromium that honours --lang=pl: day first). The order is read from the page's
# default Intl locale, the one the renderer formats dates with.
ISSUED = "2021-03-01"
DATE_ORDER = ("return new Intl.DateTimeFormat().formatToParts(new Date(2000, 0, 2))"
              ".filter(p => ['year', 'month', 'day'].includes(p.type)).map(p => p.type)")


def date_keys(driver, iso: str) -> str:
    """The keys that enter the ISO date `iso` into a date input in the browser's locale."""
    year, month, day = iso.split("-")
    return "".join({"year": year, "month": month, "day": day}[part] for part in driver.execute_script(DATE_ORDER))


LICENCE = "cc-by"  # typed as the licence's title the page shows (in Polish), read from the select
# What the steward types on each page of the form (keys: the controls' ids; select values chosen with the arrows).
PAGES = [
    {"field-title": "Rejestr drzew", "field-notes": "Drzewa w pasach drogowych.", "field-identifier": "KIELCE-SR-001",
     "s2id_autogen2": ["drzewa", "zieleń"], "field-theme": EU + "data-theme/ENVI", "field-iso37120_theme": "8",
     "field-urban_audit_domain": "environment"},
    {"field-data_steward": "Anna Nowak", "field-data_steward_email": "anna.nowak@um.kielce.pl",
     "field-contact-0-name": "Wydział Środowiska", "field-contact-0-email": "srodowisko@um.kielce.pl",
     "field-legal_basis": "Art. 83a ustawy o ochronie przyrody", "field-source_system": "Ewidencja zieleni"},
    {"field-access_rights": EU + "access-right/PUBLIC", "s2id_autogen1": [LICENCE],
     "field-personal_data": "no", "field-openness_level": "3"},
    {"field-frequency": EU + "frequency/ANNUAL", "field-issued": ISSUED, "field-spatial_resolution": "point",
     "field-spatial": json.dumps(KIELCE_BOX), "field-inspire_theme": "http://inspire.ec.europa.eu/theme/lc"},
    {"field-known_quality_issues": "Część drzew bez pomiaru obwodu.", "field-publication_status": "published",
     "field-synthetic": "false"},
]
ACTIVATE = [(), ("repeating-add#0",), (), (), ()]


def keys_for(driver, values: dict) -> dict:
    """What is typed for `values`: the licence by the title the page shows, the date in the browser's order."""
    typed = dict(values)
    if LICENCE in values.get("s2id_autogen1", ()):
        typed["s2id_autogen1"] = [driver.execute_script(
            f"return document.querySelector('#field-license_id option[value={LICENCE}]').text")]
    if "field-issued" in values:
        typed["field-issued"] = date_keys(driver, values["field-issued"])
    return typed


def assert_date_entered(driver, values: dict) -> None:
    if "field-issued" in values:
        entered = driver.execute_script("return document.getElementById('field-issued').value")
        assert entered == values["field-issued"], f"the date input holds {entered!r}"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_steward_creates_and_publishes_a_record_with_the_keyboard_alone(server, page):
    factories.User(name="steward", fullname="Anna Nowak", password="correct123")
    factories.Organization(name="wydzial-srodowiska", title="Wydział Środowiska",
                           users=[{"name": "steward", "capacity": "editor"}])
    # the real login form, real password
    open_page(page, f"{server}/user/login", "keyboard-0-login")
    fill_with_keyboard(page, "form", {"field-login": "steward", "field-password": "correct123"}, until="Zaloguj się")
    with page_change(page):
        press(page, Keys.ENTER)
    assert "Anna Nowak" in page.find_element(By.CSS_SELECTOR, ".account").text

    open_page(page, f"{server}/dataset/new", "keyboard-1-form-page-1")
    failures = []
    for number, (values, activate) in enumerate(zip(PAGES, ACTIVATE, strict=True), start=1):
        found = axe_violations(page)  # labels, contrast, ... of the form itself
        if found:
            failures.append(describe(f"form page {number}", found))
        typed = keys_for(page, values)
        controls = reachable_controls(page, "dataset-edit")
        seen = fill_with_keyboard(page, "dataset-edit", typed, activate=activate)
        assert_reached_every_control(page, "dataset-edit", controls, seen, f"form page {number}")
        assert_date_entered(page, values)
        screenshot(page, f"keyboard-{number}-form-page-{number}-filled")
        with page_change(page):
            press(page, Keys.ENTER)  # on the focused save button
    assert page.current_url.endswith("/dataset/rejestr-drzew/resource/new"), page.current_url

    controls = reachable_controls(page, "resource-edit")
    seen = fill_with_keyboard(page, "resource-edit", {
        "field-resource-url": "https://dane.kielce.eu/drzewa.csv", "field-name": "Rejestr (CSV)",
        "s2id_autogen1": ["CSV"]}, activate=("resource-link-button",), until="go-metadata")
    assert_reached_every_control(page, "resource-edit", controls, seen, "resource form")
    screenshot(page, "keyboard-6-resource-filled")
    with page_change(page):
        press(page, Keys.ENTER)
    assert page.current_url.endswith("/dataset/rejestr-drzew"), page.current_url
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)

    record = helpers.call_action("package_show", id="rejestr-drzew")
    assert record["state"] == "active" and record["publication_status"] == "published"
    assert record["title"] == "Rejestr drzew" and record["identifier"] == "KIELCE-SR-001"
    assert sorted(t["name"] for t in record["tags"]) == ["drzewa", "zieleń"]
    assert record["theme"] == [EU + "data-theme/ENVI"] and record["license_id"] == "cc-by"
    assert [(c["name"], c["email"]) for c in record["contact"]] == [("Wydział Środowiska", "srodowisko@um.kielce.pl")]
    assert record["frequency"] == EU + "frequency/ANNUAL" and record["issued"] == "2021-03-01"
    assert json.loads(record["spatial"]) == KIELCE_BOX
    assert [(r["format"], r["url"]) for r in record["resources"]] == [("CSV", "https://dane.kielce.eu/drzewa.csv")]

    # the score comes from a background job in production; here it is computed now, then the page reloaded
    assert "urbanaudit-quality-pending" in page.page_source
    store.recompute(ids=[record["id"]])
    with page_change(page):
        page.refresh()
    badge = page.find_element(By.CSS_SELECTOR, ".urbanaudit-quality-badge")
    assert badge.text.startswith("Jakość:") and "/405" in badge.text, badge.text
    screenshot(page, "keyboard-7-dataset-with-quality-badge")


def test_the_charts_of_an_indicator_page_have_a_text_alternative_the_keyboard_reaches(server, page, cities):
    admin = factories.Sysadmin()
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": admin["name"]}, values=_pm10_values())
    indicator_compute.compute()
    open_page(page, f"{server}/indicator/iso37120-2018-8-2?city=kielce", "keyboard-indicator",
              "#ua-ranking-chart[data-drawn]")
    reached = {}
    for link in ("Wartości wykresu trendu w tabeli", "Wartości wykresu porównania w tabeli"):
        page.execute_script("const s = document.createElement('span'); s.tabIndex = -1; document.body.prepend(s);"
                            "s.focus(); window.scrollTo(0, 0);")  # Tab from the top of the page
        for _ in range(150):
            focused = press(page, Keys.TAB)
            if focused and focused["key"] == link:
                break
        assert focused and focused["key"] == link and focused["focusVisible"], (link, focused)
        target = press(page, Keys.ENTER)  # follow the link: the focus moves to the table's region
        assert target["focusVisible"], target
        reached[target["key"]] = page.find_element(By.CSS_SELECTOR, ":focus").text
    assert set(reached) == {"ua-values-region", "ua-ranking-region"}, reached
    # the tables give the numbers the charts draw: Kielce 28 (2023) and 25 (2024), ranking by the 2024 values
    assert "Kielce 2024 25" in reached["ua-values-region"] and "Kielce 2023 28" in reached["ua-values-region"]
    assert "1 Białystok miasto porównawcze 20" in reached["ua-ranking-region"]
    assert "3 Kielce 25" in reached["ua-ranking-region"]
