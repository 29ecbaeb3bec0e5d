"""Comments in headless Chromium: a resident's comment waits for moderation (seen by its author, by nobody
else), an analyst approves it on the data set page, and then every visitor sees it; axe-core finds no serious or
critical WCAG 2.1 A/AA violation on a data set page with the comments block (form, approved and pending comments
with the moderation buttons), in Polish and English."""
from __future__ import annotations

from ckan.tests import helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser_support import axe_violations, console_errors, describe, login, open_page, page_change, screenshot
from tests.comments.conftest import PASSWORD, PUBLIC

TEXT = "Czy rejestr obejmuje drzewa na osiedlu Ślichowice?"




def press(page, selector):
    """Press a button with the keyboard (Enter), as a keyboard user does."""
    page.find_element(By.CSS_SELECTOR, selector).send_keys(Keys.ENTER)


def comment_texts(page, selector):
    return [e.text for e in page.find_elements(By.CSS_SELECTOR, f"{selector} .ua-comment-text")]


def test_a_comment_waits_for_moderation_and_then_appears(server, page, world):
    dataset = f"{server}/dataset/{PUBLIC}"
    login(page, server, "mieszkaniec", PASSWORD)
    open_page(page, dataset, "comments-1-form", "#ua-comment-form")
    page.find_element(By.ID, "ua-comment-text").send_keys(TEXT)
    with page_change(page, "#ua-comments"):
        press(page, "#ua-comment-form button[type=submit]")
    screenshot(page, "comments-2-waiting")
    assert "czeka na moderację" in page.find_element(By.CSS_SELECTOR, ".flash-messages, .alert").text
    assert comment_texts(page, "#ua-comments-mine") == [TEXT]
    assert comment_texts(page, "#ua-comments-approved") == []

    page.delete_all_cookies()
    open_page(page, dataset, "comments-3-anonymous-before", "#ua-comments")
    assert TEXT not in page.find_element(By.ID, "ua-comments").text

    login(page, server, "analityk", PASSWORD)
    open_page(page, dataset, "comments-4-moderator", "#ua-comments-pending")
    assert comment_texts(page, "#ua-comments-pending") == [TEXT]
    with page_change(page, "#ua-comments"):
        press(page, "#ua-comments-pending .ua-comment-approve button")
    assert comment_texts(page, "#ua-comments-approved") == [TEXT]

    page.delete_all_cookies()
    open_page(page, dataset, "comments-5-anonymous-after", "#ua-comments-approved")
    assert comment_texts(page, "#ua-comments-approved") == [TEXT]
    # CKAN's test factories give users and departments images on outside hosts, unreachable here
    assert [e for e in console_errors(page) if "Failed to load resource" not in e] == []


def test_the_data_set_page_with_comments_has_no_serious_wcag_violations(server, page, world):
    for n, author in enumerate(("mieszkaniec", "sasiad")):
        created = helpers.call_action("urbanaudit_comment_create", {"user": author}, subject_id=PUBLIC,
                                      text=f"{TEXT} ({n})")
        if n == 0:
            helpers.call_action("urbanaudit_comment_moderate", {"user": "analityk"}, id=created["id"],
                                decision="approve")
    login(page, server, "analityk", PASSWORD)  # the moderator's view: form, approved and pending comments, buttons
    failures = []
    for prefix, name in (("", "comments-a11y-pl"), ("/en", "comments-a11y-en")):
        path = f"{prefix}/dataset/{PUBLIC}"
        open_page(page, server + path, name, "#ua-comments-pending")
        assert page.find_elements(By.CSS_SELECTOR, "#ua-comments-approved .ua-comment")
        assert page.find_elements(By.CSS_SELECTOR, "#ua-comment-form textarea")
        if found := axe_violations(page):
            failures.append(describe(path, found))
    assert not failures, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(failures)
