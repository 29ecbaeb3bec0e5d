"""The auth matrix of the extension, over HTTP: every action it registers, called through the Action API
(``/api/3/action/<name>``, API token in the Authorization header, as a real client would) by five callers:

- ``anonymous``: no token;
- ``member_a``: a member (read-only) of department A;
- ``editor_b``: an editor of another department B;
- ``editor_a``: an editor of department A;
- ``sysadmin``.

Denied is HTTP 403. Allowed is anything but 403: 200, or a validation / not-found answer (CKAN's API
answers 409 for a validation error, 404 for a missing object). Where an action filters what it returns,
the private data of department A must be absent for those who may not see it and present for those who
may. Two pages are in the matrix too: the inventory export (``GET /inventory/export.xlsx``) and the
department's quality recompute (``POST /quality/<org>/recompute``).

The extension is addressed by action names, URLs and table names only (no imports from ``ckanext``), so
the matrix survives a reorganisation of its modules; a test fails when an ``urbanaudit_*`` action is
registered without a row here.
"""
from __future__ import annotations

import io
import json
import zipfile

import ckan.logic
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories, helpers

from tests.inventory_records import full_record

ROLES = ("anonymous", "member_a", "editor_b", "editor_a", "sysadmin")
A_READERS = {"member_a", "editor_a", "sysadmin"}  # may see department A's private data
DENY, ALLOW = "deny", "allow"

CITY = "kielce"
PRIVATE_CODE = "ISO37120:2014:8.7"  # an indicator of the catalogue; its data set is private to department A
PRIVATE_SLUG = "iso37120-2014-8-7"
PUBLIC_NAME, PRIVATE_NAME = "jawny-rejestr-a", "tajny-rejestr-a"
PRIVATE_TITLE, PRIVATE_IDENTIFIER = "Tajny rejestr wydziału A", "KIELCE-A-SECRET-002"


# ---------------------------------------------------------------------------------------------- the world

@pytest.fixture
def world(clean_db, clean_index):
    """Departments A and B, a caller per role with an API token, a public and a private inventory record of
    A (both scored), a city, and a private indicator data set of A with a (stale) value."""
    org_a = factories.Organization(name="wydzial-a", title="Wydział A")
    org_b = factories.Organization(name="wydzial-b", title="Wydział B")
    users = {"member_a": factories.User(), "editor_b": factories.User(), "editor_a": factories.User(),
             "sysadmin": factories.Sysadmin()}
    for role, org, capacity in (("member_a", org_a, "member"), ("editor_a", org_a, "editor"),
                                ("editor_b", org_b, "editor")):
        helpers.call_action("organization_member_create", id=org["id"], username=users[role]["name"],
                            role=capacity)
    tokens = {role: factories.APIToken(user=user["name"])["token"] for role, user in users.items()}

    public = helpers.call_action("package_create", **full_record(
        org_a["id"], name=PUBLIC_NAME, title="Jawny rejestr wydziału A", identifier="KIELCE-A-PUBLIC-001",
        iso37120_theme=["8"]))
    private = helpers.call_action("package_create", **full_record(
        org_a["id"], name=PRIVATE_NAME, title=PRIVATE_TITLE, identifier=PRIVATE_IDENTIFIER,
        iso37120_theme=["8"], private=True))

    model.Session.execute(sa.text(
        "INSERT INTO urbanaudit_city (teryt, slug, name, peers, config, updated_at) "
        "VALUES ('2661011', :slug, 'Kielce', '[]'::jsonb, CAST(:config AS jsonb), now())"),
        {"slug": CITY, "config": json.dumps({"organization": org_a["name"]})})
    model.Session.commit()
    factories.Dataset(type="indicator", name=PRIVATE_SLUG, title=f"{PRIVATE_CODE} — Zanieczyszczenie hałasem",
                      indicator_code=PRIVATE_CODE, owner_org=org_a["id"], private=True)

    admin = {"user": users["sysadmin"]["name"]}
    helpers.call_action("urbanaudit_indicator_value_upsert", dict(admin), values=[
        {"city": CITY, "indicator_code": PRIVATE_CODE, "period": "2000", "value": 12.5, "source": "city"}])
    helpers.call_action("urbanaudit_quality_recompute", dict(admin), all=True)
    return {"org_a": org_a, "org_b": org_b, "users": users, "tokens": tokens, "public": public,
            "private": private}


def _headers(world, role) -> dict:
    return {"Authorization": world["tokens"][role]} if role != "anonymous" else {}


def call(app, world, role, action, data):
    return app.post(f"/api/3/action/{action}", json=data, headers=_headers(world, role))


# -------------------------------------------------------------------------- filters of the allowed answers

def _names(result) -> set[str]:
    return {r["name"] for r in result}


def _check_feed(result, world, role):
    # the dane.gov.pl feed is public data only: private records never, whoever asks
    assert PRIVATE_NAME not in _names(result)
    assert PRIVATE_TITLE not in json.dumps(result, ensure_ascii=False)


def _check_city_list(result, world, role):
    assert CITY in {c["slug"] for c in result}


def _check_city_show(result, world, role):
    if role not in A_READERS:
        assert PRIVATE_CODE not in json.dumps(result)


def _check_danegovpl_report(result, world, role):
    # excluded records are listed only to the editors of their department (and sysadmins)
    excluded = json.dumps(result.get("excluded"), ensure_ascii=False)
    sees = role in {"editor_a", "sysadmin"}
    assert (PRIVATE_NAME in excluded or world["private"]["id"] in excluded) is sees, excluded[:500]


def _check_gaps(result, world, role):
    assert (PRIVATE_CODE in {g["code"] for g in result["gaps"]}) is (role in A_READERS)
    # the data sets that could feed a gap are searched as an anonymous visitor: private ones never appear
    assert PRIVATE_TITLE not in json.dumps(result, ensure_ascii=False)


def _check_indicator_list(result, world, role):
    assert (PRIVATE_CODE in {i["code"] for i in result["results"]}) is (role in A_READERS)


def _check_indicator_values(result, world, role):
    assert bool([v for v in result if v["indicator_code"] == PRIVATE_CODE]) is (role in A_READERS)


def _check_quality_list(result, world, role):
    names = _names(result["results"])
    assert PUBLIC_NAME in names
    assert (PRIVATE_NAME in names) is (role in A_READERS)


def _check_quality_show(result, world, role):
    assert result["name"] == PRIVATE_NAME and result["score"] >= 0


def _status_indicator_show(role):
    # a private indicator does not exist for those outside its department
    return 200 if role in A_READERS else 404


def _only(*roles):
    return {role: ALLOW if role in roles else DENY for role in ROLES}


def _pending_comment(world) -> str:
    """A comment of department A's member on A's private data set, waiting for moderation."""
    return helpers.call_action("urbanaudit_comment_create", {"user": world["users"]["member_a"]["name"]},
                               subject_id=PRIVATE_NAME, text="Uwaga do rejestru")["id"]


EVERYONE = _only(*ROLES)
EDITORS = _only("editor_b", "editor_a", "sysadmin")

# action -> (request data (world -> dict), expected per role, check of an allowed answer, expected status)
MATRIX = {
    "current_package_list_with_resources": (lambda w: {}, EVERYONE, _check_feed, 200),
    "harvest_jobs_run": (lambda w: {}, _only("sysadmin"), None, None),
    # the yearly audit: the analytic team (here: sysadmins) runs it; the indicator's department submits
    "urbanaudit_assignment_list": (lambda w: {"city": CITY}, _only("sysadmin"), None, 200),
    "urbanaudit_assignment_set": (
        lambda w: {"city": CITY, "assignments": [{"indicator_code": PRIVATE_CODE, "department": "wydzial-a"}]},
        _only("sysadmin"), None, 200),
    "urbanaudit_campaign_list": (lambda w: {"city": CITY}, _only("sysadmin"), None, 200),
    "urbanaudit_campaign_open": (lambda w: {"city": CITY, "year": 2024}, _only("sysadmin"), None, 200),
    "urbanaudit_campaign_show": (lambda w: {"city": CITY, "year": 2023}, _only("sysadmin"), None, 404),
    "urbanaudit_submission_list": (lambda w: {"city": CITY}, _only("member_a", "editor_b", "editor_a", "sysadmin"),
                                   None, 200),
    "urbanaudit_submission_show": (lambda w: {"id": 987654}, _only("member_a", "editor_b", "editor_a", "sysadmin"),
                                   None, 404),
    # a department's questionnaire: its editors and the team (no year open: the allowed get 404)
    "urbanaudit_questionnaire_import": (
        lambda w: {"city": CITY, "year": 2024, "department": "wydzial-a", "dry_run": True},
        _only("editor_a", "sysadmin"), None, 404),
    "urbanaudit_value_review": (lambda w: {"id": 987654, "decision": "approve"}, _only("sysadmin"), None, 404),
    "urbanaudit_value_submit": (
        lambda w: {"city": CITY, "indicator_code": PRIVATE_CODE, "period": "2003", "value": 5},
        _only("editor_a", "sysadmin"), None, 200),
    # the city's targets: the analytic team (here: sysadmins) writes them, everyone reads them (public policy)
    "urbanaudit_target_set": (
        lambda w: {"city": CITY, "indicator_code": PRIVATE_CODE, "target_value": 10, "target_year": 2030,
                   "policy_name": "Program ochrony środowiska"}, _only("sysadmin"), None, 200),
    "urbanaudit_target_delete": (lambda w: {"city": CITY, "indicator_code": PRIVATE_CODE}, _only("sysadmin"), None,
                                 404),
    "urbanaudit_target_list": (lambda w: {"city": CITY}, EVERYONE, _check_city_show, 200),
    "urbanaudit_leadership": (lambda w: {"city": CITY}, EVERYONE, _check_city_show, 200),
    # the ISO 37120 report: public, published values only; a private indicator only for its department's readers
    "urbanaudit_iso37120_report": (lambda w: {"city": CITY, "year": 2000}, EVERYONE, _check_city_show, 200),
    "urbanaudit_city_list": (lambda w: {}, EVERYONE, _check_city_list, 200),
    "urbanaudit_city_show": (lambda w: {"id": CITY}, EVERYONE, _check_city_show, 200),
    "urbanaudit_danegovpl_report": (lambda w: {}, EDITORS, _check_danegovpl_report, 200),
    "urbanaudit_gaps": (lambda w: {"city": CITY}, EVERYONE, _check_gaps, 200),
    "urbanaudit_indicator_compute": (lambda w: {"city": CITY}, _only("sysadmin"), None, 200),
    "urbanaudit_indicator_list": (lambda w: {}, EVERYONE, _check_indicator_list, 200),
    "urbanaudit_indicator_show": (lambda w: {"id": PRIVATE_CODE, "city": CITY}, EVERYONE, None,
                                  _status_indicator_show),
    "urbanaudit_indicator_value_upsert": (
        lambda w: {"values": [{"city": CITY, "indicator_code": PRIVATE_CODE, "period": "2001", "value": 3,
                               "source": "bdl"}]},
        _only("editor_a", "sysadmin"), None, 200),
    "urbanaudit_indicator_values": (lambda w: {"indicator_code": PRIVATE_CODE}, EVERYONE,
                                    _check_indicator_values, _status_indicator_show),
    # without a file: the allowed get the validation answer (409), the others 403
    "urbanaudit_inventory_import": (lambda w: {"dry_run": True}, EDITORS, None, 409),
    "urbanaudit_quality_list": (lambda w: {}, EVERYONE, _check_quality_list, 200),
    "urbanaudit_quality_recompute": (lambda w: {"owner_org": w["org_a"]["name"]}, _only("editor_a", "sysadmin"),
                                     None, 200),
    # on a PRIVATE data set of A: whoever may read the data set may read its score
    "urbanaudit_quality_show": (lambda w: {"id": PRIVATE_NAME}, _only(*A_READERS), _check_quality_show, 200),
    # comments on a PRIVATE data set of A: its readers write and read them; the team (here: sysadmins) moderates
    "urbanaudit_comment_create": (lambda w: {"subject_id": PRIVATE_NAME, "text": "Uwaga"}, _only(*A_READERS), None,
                                  200),
    "urbanaudit_comment_list": (lambda w: {"subject_id": PRIVATE_NAME}, _only(*A_READERS), None, 200),
    "urbanaudit_comment_moderate": (lambda w: {"id": _pending_comment(w), "decision": "reject"}, _only("sysadmin"),
                                    None, 200),
    # residents' data requests: logged-in users file them (anonymous visitors only when configured), everyone reads
    # the public list and pages, the analytic team (here: sysadmins) moderates
    "urbanaudit_data_request_create": (lambda w: {"title": "Rejestr drzew", "purpose": "Do pracy o zieleni."},
                                       _only("member_a", "editor_b", "editor_a", "sysadmin"), None, 200),
    "urbanaudit_data_request_list": (lambda w: {}, EVERYONE, None, 200),
    "urbanaudit_data_request_show": (lambda w: {"id": 987654}, EVERYONE, None, 404),
    "urbanaudit_data_request_update": (lambda w: {"id": 987654, "status": "under_review"}, _only("sysadmin"), None,
                                       404),
}

def _cases():
    for action, (_, expected, _, _) in MATRIX.items():
        for role in ROLES:
            yield pytest.param(action, role, expected[role], id=f"{action}-{role}")


# ------------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize(("action", "role", "expected"), list(_cases()))
def test_action_auth_matrix(app, world, action, role, expected):
    build, _, check, status = MATRIX[action]
    response = call(app, world, role, action, build(world))
    if expected == DENY:
        assert response.status_code == 403, response.get_data(as_text=True)[:500]
        assert response.json["success"] is False
        return
    assert response.status_code != 403, response.get_data(as_text=True)[:500]
    wanted = status(role) if callable(status) else status
    if wanted is not None:
        assert response.status_code == wanted, response.get_data(as_text=True)[:500]
    else:
        assert response.status_code in (200, 400, 404, 409), response.get_data(as_text=True)[:500]
    if check is not None and response.status_code == 200:
        check(response.json["result"], world, role)


@pytest.mark.parametrize("role", ROLES)
def test_quality_show_of_a_public_data_set_is_open_to_everyone(app, world, role):
    response = call(app, world, role, "urbanaudit_quality_show", {"id": PUBLIC_NAME})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.json["result"]["name"] == PUBLIC_NAME


def _xlsx_text(content: bytes) -> str:
    """Every shared string and sheet cell of a workbook, as text (an XLSX is a zip of XML parts)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return " ".join(book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("xl/")
                        and n.endswith(".xml"))


@pytest.mark.parametrize(("role", "expected"), [(r, EDITORS[r]) for r in ROLES])
def test_inventory_export_page(app, world, role, expected):
    response = app.get("/inventory/export.xlsx", headers=_headers(world, role))
    if expected == DENY:
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = response.get_data()
    assert content[:2] == b"PK"
    text = _xlsx_text(content)
    assert "KIELCE-A-PUBLIC-001" in text
    # department A's private record: only to A's editors and sysadmins
    assert (PRIVATE_IDENTIFIER in text) is (role in {"editor_a", "sysadmin"})


@pytest.mark.parametrize(("role", "expected"), [(r, _only("editor_a", "sysadmin")[r]) for r in ROLES])
def test_quality_recompute_page(app, world, role, expected):
    response = app.post(f"/quality/{world['org_a']['name']}/recompute", headers=_headers(world, role),
                        follow_redirects=False)
    if expected == DENY:
        assert response.status_code == 403
        return
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].rstrip("/").endswith(f"/quality/{world['org_a']['name']}")


def test_the_matrix_covers_every_registered_action():
    ckan.logic.get_action("package_show")  # loads every plugin's actions into the registry
    registered = set(ckan.logic._actions)
    ours = {name for name in registered if name.startswith("urbanaudit_")}
    assert ours, "no urbanaudit_ action registered: is the plugin loaded?"
    assert ours <= set(MATRIX), f"actions missing from the auth matrix: {sorted(ours - set(MATRIX))}"
    assert set(MATRIX) <= registered, f"matrix rows of unregistered actions: {sorted(set(MATRIX) - registered)}"
