"""Indicator values: the batch upsert action and the series read action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories, helpers

from ckanext.urbanaudit.cities.model import City


@pytest.fixture
def cities(clean_db):
    org = factories.Organization(name="um-kielce")
    model.Session.add(City(teryt="2661011", slug="kielce", name="Kielce", bdl_unit_id="052615261000",
                           urban_audit_code="PL012C", peers=["0663011"], config={"organization": "um-kielce"}))
    model.Session.add(City(teryt="0663011", slug="lublin", name="Lublin", config={"organization": "um-lublin"}))
    model.Session.commit()
    return org


def _value(**overrides):
    value = {"city": "kielce", "indicator_code": "EUROSTAT:urb_cpop1:DE1001V", "period": "2020",
             "value": 193415, "unit": "persons", "source": "eurostat", "source_ref": "urb_cpop1"}
    value.update(overrides)
    return value


def _upsert(user, values):
    return helpers.call_action("urbanaudit_indicator_value_upsert", {"user": user["name"]}, values=values)


def test_upsert_creates_updates_and_leaves_identical_values_alone(cities):
    admin = factories.Sysadmin()
    counts = _upsert(admin, [_value(), _value(period="2021", value="192468,0", flags=["p"])])
    assert counts == {"created": 2, "updated": 0, "unchanged": 0}
    first = helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V")
    assert [(v["city"], v["period"], v["value"], v["flags"]) for v in first] == [
        ("2661011", "2020", 193415.0, []), ("2661011", "2021", 192468.0, ["p"])]

    counts = _upsert(admin, [_value(), _value(period="2021", value=192470, flags=["p"])])
    assert counts == {"created": 0, "updated": 1, "unchanged": 1}
    second = helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V",
                                 city="2661011")
    assert second[0]["computed_at"] == first[0]["computed_at"]  # the identical value was not touched
    assert second[1]["value"] == 192470.0
    assert second[1]["computed_at"] > first[1]["computed_at"]


def test_series_filters_by_city_source_and_period(cities):
    admin = factories.Sysadmin()
    _upsert(admin, [_value(period=str(y), value=y) for y in range(2015, 2021)]
            + [_value(city="0663011", period="2020", value=1), _value(period="2020", source="bdl", value=2)])
    series = helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V",
                                 city="kielce,lublin", source="eurostat", period_from="2019")
    assert [(v["city"], v["period"]) for v in series] == [("0663011", "2020"), ("2661011", "2019"),
                                                           ("2661011", "2020")]


def test_invalid_values_get_clear_errors_and_nothing_is_stored(cities):
    admin = factories.Sysadmin()
    bad = [_value(), _value(city="9999999"), _value(period="2020/21"), _value(value="many"),
           _value(value=None), _value(source="Eurostat!"), _value(colour="red")]
    with pytest.raises(tk.ValidationError) as error:
        _upsert(admin, bad)
    errors = error.value.error_dict["values"]
    assert sorted(errors) == ["1", "2", "3", "4", "5", "6"]
    assert "Unknown city" in errors["1"]["city"][0]
    assert "year" in errors["2"]["period"][0]
    assert "number" in errors["3"]["value"][0]
    assert "flag" in errors["4"]["value"][0]
    assert "lowercase" in errors["5"]["source"][0]
    assert "colour" in errors["6"]["__extras"][0]
    # the valid first row was not stored either: a batch is all or nothing
    assert helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V") == []
    # a missing value with a flag saying why is accepted
    assert _upsert(admin, [_value(value=None, flags=["x"])])["created"] == 1


def test_only_editors_of_the_city_organization_may_store_values(cities):
    editor, member, stranger = factories.User(), factories.User(), factories.User()
    helpers.call_action("organization_member_create", id=cities["id"], username=editor["name"], role="editor")
    helpers.call_action("organization_member_create", id=cities["id"], username=member["name"], role="member")
    # the action called as the editor with its auth checked (helpers.call_action would skip it)
    def upsert_as(user, values):
        return tk.get_action("urbanaudit_indicator_value_upsert")(
            {"user": user["name"], "ignore_auth": False}, {"values": values})

    assert upsert_as(editor, [_value()])["created"] == 1
    # the denied counterparts through the same action: an editor of another organization (Lublin's) may not
    # store Kielce's values, nor Kielce's editor Lublin's; nothing is stored
    lublin_editor = factories.User()
    factories.Organization(name="um-lublin", users=[{"name": lublin_editor["name"], "capacity": "editor"}])
    with pytest.raises(tk.NotAuthorized):
        upsert_as(lublin_editor, [_value(period="2021")])
    with pytest.raises(tk.NotAuthorized):
        upsert_as(editor, [_value(city="lublin")])
    stored = helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V")
    assert [(v["city"], v["period"]) for v in stored] == [("2661011", "2020")]
    for user in (member, stranger):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("urbanaudit_indicator_value_upsert", {"user": user["name"]}, values=[_value()])
    # an editor of Kielce's organization may not write Lublin's values
    with pytest.raises(tk.NotAuthorized):
        helpers.call_auth("urbanaudit_indicator_value_upsert", {"user": editor["name"]},
                          values=[_value(city="lublin")])
    # anyone may read a series
    assert helpers.call_auth("urbanaudit_indicator_values", {"user": ""}, indicator_code="x")
