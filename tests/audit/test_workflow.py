"""Four eyes on department values, through the Action API: submit, return with a comment, correct, approve;
only approved values are public; every change kept; plausibility warnings must be acknowledged."""
from __future__ import annotations

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.urbanaudit.audit.model import Campaign, CampaignItem
from tests.audit.conftest import PER_100K_CODE, SHARE_CODE, SINGLE_CODE
from tests.indicator_data import _sysadmin_upsert, _v

pytestmark = pytest.mark.usefixtures("with_plugins")


def _as(user):
    return {"user": user, "ignore_auth": False}


def _submit(user, **data):
    return helpers.call_action("urbanaudit_value_submit", _as(user), **{"city": "kielce", "period": "2024", **data})


def _public(code, user=None):
    context = _as(user) if user else {"user": "", "ignore_auth": False}
    return helpers.call_action("urbanaudit_indicator_values", context, indicator_code=code, city="kielce")


def _api(app, action, data, user=None, status=200):
    headers = {}
    if user:
        token = helpers.call_action("api_token_create", {"user": user}, user=user, name="t")["token"]
        headers = {"Authorization": token}
    response = app.post(f"/api/3/action/{action}", json=data, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.json


def test_submit_return_correct_approve_publishes_only_the_approved_value(app, audit_world):
    # the steward gives the numerator and denominator; the system computes the ratio
    sub = _submit("steward-env", indicator_code=PER_100K_CODE, numerator=250, denominator=196000,
                  comment="Komenda Miejska PSP, stan na 31.12.")
    assert sub["status"] == "submitted" and sub["result"] == "created"
    assert sub["value"] == pytest.approx(250 / 196000 * 100000)
    # a draft is no public value: not in the API for anyone, not even the team's value series
    assert _public(PER_100K_CODE) == []
    assert _public(PER_100K_CODE, "analityk1") == []
    anonymous = _api(app, "urbanaudit_indicator_values", {"indicator_code": PER_100K_CODE, "city": "kielce"})
    assert anonymous["result"] == []

    returned = helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="return",
                                   comment="Mianownik to ludność z 30.06, nie z 31.12.")
    assert returned["status"] == "returned"
    assert returned["review_comment"] == "Mianownik to ludność z 30.06, nie z 31.12."
    # the steward sees the comment on their submission
    mine = helpers.call_action("urbanaudit_submission_list", _as("steward-env"), city="kielce")
    assert [(s["indicator_code"], s["status"], s["review_comment"]) for s in mine] == [
        (PER_100K_CODE, "returned", "Mianownik to ludność z 30.06, nie z 31.12.")]

    corrected = _submit("steward-env", indicator_code=PER_100K_CODE, numerator=250, denominator=194000)
    assert corrected["status"] == "submitted" and corrected["id"] == sub["id"]
    approved = helpers.call_action("urbanaudit_value_review", _as("analityk2"), id=sub["id"], decision="approve")
    assert approved["status"] == "approved"

    [public] = _public(PER_100K_CODE)
    assert (public["period"], public["source"]) == ("2024", "city")
    assert public["value"] == pytest.approx(250 / 194000 * 100000)
    assert public["method"] == "250 / 194000 × 100000"

    shown = helpers.call_action("urbanaudit_submission_show", _as("steward-env"), id=sub["id"])
    history = [(h["user"], h["action"], h["old_status"], h["new_status"], h["old_value"], h["new_value"])
               for h in shown["history"]]
    first, second = pytest.approx(250 / 196000 * 100000), pytest.approx(250 / 194000 * 100000)
    assert history == [
        ("steward-env", "submit", None, "submitted", None, first),
        ("analityk1", "return", "submitted", "returned", first, first),
        ("steward-env", "submit", "returned", "submitted", first, second),
        ("analityk2", "approve", "submitted", "approved", second, second),
    ]
    assert shown["history"][1]["comment"] == "Mianownik to ludność z 30.06, nie z 31.12."


def test_a_published_value_stays_until_its_correction_is_approved(audit_world):
    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=14.2)
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    _submit("steward-env", indicator_code=SINGLE_CODE, value=14.9, comment="korekta po weryfikacji stacji")
    assert [v["value"] for v in _public(SINGLE_CODE)] == [pytest.approx(14.2)]
    helpers.call_action("urbanaudit_value_review", _as("analityk2"), id=sub["id"], decision="approve")
    assert [v["value"] for v in _public(SINGLE_CODE)] == [pytest.approx(14.9)]


def test_nobody_approves_their_own_value(app, audit_world):
    sub = _submit("analityk1", indicator_code=SINGLE_CODE, value=12.0)
    with pytest.raises(Exception, match="they submitted"):
        helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    answer = _api(app, "urbanaudit_value_review", {"id": sub["id"], "decision": "approve"}, user="analityk1",
                  status=403)
    assert answer["success"] is False
    assert _public(SINGLE_CODE) == []


def test_a_return_needs_a_comment_and_only_submitted_values_are_reviewed(audit_world):
    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=12.0)
    with pytest.raises(helpers.logic.ValidationError, match="returned"):
        helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="return")
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    with pytest.raises(helpers.logic.ValidationError, match="Only a submitted value"):
        helpers.call_action("urbanaudit_value_review", _as("analityk2"), id=sub["id"], decision="return",
                            comment="za późno")


def test_who_may_submit_and_who_may_see_drafts(app, audit_world):
    # an editor of another department, a plain user and anonymous callers may not submit
    for user in ("steward-edu", "mieszkaniec", None):
        _api(app, "urbanaudit_value_submit", {"city": "kielce", "indicator_code": SINGLE_CODE, "period": "2024",
                                              "value": 10}, user=user, status=403)
    _submit("steward-env", indicator_code=SINGLE_CODE, value=10)
    # the draft is seen by the team and the department, not by another department or anonymous callers
    assert len(helpers.call_action("urbanaudit_submission_list", _as("analityk2"), city="kielce")) == 1
    assert helpers.call_action("urbanaudit_submission_list", _as("steward-edu"), city="kielce") == []
    _api(app, "urbanaudit_submission_list", {"city": "kielce"}, status=403)
    # a department's own figure never goes straight into the public values table
    answer = _api(app, "urbanaudit_indicator_value_upsert", {"values": [
        {"city": "kielce", "indicator_code": SINGLE_CODE, "period": "2023", "value": 9, "source": "city"}]},
        user="steward-env", status=403)
    assert "urbanaudit_value_submit" in answer["error"]["message"]


def test_plausibility_warnings_must_be_acknowledged_by_submitter_and_analyst(audit_world):
    _sysadmin_upsert([_v("kielce", SINGLE_CODE, "2023", 20.0, source="gios")])
    # +60 % against last year's published 20.0
    with pytest.raises(helpers.logic.ValidationError) as refused:
        _submit("steward-env", indicator_code=SINGLE_CODE, value=32.0)
    assert "60.0 %" in str(refused.value.error_dict["warnings"]) and "30" in str(refused.value.error_dict["warnings"])
    assert helpers.call_action("urbanaudit_submission_list", _as("analityk1"), city="kielce") == []

    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=32.0, acknowledge_warnings=True)
    assert [w["code"] for w in sub["warnings"]] == ["change"] and sub["acknowledged"] is True
    with pytest.raises(helpers.logic.ValidationError, match="Acknowledge"):
        helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve",
                        acknowledge_warnings=True)
    assert sorted(v["value"] for v in _public(SINGLE_CODE)) == [20.0, 32.0]


@pytest.mark.parametrize(("code", "data", "codes"), [
    # 120 % and a part larger than the whole
    (SHARE_CODE, {"numerator": 120, "denominator": 100}, ["percent_range", "share"]),
    (SHARE_CODE, {"numerator": -5, "denominator": 100}, ["percent_range", "negative"]),
    (SINGLE_CODE, {"value": -3}, ["negative"]),
    (SHARE_CODE, {"value": 7.5, "unit": "‰"}, ["unit"]),
    (SHARE_CODE, {"value": 7.5, "unit": "%"}, []),
    (SHARE_CODE, {"numerator": 7, "denominator": 100}, []),
])
def test_each_plausibility_rule(audit_world, code, data, codes):
    if codes:
        with pytest.raises(helpers.logic.ValidationError):
            _submit("steward-env", indicator_code=code, **data)
    sub = _submit("steward-env", indicator_code=code, acknowledge_warnings=True, **data)
    assert [w["code"] for w in sub["warnings"]] == codes
    assert len(sub["warnings_text"]) == len(codes)


def test_bad_inputs_are_refused_with_the_field_named(audit_world):
    cases = [({"numerator": 5}, "denominator"), ({"numerator": 5, "denominator": 0}, "denominator"),
             ({"value": "dużo"}, "value"), ({}, "value"), ({"value": 5, "period": "24"}, "period"),
             ({"value": 5, "indicator_code": "ISO37120:2014:99.9"}, "indicator_code"),
             ({"numerator": 1, "denominator": 2, "indicator_code": SINGLE_CODE}, "numerator")]
    for given, field in cases:
        data = {"city": "kielce", "period": "2024", "indicator_code": SHARE_CODE, **given}
        with pytest.raises(helpers.logic.ValidationError) as refused:
            helpers.call_action("urbanaudit_value_submit", {"user": "analityk1"}, **data)
        assert field in refused.value.error_dict, (data, refused.value.error_dict)
    assert helpers.call_action("urbanaudit_submission_list", _as("analityk1"), city="kielce") == []


def test_opening_a_year_records_what_is_expected_and_from_whom(audit_world):
    result = helpers.call_action("urbanaudit_campaign_open", _as("analityk1"), city="kielce", year=2026,
                                 editions=["ISO37122:2019"])
    items = {i["indicator_code"]: i for i in result["items"]}
    assert sum(1 for c in items if c.startswith("ISO37120:2014:")) == 100
    assert sum(1 for c in items if c.startswith("ISO37122:2019:")) == 18
    assert not any(c.startswith("ISO37120:2018:") for c in items)
    env = items[SHARE_CODE]
    assert (env["department"], env["responsible"], env["due_date"]) == ("Wydział Środowiska", "steward-env",
                                                                        "2027-03-31")
    # unassigned indicators fall to the city's organization (the owner of their data set, else the city's)
    assert items["ISO37120:2014:6.1"]["department"] == "Urząd Miasta Kielce"
    assert result["totals"]["expected"] == 118 and result["totals"]["missing"] == 118

    # a submission and an approval move the counts; a past due date makes an item overdue
    sub = _submit("steward-env", indicator_code=SINGLE_CODE, value=11, period="2026")
    _submit("steward-env", indicator_code=SHARE_CODE, numerator=5000, denominator=100000, period="2026")
    helpers.call_action("urbanaudit_value_review", _as("analityk1"), id=sub["id"], decision="approve")
    campaign = model.Session.query(Campaign).filter_by(year=2026).one()
    model.Session.query(CampaignItem).filter_by(campaign_id=campaign.id, indicator_code=SHARE_CODE).update(
        {"due_date": "2020-01-31"})
    model.Session.commit()
    progress = helpers.call_action("urbanaudit_campaign_show", _as("analityk2"), city="kielce", year=2026)
    env_row = next(d for d in progress["departments"] if d["title"] == "Wydział Środowiska")
    assert (env_row["expected"], env_row.get("approved"), env_row.get("submitted"), env_row.get("missing"),
            env_row["overdue"]) == (3, 1, 1, 1, 1)
    reminders = {r["user"]: r["indicators"] for r in progress["remind"]}
    assert sorted(reminders["steward-env"]) == sorted([SHARE_CODE, PER_100K_CODE])


def test_assignments_are_all_or_nothing(audit_world):
    with pytest.raises(helpers.logic.ValidationError) as refused:
        helpers.call_action("urbanaudit_assignment_set", _as("analityk1"), city="kielce", assignments=[
            {"indicator_code": "ISO37120:2014:6.1", "department": "kielce-wydzial-edukacji", "due": "04-30"},
            {"indicator_code": "ISO37120:2014:6.2", "department": "nie-ma-takiego"},
            {"indicator_code": "ISO37120:2014:6.3", "responsible": "nikt", "due": "31-04"}])
    errors = refused.value.error_dict["assignments"]
    assert set(errors) == {"1", "2"} and "department" in errors["1"] and set(errors["2"]) == {"responsible", "due"}
    table = {a["indicator_code"]: a for a in helpers.call_action("urbanaudit_assignment_list", _as("analityk2"),
                                                                  city="kielce")}
    assert table["ISO37120:2014:6.1"]["assigned"] is False
    helpers.call_action("urbanaudit_assignment_set", _as("analityk1"), city="kielce", assignments=[
        {"indicator_code": "ISO37120:2014:6.1", "department": "kielce-wydzial-edukacji", "due": "04-30",
         "source_kind": "inventory", "source_ref": "rejestr-szkol"}])
    row = {a["indicator_code"]: a for a in helpers.call_action("urbanaudit_assignment_list", _as("analityk2"),
                                                                city="kielce")}["ISO37120:2014:6.1"]
    assert (row["assigned"], row["due"], row["source_kind"], row["source_ref"]) == (True, "04-30", "inventory",
                                                                                    "rejestr-szkol")
    assert row["department_id"] == audit_world["other"]["id"]
