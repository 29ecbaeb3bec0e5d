"""Comments on data sets and indicators, through the portal's pages and the Action API: a comment waits for a
moderator (the analytic team, the admins of the data set's department) and is invisible to everyone else until
approved; rejected ones stay hidden; private data sets take no comment from those who cannot read them; the text
is shown as text; CSRF token required; a burst over the rate limit is refused (real Redis); the steward gets a
mail (a real SMTP server on 127.0.0.1)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories, helpers

from tests.audit.smtp_sink import SmtpSink
from tests.comments.conftest import INDICATOR, PASSWORD, PRIVATE, PUBLIC, STEWARD_EMAIL
from tests.portal.test_csrf import FIELD, csrf_token

TEXT = "Brakuje drzew z ulicy Sienkiewicza (stan na 2025 r.)."


def _headers(user):
    return {"Authorization": factories.APIToken(user=user)["token"]} if user else {}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _page(app, path, user=None):
    response = app.get(path, headers=_headers(user))
    assert response.status_code == 200, response.status_code
    return _soup(response)


def _texts(soup, selector):
    return [p.get_text() for p in soup.select(f"{selector} .ua-comment-text")]


def _post_comment(app, user, subject_id=PUBLIC, text=TEXT, subject_type="dataset"):
    return app.post("/komentarze", data={"subject_type": subject_type, "subject_id": subject_id, "text": text},
                    headers=_headers(user), follow_redirects=False)


def _api(app, user, action, data):
    return app.post(f"/api/3/action/{action}", json=data, headers=_headers(user))


def _listed(app, user, subject_id=PUBLIC, subject_type="dataset"):
    response = _api(app, user, "urbanaudit_comment_list", {"subject_type": subject_type, "subject_id": subject_id})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [c["text"] for c in response.json["result"]["results"]]


def _only_comment():
    found = helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, status="pending")
    assert found["count"] == 1
    return found["results"][0]


def test_a_new_comment_waits_for_moderation_and_only_moderators_and_its_author_see_it(app, world):
    sent = _post_comment(app, "mieszkaniec")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/dataset/{PUBLIC}#ua-comments")
    comment = _only_comment()
    assert comment["status"] == "pending" and comment["author"]["name"] == "mieszkaniec"

    path = f"/dataset/{PUBLIC}"
    for user in (None, "sasiad", "pracownik-env"):  # anonymous, another resident, a plain department member
        page = _page(app, path, user)
        assert TEXT not in page.get_text(), user
        assert page.select_one("#ua-comments-none") is not None
        assert TEXT not in _listed(app, user)
    author = _page(app, path, "mieszkaniec")
    assert _texts(author, "#ua-comments-mine") == [TEXT] and not author.select(".ua-comment-approve")
    for moderator in ("analityk", "admin-env"):
        page = _page(app, path, moderator)
        assert _texts(page, "#ua-comments-pending") == [TEXT], moderator
        assert page.select_one(f"#comment-{comment['id']} .ua-comment-approve button") is not None
        assert TEXT in _listed(app, moderator)


def test_an_approved_comment_is_public_on_the_data_set_page(app, world):
    _post_comment(app, "mieszkaniec")
    comment = _only_comment()
    approved = app.post(f"/komentarze/{comment['id']}/moderacja", data={"decision": "approve"},
                        headers=_headers("analityk"), follow_redirects=False)
    assert approved.status_code == 302
    page = _page(app, f"/dataset/{PUBLIC}")
    assert _texts(page, "#ua-comments-approved") == [TEXT]
    author = page.select_one("#ua-comments-approved .ua-comment-author").get_text()
    assert author == world["users"]["mieszkaniec"]["fullname"]
    assert page.select_one("#ua-comment-login") is not None and page.select_one("#ua-comment-form") is None
    assert _listed(app, None) == [TEXT]
    shown = helpers.call_action("urbanaudit_comment_list", {"user": ""}, subject_id=PUBLIC)["results"][0]
    assert shown["moderator"]["name"] == "analityk" and shown["moderated_at"]


def test_a_rejected_comment_stays_hidden_and_only_moderators_reject(app, world):
    _post_comment(app, "mieszkaniec")
    comment = _only_comment()
    refused = _api(app, "sasiad", "urbanaudit_comment_moderate", {"id": comment["id"], "decision": "approve"})
    assert refused.status_code == 403
    refused = _api(app, "pracownik-env", "urbanaudit_comment_moderate", {"id": comment["id"], "decision": "approve"})
    assert refused.status_code == 403
    rejected = _api(app, "admin-env", "urbanaudit_comment_moderate", {"id": comment["id"], "decision": "reject"})
    assert rejected.status_code == 200 and rejected.json["result"]["status"] == "rejected"
    for user in (None, "sasiad", "mieszkaniec", "analityk"):
        assert TEXT not in _page(app, f"/dataset/{PUBLIC}", user).get_text(), user
    rejected_list = helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, subject_id=PUBLIC,
                                        status="rejected")
    assert [c["text"] for c in rejected_list["results"]] == [TEXT]


def test_who_cannot_read_a_private_data_set_can_neither_comment_nor_read_its_comments(app, world):
    assert _post_comment(app, "sasiad", subject_id=PRIVATE).status_code == 403
    assert _api(app, "sasiad", "urbanaudit_comment_create",
                {"subject_id": PRIVATE, "text": TEXT}).status_code == 403
    assert _api(app, None, "urbanaudit_comment_list", {"subject_id": PRIVATE}).status_code == 403
    assert _api(app, "sasiad", "urbanaudit_comment_list", {"subject_id": PRIVATE}).status_code == 403
    # the department's member reads the data set, so may comment on it
    assert _post_comment(app, "pracownik-env", subject_id=PRIVATE).status_code == 302
    assert helpers.call_action("urbanaudit_comment_list", {"user": "admin-env"}, subject_id=PRIVATE)["count"] == 1
    assert _api(app, "sasiad", "urbanaudit_comment_list", {"subject_id": PRIVATE}).status_code == 403
    assert helpers.call_action("urbanaudit_comment_list", {"user": "sasiad"}, status="pending")["count"] == 0


def test_anonymous_visitors_cannot_comment(app, world):
    sent = _post_comment(app, None)
    assert sent.status_code == 302 and "/user/login" in sent.headers["Location"]
    assert _api(app, None, "urbanaudit_comment_create", {"subject_id": PUBLIC, "text": TEXT}).status_code == 403
    assert helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, status="pending")["count"] == 0


def test_the_comment_is_shown_as_text_never_as_html(app, world):
    markup = '<b id="wstrzykniety">pogrubienie</b><script>alert(1)</script>'
    _post_comment(app, "mieszkaniec", text=markup)
    helpers.call_action("urbanaudit_comment_moderate", {"user": "analityk"}, id=_only_comment()["id"],
                        decision="approve")
    response = app.get(f"/dataset/{PUBLIC}")
    page = _soup(response)
    assert page.select_one("#wstrzykniety") is None
    assert _texts(page, "#ua-comments-approved") == [markup]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.get_data(as_text=True)


def test_an_empty_or_too_long_comment_is_refused(app, world):
    for text in ("   ", "x" * 2001):
        answer = _api(app, "mieszkaniec", "urbanaudit_comment_create", {"subject_id": PUBLIC, "text": text})
        assert answer.status_code == 409 and "text" in answer.json["error"]
    assert helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, status="pending")["count"] == 0


def test_an_indicator_comment_waits_for_moderation_then_appears_on_the_indicator_page(app, world):
    sent = _post_comment(app, "mieszkaniec", subject_type="indicator", subject_id=INDICATOR)
    assert sent.status_code == 302 and "/indicator/iso37120-2014-8-1#ua-comments" in sent.headers["Location"]
    path = "/indicator/iso37120-2014-8-1"
    assert TEXT not in _page(app, path).get_text()
    assert _texts(_page(app, path, "analityk"), "#ua-comments-pending") == [TEXT]
    # the department's admin moderates its data sets, not an indicator without a data set of theirs
    comment = _only_comment()
    assert _api(app, "admin-env", "urbanaudit_comment_moderate",
                {"id": comment["id"], "decision": "approve"}).status_code == 403
    helpers.call_action("urbanaudit_comment_moderate", {"user": "analityk"}, id=comment["id"], decision="approve")
    assert _texts(_page(app, path), "#ua-comments-approved") == [TEXT]


def test_the_moderation_queue_is_the_teams(app, world):
    _post_comment(app, "mieszkaniec")
    _post_comment(app, "sasiad", subject_type="indicator", subject_id=INDICATOR, text="Skąd pochodzą pomiary?")
    queue = _page(app, "/komentarze/moderacja", "analityk")
    items = queue.select(".ua-queue-item")
    assert [i.select_one(".ua-comment-text").get_text() for i in items] == [TEXT, "Skąd pochodzą pomiary?"]
    assert items[0].select_one("h2 a")["href"].startswith(f"/dataset/{PUBLIC}")
    comment_id = items[0]["id"].removeprefix("comment-")
    done = app.post(f"/komentarze/{comment_id}/moderacja", data={"decision": "approve", "back": "queue"},
                    headers=_headers("analityk"), follow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"].endswith("/komentarze/moderacja")
    assert len(_page(app, "/komentarze/moderacja", "analityk").select(".ua-queue-item")) == 1
    assert app.get("/komentarze/moderacja", headers=_headers("sasiad")).status_code == 403
    anonymous = app.get("/komentarze/moderacja", follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]


@pytest.mark.ckan_config("ckanext.urbanaudit.comments.moderation", "false")
def test_without_moderation_a_comment_is_public_at_once(app, world):
    _post_comment(app, "mieszkaniec")
    assert _texts(_page(app, f"/dataset/{PUBLIC}"), "#ua-comments-approved") == [TEXT]


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_a_comment_post_without_the_csrf_token_is_refused(app, world):
    client = app.test_client()
    form = client.get("/user/login").get_data(as_text=True)
    client.post("/user/login", data={"login": "mieszkaniec", "password": PASSWORD, FIELD: csrf_token(form)})
    page = client.get(f"/dataset/{PUBLIC}").get_data(as_text=True)
    assert 'id="ua-comment-form"' in page, "not logged in"
    data = {"subject_type": "dataset", "subject_id": PUBLIC, "text": TEXT}
    forged = client.post("/komentarze", data=data, follow_redirects=False)
    assert forged.status_code in (400, 403), forged.status_code
    assert helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, status="pending")["count"] == 0
    accepted = client.post("/komentarze", data={**data, FIELD: csrf_token(page)}, follow_redirects=False)
    assert accepted.status_code == 302, accepted.status_code
    assert _only_comment()["text"] == TEXT


@pytest.mark.ckan_config("ckanext.urbanaudit.comments.rate_limit", "3/3600")
def test_a_burst_over_the_rate_limit_is_refused_with_429(app, world):
    statuses = [_post_comment(app, "mieszkaniec", text=f"Uwaga nr {n}").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    over = _api(app, "mieszkaniec", "urbanaudit_comment_create", {"subject_id": PUBLIC, "text": "Jeszcze jedna"})
    assert over.status_code == 409 and "rate_limit" in over.json["error"]
    assert helpers.call_action("urbanaudit_comment_list", {"user": "analityk"}, status="pending")["count"] == 3
    # the limit is per user: another resident still comments
    assert _post_comment(app, "sasiad").status_code == 302


def test_the_steward_gets_a_mail_about_the_new_comment(app, world, monkeypatch):
    sink = SmtpSink().start()
    try:
        monkeypatch.setitem(tk.config, "smtp.server", sink.address)
        monkeypatch.setitem(tk.config, "smtp.mail_from", "portal@um.kielce.example")
        assert _post_comment(app, "mieszkaniec").status_code == 302
    finally:
        sink.stop()
    mails = sink.to(STEWARD_EMAIL)
    assert len(mails) == 1 and len(sink.messages) == 1
    body = mails[0].get_body().get_content()
    assert TEXT in body and f"/dataset/{PUBLIC}" in body and "/komentarze/moderacja" in body
    assert "Nowy komentarz" in mails[0]["Subject"] and "New comment" in mails[0]["Subject"]
    assert body.index("dodał(a) komentarz do") < body.index("commented on")


def test_without_smtp_no_mail_is_attempted(app, world, monkeypatch):
    sink = SmtpSink().start()
    try:
        monkeypatch.setitem(tk.config, "smtp.server", sink.address)
        monkeypatch.setitem(tk.config, "smtp.mail_from", "")
        assert _post_comment(app, "mieszkaniec").status_code == 302
    finally:
        sink.stop()
    assert sink.messages == []
    assert _only_comment()["text"] == TEXT
