"""Template helpers of the yearly audit (collected by helpers.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.audit import campaign, team
from ckanext.urbanaudit.audit.model import Assignment, Campaign, CampaignItem, Submission
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.utils import utcnow


def urbanaudit_audit_value_url(city_slug: str, year: int, code: str) -> str:
    """The per-indicator value form (``/audit/<city>/<year>/value/<code>``, beside the questionnaire)."""
    return tk.h.url_for(f"/audit/{city_slug}/{year}/value/{code}")


def urbanaudit_audit_questionnaire_url(city_slug: str, year: int) -> str:
    """The department questionnaire of a reporting year (``/audit/<city>/<year>/questionnaire``)."""
    return tk.h.url_for(f"/audit/{city_slug}/{year}/questionnaire")


def _title(kind: type, obj_id: str | None) -> str | None:
    obj = kind.get(obj_id) if obj_id else None
    if obj is None:
        return None
    if kind is model.Group:
        return obj.title or obj.name
    return f"{obj.fullname} ({obj.name})" if obj.fullname else obj.name


def urbanaudit_audit_box(code: str, city: str | None) -> dict[str, Any] | None:
    """For the analytic team only (None for everyone else): who answers for indicator ``code`` in ``city``
    (department, person, source, due day) and the status of its value in the city's latest reporting year that
    expects it, with the addresses of the value's form and of its history."""
    if not tk.current_user.is_authenticated or not team.is_analyst(tk.current_user.name):
        return None
    place = City.get(city) if city else None
    ind = catalogue().get(code)
    if place is None or ind is None:
        return None
    assignment = model.Session.query(Assignment).filter_by(city_teryt=place.teryt, indicator_code=code).first()
    who = campaign.expected(place, ind, assignment)
    item = (model.Session.query(CampaignItem, Campaign.year).join(Campaign, Campaign.id == CampaignItem.campaign_id)
            .filter(Campaign.city_teryt == place.teryt, CampaignItem.indicator_code == code)
            .order_by(Campaign.year.desc()).first())
    box: dict[str, Any] = {
        **who, "city": {"teryt": place.teryt, "slug": place.slug, "name": place.name},
        "department": _title(model.Group, who["department_id"]),
        "responsible": _title(model.User, who["responsible_id"]),
        "year": None, "status": None, "overdue": False, "due_date": None, "submission_id": None,
        "assignments_url": tk.h.url_for("urbanaudit_audit_team.assignments", city=place.slug),
    }
    if item is not None:
        row, year = item
        status = campaign.statuses(place.teryt, str(year), [code]).get(code, campaign.MISSING)
        sub_id = model.Session.query(Submission.id).filter_by(
            city_teryt=place.teryt, indicator_code=code, period=str(year)).scalar()
        box.update({
            "year": year, "status": status, "due_date": row.due_date.isoformat() if row.due_date else None,
            "overdue": status != "approved" and row.due_date is not None and row.due_date < utcnow().date(),
            "submission_id": sub_id,
            "form_url": urbanaudit_audit_value_url(place.slug, year, code),
            "progress_url": tk.h.url_for("urbanaudit_audit_team.progress_page", city=place.slug, year=year),
            "history_url": tk.h.url_for("urbanaudit_audit_team.submission", id=sub_id) if sub_id else None,
        })
    return box
