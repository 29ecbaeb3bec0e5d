"""Residents' data requests over HTTP (the form, the pages, the Action API) with the real database and Redis: who
may file one, validation, the rate limit, CSRF, the team's moderation with its history, the contact e-mail kept
from the public, and the requests naming an indicator on /gaps."""
from __future__ import annotations

import re

import pytest
from ckan import logic
from ckan.tests import helpers

from tests.audit.conftest import CSRF_FIELD, CSRF_TOKEN, login_client
from tests.requests.conftest import PASSWORD, PRIVATE, PUBLIC

EMAIL = "mieszkanka.prywatna@example.org"
INDICATOR = "ISO37120:2014:8.1"  # PM2.5, in the catalogue
FORM = {"title": "Liczba drzew na osiedlu Ślichowice", "purpose": "Do pracy magisterskiej o zieleni osiedli.",
        "contact_email": EMAIL, "theme": "8", "indicator_code": ""}
REQUEST_PAGE = re.compile(r"/prosby-o-dane/(\d+)$")


def _count() -> int:
    return helpers.call_action("urbanaudit_data_request_list", {"user": ""})["count"]


def _filed_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    found = REQUEST_PAGE.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _team_show(request_id: int) -> dict:
    return helpers.call_action("urbanaudit_data_request_show", {"user": "analityk"}, id=request_id)


def _file(user: str, **fields) -> dict:
    return helpers.call_action("urbanaudit_data_request_create", {"user": user}, **{**FORM, **fields})


# ------------------------------------------------------------------------------------------------ filing

def test_a_logged_in_resident_files_a_request_through_the_form(app, requests_world):
    client = login_client(app, "mieszkanka", PASSWORD)
    form_page = client.get("/prosby-o-dane/nowa")
    assert form_page.status_code == 200
    assert 'name="title"' in form_page.get_data(as_text=True)

    request_id = _filed_id(client.post("/prosby-o-dane/nowa", data=FORM, follow_redirects=False))
    page = client.get(f"/prosby-o-dane/{request_id}").get_data(as_text=True)
    assert FORM["title"] in page and FORM["purpose"] in page
    assert 'data-status="new"' in page
    listed = app.get("/prosby-o-dane").get_data(as_text=True)
    assert FORM["title"] in listed

    stored = _team_show(request_id)
    assert stored["status"] == "new" and stored["theme"] == "8" and stored["city"] == "2661011"
    assert stored["created_by"] == requests_world["users"]["mieszkanka"]["id"]
    assert stored["contact_email"] == EMAIL
    assert [(e["action"], e["new_status"]) for e in stored["history"]] == [("created", "new")]


def test_anonymous_visitors_may_not_file_a_request_unless_configured(app, requests_world):
    form_page = app.get("/prosby-o-dane/nowa", follow_redirects=False)
    assert form_page.status_code == 302 and "/user/login" in form_page.headers["Location"]
    posted = app.post("/prosby-o-dane/nowa", data=FORM, follow_redirects=False)
    assert posted.status_code == 302 and "/user/login" in posted.headers["Location"]
    api = app.post("/api/3/action/urbanaudit_data_request_create", json=FORM)
    assert api.status_code == 403
    assert _count() == 0


@pytest.mark.ckan_config("ckanext.urbanaudit.requests.anonymous", True)
def test_anonymous_visitors_file_a_request_when_configured(app, requests_world):
    assert app.get("/prosby-o-dane/nowa").status_code == 200
    request_id = _filed_id(app.post("/prosby-o-dane/nowa", data=FORM, follow_redirects=False))
    stored = _team_show(request_id)
    assert stored["created_by"] is None and stored["contact_email"] == EMAIL
    # by the API too
    api = app.post("/api/3/action/urbanaudit_data_request_create", json={**FORM, "title": "Rozkłady jazdy"})
    assert api.status_code == 200, api.get_data(as_text=True)
    assert _count() == 2


@pytest.mark.parametrize(("field", "value"), [
    ("title", ""), ("title", "x" * 201), ("purpose", "   "), ("purpose", "x" * 2001),
    ("contact_email", "nie-adres"), ("contact_email", "a@b"), ("theme", "99"), ("indicator_code", "NO:SUCH:1"),
])
def test_a_request_with_a_bad_field_is_refused_with_a_message(app, requests_world, field, value):
    token = requests_world["tokens"]["mieszkanka"]
    api = app.post("/api/3/action/urbanaudit_data_request_create", json={**FORM, field: value},
                   headers={"Authorization": token})
    assert api.status_code == 409, api.get_data(as_text=True)
    assert field in api.json["error"]
    page = app.post("/prosby-o-dane/nowa", data={**FORM, field: value}, headers={"Authorization": token})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="ua-request-errors"' in text and f'id="ua-error-{field}"' in text
    assert _count() == 0


def test_the_longest_allowed_fields_are_accepted(requests_world):
    stored = _file("mieszkanka", title="t" * 200, purpose="p" * 2000, indicator_code=INDICATOR)
    assert len(stored["title"]) == 200 and stored["indicator_code"] == INDICATOR


# ----------------------------------------------------------------------------------------- rate limit, CSRF

@pytest.mark.ckan_config("ckanext.urbanaudit.requests.rate_limit", "3/3600")
def test_a_burst_over_the_rate_limit_is_refused_with_429(app, requests_world):
    token = requests_world["tokens"]["mieszkanka"]
    for n in range(3):
        response = app.post("/prosby-o-dane/nowa", data={**FORM, "title": f"Prośba {n}"},
                            headers={"Authorization": token}, follow_redirects=False)
        assert response.status_code == 302, n
    over = app.post("/prosby-o-dane/nowa", data={**FORM, "title": "Prośba 4"}, headers={"Authorization": token})
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "3600"
    assert "Za dużo próśb o dane: najwyżej 3 w ciągu 60 minut." in over.get_data(as_text=True)
    api = app.post("/api/3/action/urbanaudit_data_request_create", json={**FORM, "title": "Prośba 5"},
                   headers={"Authorization": token})
    assert api.status_code == 429 and api.json["success"] is False
    english = app.post("/en/prosby-o-dane/nowa", data=FORM, headers={"Authorization": token})
    assert english.status_code == 429
    assert "Too many data requests from you: at most 3 in 60 minutes." in english.get_data(as_text=True)
    assert _count() == 3
    # another resident has a limit of their own
    other = app.post("/prosby-o-dane/nowa", data=FORM, headers={"Authorization": requests_world["tokens"]["sasiad"]},
                     follow_redirects=False)
    assert other.status_code == 302
    assert _count() == 4


@pytest.mark.ckan_config("ckanext.urbanaudit.requests.anonymous", True)
@pytest.mark.ckan_config("ckanext.urbanaudit.requests.rate_limit", "2/600")
def test_anonymous_visitors_share_the_limit_of_their_address(app, requests_world):
    for n in range(2):
        assert app.post("/prosby-o-dane/nowa", data={**FORM, "title": f"Anonimowa {n}"},
                        follow_redirects=False).status_code == 302
    assert app.post("/prosby-o-dane/nowa", data=FORM).status_code == 429
    assert app.post("/api/3/action/urbanaudit_data_request_create", json=FORM).status_code == 429
    assert _count() == 2


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
@pytest.mark.ckan_config("ckanext.urbanaudit.requests.anonymous", True)
@pytest.mark.ckan_config("ckanext.urbanaudit.requests.rate_limit", "1/600")
def test_an_anonymous_post_without_the_csrf_token_is_refused(app, requests_world):
    client = app.test_client()
    page = client.get("/prosby-o-dane/nowa")
    assert page.status_code == 200
    found = CSRF_TOKEN.search(page.get_data(as_text=True))
    assert found, "the form carries no CSRF token"

    for _ in range(2):  # refused before the rate limit: forged posts use up nobody's limit
        forged = client.post("/prosby-o-dane/nowa", data=FORM, follow_redirects=False)
        assert forged.status_code in (400, 403), forged.status_code
        api = client.post("/api/3/action/urbanaudit_data_request_create", data=FORM)
        assert api.status_code in (400, 403), api.status_code
    assert _count() == 0

    accepted = client.post("/prosby-o-dane/nowa", data={**FORM, CSRF_FIELD: found.group(1) or found.group(2)},
                           follow_redirects=False)
    _filed_id(accepted)
    assert _count() == 1


# ------------------------------------------------------------------------------------------------ moderation

def test_the_team_moderates_and_every_change_is_in_the_history(requests_world):
    filed = _file("mieszkanka")
    team = {"user": "analityk"}
    update = helpers.call_action

    with pytest.raises(logic.NotAuthorized):
        update("urbanaudit_data_request_update", {"user": "mieszkanka", "ignore_auth": False}, id=filed["id"],
               status="under_review")

    assert update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="under_review",
                  comment="Sprawdzamy w Wydziale Środowiska.")["status"] == "under_review"
    # answering needs a data set that exists and is public
    for missing in ("", "nie-ma-takiego", PRIVATE):
        with pytest.raises(logic.ValidationError) as err:
            update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="answered",
                   answer_dataset=missing)
        assert "answer_dataset" in err.value.error_dict
    # refusing needs a reason; "other" needs words
    with pytest.raises(logic.ValidationError) as err:
        update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="refused")
    assert "refusal_reason" in err.value.error_dict
    with pytest.raises(logic.ValidationError) as err:
        update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="refused", refusal_reason="other")
    assert "refusal_text" in err.value.error_dict

    answered = update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="answered",
                      answer_dataset=PUBLIC, title="Drzewa na osiedlu Ślichowice")
    assert answered["result"] == "updated"
    assert answered["answer_dataset"]["name"] == PUBLIC and answered["refusal_reason"] is None
    assert update("urbanaudit_data_request_update", dict(team), id=filed["id"], status="answered",
                  answer_dataset=PUBLIC)["result"] == "unchanged"

    history = _team_show(filed["id"])["history"]
    analyst_id = requests_world["users"]["analityk"]["id"]
    assert [(e["action"], e["old_status"], e["new_status"]) for e in history] == [
        ("created", None, "new"), ("status", "new", "under_review"), ("edited", "under_review", "under_review"),
        ("status", "under_review", "answered")]
    assert history[1]["comment"] == "Sprawdzamy w Wydziale Środowiska." and history[1]["user_id"] == analyst_id
    assert history[0]["user_id"] == requests_world["users"]["mieszkanka"]["id"]


def test_the_team_answers_on_the_request_page_and_the_resident_sees_the_answer(app, requests_world):
    filed = _file("mieszkanka")
    analyst = login_client(app, "analityk", PASSWORD)
    page = analyst.get(f"/prosby-o-dane/{filed['id']}").get_data(as_text=True)
    assert 'id="ua-moderation-form"' in page and EMAIL in page
    saved = analyst.post(f"/prosby-o-dane/{filed['id']}/moderacja", data={
        "status": "answered", "answer_dataset": f"http://127.0.0.1:5000/dataset/{PUBLIC}", "comment": "Gotowe."},
        follow_redirects=False)
    assert saved.status_code == 302

    resident = login_client(app, "mieszkanka", PASSWORD).get(f"/prosby-o-dane/{filed['id']}").get_data(as_text=True)
    assert 'data-status="answered"' in resident
    assert f'href="/dataset/{PUBLIC}"' in resident
    assert 'id="ua-moderation-form"' not in resident
    # a resident may not moderate through the page either
    refused = login_client(app, "sasiad", PASSWORD).post(f"/prosby-o-dane/{filed['id']}/moderacja",
                                                          data={"status": "new"})
    assert refused.status_code == 403
    assert _team_show(filed["id"])["status"] == "answered"


def test_a_refusal_shows_its_reason_publicly(app, requests_world):
    filed = _file("mieszkanka")
    helpers.call_action("urbanaudit_data_request_update", {"user": "analityk"}, id=filed["id"], status="refused",
                        refusal_reason="personal_data", refusal_text="Rejestr zawiera nazwiska właścicieli.")
    page = app.get(f"/prosby-o-dane/{filed['id']}").get_data(as_text=True)
    assert 'data-status="refused"' in page and "dane osobowe" in page
    assert "Rejestr zawiera nazwiska właścicieli." in page
    assert app.get("/prosby-o-dane?status=refused").get_data(as_text=True).count('data-status="refused"') == 1
    assert 'data-status="refused"' not in app.get("/prosby-o-dane?status=new").get_data(as_text=True)


# -------------------------------------------------------------------------------------------------- privacy

def test_the_contact_email_and_the_author_are_never_public(app, requests_world):
    filed = _file("mieszkanka")
    helpers.call_action("urbanaudit_data_request_update", {"user": "analityk"}, id=filed["id"],
                        status="under_review", comment="Notatka zespołu")
    neighbour = {"Authorization": requests_world["tokens"]["sasiad"]}
    for headers in ({}, neighbour):
        for path in ("/prosby-o-dane", f"/prosby-o-dane/{filed['id']}", "/en/prosby-o-dane",
                     f"/api/3/action/urbanaudit_data_request_show?id={filed['id']}",
                     "/api/3/action/urbanaudit_data_request_list"):
            text = app.get(path, headers=headers).get_data(as_text=True)
            assert EMAIL not in text, path
            assert requests_world["users"]["mieszkanka"]["id"] not in text, path
            assert "mieszkanka" not in text and "Notatka zespołu" not in text, path
        shown = app.get(f"/api/3/action/urbanaudit_data_request_show?id={filed['id']}", headers=headers).json
        assert [e["new_status"] for e in shown["result"]["history"]] == ["new", "under_review"]
    own = app.get(f"/api/3/action/urbanaudit_data_request_show?id={filed['id']}",
                  headers={"Authorization": requests_world["tokens"]["mieszkanka"]}).json["result"]
    assert own["contact_email"] == EMAIL
    team = app.get(f"/api/3/action/urbanaudit_data_request_show?id={filed['id']}",
                   headers={"Authorization": requests_world["tokens"]["analityk"]}).json["result"]
    assert team["contact_email"] == EMAIL and team["history"][1]["comment"] == "Notatka zespołu"


# ------------------------------------------------------------------------------------------------------ gaps

def test_the_gaps_page_shows_the_requests_naming_an_indicator_or_a_theme(app, requests_world):
    named = _file("mieszkanka", title="Pomiary pyłu PM2.5 przy szkołach", indicator_code=INDICATOR, theme="")
    themed = _file("mieszkanka", title="Zieleń w dzielnicach", theme="8")
    plain = _file("mieszkanka", title="Godziny otwarcia urzędu", theme="")
    for path in ("/gaps", "/en/gaps"):
        page = app.get(path).get_data(as_text=True)
        section = page.split('id="ua-gaps-requests"', 1)
        assert len(section) == 2, path
        assert f'/prosby-o-dane/{named["id"]}"' in section[1] and INDICATOR in section[1]
        assert f'/prosby-o-dane/{themed["id"]}"' in section[1]
        assert f'/prosby-o-dane/{plain["id"]}"' not in page
    assert "Mieszkańcy o to prosili" in app.get("/gaps").get_data(as_text=True)
    assert "Residents asked for this" in app.get("/en/gaps").get_data(as_text=True)


def test_the_gaps_page_has_no_section_without_such_requests(app, requests_world):
    _file("mieszkanka", theme="")
    assert 'id="ua-gaps-requests"' not in app.get("/gaps").get_data(as_text=True)
