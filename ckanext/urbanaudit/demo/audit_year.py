"""One complete reporting year of Kielce for the demo, through the real audit (issue 14, item 12).

The analytic team (two demo analysts) assigns every ISO 37120:2014 indicator to a department, opens the year,
and each department's steward downloads its questionnaire, fills it and uploads it; the second analyst approves
every value. Every value entered here is SYNTHETIC — invented to show the audit at full size — and carries the
flag ``synthetic`` (shown as "synthetic value (demo)" on every page that shows it); the values of the year that
the harvests brought (real recorded answers) are approved already and are left as they are.

Synthetic figures: a seeded random draw per indicator within a range by unit (e.g. 2-60 % for shares), entered
as numerator and denominator for ratios (a synthetic population of 190 000 for per-capita indicators).
Idempotent: a second run changes nothing.
"""
from __future__ import annotations

import io
import random
from typing import Any

import ckan.plugins.toolkit as tk
import openpyxl
from ckan import model

from ckanext.urbanaudit.audit import campaign, questionnaire
from ckanext.urbanaudit.audit import inputs as audit_inputs
from ckanext.urbanaudit.audit.model import SUBMITTED, Submission
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import SOURCE, Indicator

TEAM = {"name": "zespol-analityczny", "title": "Zespół analityczny (konta demonstracyjne)"}
ANALYSTS = ("analityk-demo-1", "analityk-demo-2")
# department -> (steward account, the ISO 37120:2014 clauses it answers for); the rest: the city office
DEPARTMENTS = {
    "wydzial-srodowiska": ("steward-srodowisko", {"7", "8", "16", "20", "21"}),
    "zarzad-transportu-miejskiego": ("steward-ztm", {"18"}),
    "wydzial-geodezji": ("steward-geodezja", {"19"}),
}
CITY_OFFICE = ("um-kielce", "steward-um")
POPULATION = 190000  # synthetic denominator of per-capita indicators
# denominators of other ratios (synthetic), by the denominator's English label
DENOMINATORS = {"Teachers": 1500, "Dwellings": 85000, "Customers": 90000, "Households": 80000,
                "Live births": 1700}
# plausible ranges of a synthetic value, by unit
RANGES: dict[str, tuple[float, float]] = {
    "%": (2, 60), "na 100 000 mieszkańców": (5, 400), "µg/m3": (8, 30), "minuty": (10, 40),
    "kWh/year": (1500, 3000), "kWh/m2": (100, 200), "hours": (1, 10), "lata": (75, 82), "tonnes": (50000, 80000),
    "litres/day": (100, 200), "hectares": (100, 2000), "liczba kierunków": (1, 5), "m2 na mieszkańca": (1, 30),
    "t na mieszkańca": (0.2, 0.5), "t CO2e na mieszkańca": (3, 9), "podróże na mieszkańca": (100, 400),
    "samochody na mieszkańca": (0.3, 0.7), "pojazdy na mieszkańca": (0.3, 0.7), "uczniowie na nauczyciela": (10, 14),
    "miejsca pracy na mieszkanie": (0.5, 1.2), "przerwy na odbiorcę rocznie": (0.5, 2),
    "godziny na gospodarstwo": (0.5, 3), "na 1000 urodzeń żywych": (2, 6),
}
SOURCE_NOTE = "dane syntetyczne (demo)"


def synthetic_answer(indicator: Indicator) -> dict[str, Any]:
    """The cells a department would fill for ``indicator``: numerator and denominator, or the value."""
    rng = random.Random(indicator.code)
    low, high = RANGES.get(indicator.unit, (1, 100))
    value = rng.uniform(low, high)
    spec = audit_inputs.for_indicator(indicator)
    if not spec.ratio:
        return {"value": round(value, 2)}
    denominator = DENOMINATORS.get(spec.denominator.get("en", ""), POPULATION)
    if spec.share:
        denominator = 100000
    return {"numerator": round(value * denominator / spec.scale), "denominator": denominator}


def _member(org: str, user: str, capacity: str) -> None:
    tk.get_action("organization_member_create")({"ignore_auth": True}, {"id": org, "username": user,
                                                                        "role": capacity})


def ensure_people(password: str) -> None:
    """The team's organization, the two analysts and a steward per department (same demo password)."""
    site = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    if model.Group.get(TEAM["name"]) is None:
        tk.get_action("organization_create")(dict(site), {**TEAM, "description": (
            "Konta demonstracyjne zespołu analitycznego audytu miejskiego (dane syntetyczne).")})
    stewards = [(org, steward) for org, (steward, _) in DEPARTMENTS.items()] + [CITY_OFFICE]
    for name in (*ANALYSTS, *(s for _, s in stewards)):
        if model.User.get(name) is None:
            tk.get_action("user_create")(dict(site), {"name": name, "email": f"{name}@example.invalid",
                                                      "password": password, "fullname": f"{name} (demo)"})
    for analyst in ANALYSTS:
        _member(TEAM["name"], analyst, "editor")
    for org, steward in stewards:
        _member(org, steward, "editor")


def _department_of(indicator: Indicator) -> str:
    clause = indicator.number.split(".")[0]
    return next((org for org, (_, clauses) in DEPARTMENTS.items() if clause in clauses), CITY_OFFICE[0])


def _steward_of(org: str) -> str:
    return DEPARTMENTS[org][0] if org in DEPARTMENTS else CITY_OFFICE[1]


def _fill(content: bytes, answers: dict[str, dict[str, Any]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[questionnaire.SHEET]
    header = {}
    for cell in sheet[1]:
        text = str(cell.value or "")
        if text.endswith("]") and "[" in text:
            header[text[text.rindex("[") + 1:-1]] = cell.column
    for row in sheet.iter_rows(min_row=2):
        code = row[header["code"] - 1].value
        if code not in answers:
            continue
        for key, value in {**answers[code], "flags": "syntetyczna", "source_note": SOURCE_NOTE}.items():
            sheet.cell(row=row[0].row, column=header[key], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load_year(city_name: str, year: int, password: str) -> dict[str, int]:
    ensure_people(password)
    city = City.get(city_name)
    if city is None:
        raise ValueError(f"unknown city {city_name}: load its city file first")
    lead, second = ({"user": a, "ignore_auth": False} for a in ANALYSTS)
    indicators = campaign.indicators_of([])
    tk.get_action("urbanaudit_assignment_set")(dict(lead), {"city": city.teryt, "assignments": [
        {"indicator_code": ind.code, "department": _department_of(ind), "responsible": _steward_of(_department_of(ind)),
         "source_kind": "harvest" if ind.availability == SOURCE else "department"} for ind in indicators]})
    tk.get_action("urbanaudit_campaign_open")(dict(lead), {"city": city.teryt, "year": year})
    status = campaign.statuses(city.teryt, str(year), [i.code for i in indicators])
    counts = {"submitted": 0, "approved": 0, "real": sum(1 for s in status.values() if s == "approved")}
    for org in sorted({_department_of(ind) for ind in indicators}):
        steward = {"user": _steward_of(org), "ignore_auth": False}
        answers = {ind.code: synthetic_answer(ind) for ind in indicators
                   if _department_of(ind) == org and status.get(ind.code) != "approved"}
        if not answers:
            continue
        group = model.Group.get(org)
        content = questionnaire.export_workbook(dict(steward), city, year, group)
        report = tk.get_action("urbanaudit_questionnaire_import")(dict(steward), {
            "city": city.teryt, "year": year, "department": org, "filename": f"{org}-{year}.xlsx",
            "content": _fill(content, answers), "acknowledge_warnings": True})
        if report["errors"]:
            raise ValueError(f"questionnaire of {org}: {report['errors'][:3]}")
        counts["submitted"] += len(report["created"]) + len(report["updated"])
    waiting = model.Session.query(Submission.id).filter_by(city_teryt=city.teryt, period=str(year),
                                                           status=SUBMITTED).all()
    for (sub_id,) in waiting:
        tk.get_action("urbanaudit_value_review")(dict(second), {"id": sub_id, "decision": "approve",
                                                                "acknowledge_warnings": True})
        counts["approved"] += 1
    return counts
