"""Who answers for what, reporting years and where they stand.

- An *assignment* (city, indicator) names the owning department, the responsible person, the source (an
  inventory record, a harvest, or the department's own records) and the due day of the yearly cycle. Without
  one, the department is the owner of the indicator's data set (``visibility.owning_org``), the source is
  ``harvest`` for indicators the harvested statistics feed and ``department`` otherwise, and the due day is
  ``ckanext.urbanaudit.audit.default_due``.
- Opening a *reporting year* (campaign) freezes, for every indicator of the chosen editions (ISO 37120:2014
  always), what is expected and from whom: one item per indicator with its department, person, source and due
  date (the due day in the year after the reporting year).
- The *status* of an indicator in a year: ``approved`` when a published value exists for that period (a
  harvested one, or a department's approved submission), else the submission's status (``submitted``,
  ``returned``), else ``missing``; ``overdue`` when not approved after its due date.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit.model import (
    APPROVED,
    SOURCE_KINDS,
    Assignment,
    Campaign,
    CampaignItem,
    Submission,
)
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import SOURCE, Indicator, catalogue
from ckanext.urbanaudit.indicators.store import IndicatorValue
from ckanext.urbanaudit.utils import utcnow

# edition key -> the catalogue's ``standard`` values it covers
EDITIONS: dict[str, tuple[str, ...]] = {
    "ISO37120:2014": ("ISO 37120:2014",),
    "ISO37120:2018": ("ISO 37120:2018",),
    "ISO37122:2019": ("ISO 37122:2019",),
    "ISO37123:2019": ("ISO 37123:2019",),
    "urban-audit": ("Urban audit (derived)", "Eurostat Urban Audit"),
}
ALWAYS = "ISO37120:2014"
DUE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
MISSING, OVERDUE = "missing", "overdue"


def indicators_of(editions: list[str]) -> list[Indicator]:
    standards = {s for key in {ALWAYS, *editions} for s in EDITIONS[key]}
    return [ind for ind in catalogue().indicators if ind.standard in standards]


def due_date(due: str | None, year: int) -> date:
    month, day = (due or config.audit_default_due()).split("-")
    try:
        return date(year + 1, int(month), int(day))
    except ValueError:  # 02-29 in a common year
        return date(year + 1, int(month), 28)


def _assignments(city: City) -> dict[str, Assignment]:
    return {a.indicator_code: a for a in model.Session.query(Assignment).filter_by(city_teryt=city.teryt)}


def expected(city: City, indicator: Indicator, assignment: Assignment | None) -> dict[str, Any]:
    """Who answers for ``indicator`` in ``city``: the assignment, with the defaults where it is silent."""
    default_kind = "harvest" if indicator.availability == SOURCE else "department"
    return {
        "indicator_code": indicator.code,
        "department_id": (assignment.department_id if assignment else None)
        or visibility.owning_org(indicator.code, city),
        "responsible_id": assignment.responsible_id if assignment else None,
        "source_kind": assignment.source_kind if assignment else default_kind,
        "source_ref": assignment.source_ref if assignment else None,
        "due": (assignment.due if assignment else None) or config.audit_default_due(),
        "assigned": assignment is not None,
    }


def department_for(city: City, code: str) -> str | None:
    assignment = model.Session.query(Assignment).filter_by(city_teryt=city.teryt, indicator_code=code).first()
    if assignment is not None and assignment.department_id:
        return assignment.department_id
    return visibility.owning_org(code, city)


def responsible_for(city: City, code: str) -> str | None:
    return model.Session.query(Assignment.responsible_id).filter_by(
        city_teryt=city.teryt, indicator_code=code).scalar()


def set_assignments(city: City, rows: list[dict[str, Any]], user_id: str | None) -> dict[str, int]:
    """Create or replace the assignments of ``rows`` (validated: indicator_code, department_id,
    responsible_id, source_kind, source_ref, due); the caller commits."""
    current = _assignments(city)
    counts = {"created": 0, "updated": 0}
    for row in rows:
        assignment = current.get(row["indicator_code"])
        if assignment is None:
            assignment = Assignment(city_teryt=city.teryt, indicator_code=row["indicator_code"])
            model.Session.add(assignment)
            current[row["indicator_code"]] = assignment
            counts["created"] += 1
        else:
            counts["updated"] += 1
        assignment.department_id = row.get("department_id")
        assignment.responsible_id = row.get("responsible_id")
        assignment.source_kind = row.get("source_kind") or "department"
        assignment.source_ref = row.get("source_ref")
        assignment.due = row.get("due")
        assignment.updated_by, assignment.updated_at = user_id, utcnow()
    return counts


def assignment_table(city: City, codes: list[str] | None = None) -> list[dict[str, Any]]:
    current = _assignments(city)
    wanted = set(codes) if codes else None
    return [expected(city, ind, current.get(ind.code)) for ind in catalogue().indicators
            if (wanted is None and (ind.code in current or ind.standard in EDITIONS[ALWAYS]))
            or (wanted is not None and ind.code in wanted)]


def open_campaign(city: City, year: int, editions: list[str], user_id: str | None) -> Campaign:
    """Open the reporting year ``year`` of ``city`` (the caller commits); an open year is refreshed: indicators
    of newly chosen editions are added, existing items kept."""
    campaign = model.Session.query(Campaign).filter_by(city_teryt=city.teryt, year=year).first()
    chosen = sorted({ALWAYS, *editions})
    if campaign is None:
        campaign = Campaign(city_teryt=city.teryt, year=year, editions=chosen, opened_by=user_id,
                            opened_at=utcnow(), status="open")
        model.Session.add(campaign)
        model.Session.flush()
        have: set[str] = set()
    else:
        campaign.editions = sorted({*campaign.editions, *chosen})
        have = {code for (code,) in model.Session.query(CampaignItem.indicator_code).filter_by(
            campaign_id=campaign.id)}
    current = _assignments(city)
    for ind in indicators_of(campaign.editions):
        if ind.code in have:
            continue
        exp = expected(city, ind, current.get(ind.code))
        model.Session.add(CampaignItem(
            campaign_id=campaign.id, indicator_code=ind.code, department_id=exp["department_id"],
            responsible_id=exp["responsible_id"], source_kind=exp["source_kind"],
            due_date=due_date(exp["due"], year)))
    model.Session.flush()
    return campaign


def get_campaign(city: City, year: int) -> Campaign | None:
    return model.Session.query(Campaign).filter_by(city_teryt=city.teryt, year=year).first()


def statuses(city_teryt: str, period: str, codes: list[str] | None = None) -> dict[str, str]:
    """Status of each indicator of ``codes`` (all with any trace when None) in ``period``: approved (a published
    value exists), submitted, returned or missing."""
    table = IndicatorValue.__table__
    query = sa.select(table.c.indicator_code).where(
        table.c.city_teryt == city_teryt, table.c.period == period, table.c.value.isnot(None)).distinct()
    subs = model.Session.query(Submission.indicator_code, Submission.status).filter_by(
        city_teryt=city_teryt, period=period)
    if codes is not None:
        query = query.where(table.c.indicator_code.in_(codes))
        subs = subs.filter(Submission.indicator_code.in_(codes))
    out = dict.fromkeys(codes or [], MISSING)
    out.update({row.indicator_code: row.status for row in subs})
    out.update({code: APPROVED for (code,) in model.Session.execute(query)})
    return out


def _names(ids: set[str | None], kind: type) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    attr = kind.title if kind is model.Group else kind.name
    return {row.id: row.label for row in model.Session.query(kind.id, attr.label("label")).filter(kind.id.in_(ids))}


def progress(campaign: Campaign, today: date | None = None) -> dict[str, Any]:
    """Where the reporting year stands: every item with its status, counts per department and in total, and who
    to remind (the people, or departments without a person, with items not yet approved)."""
    today = today or utcnow().date()
    items = model.Session.query(CampaignItem).filter_by(campaign_id=campaign.id).order_by(CampaignItem.id).all()
    status = statuses(campaign.city_teryt, str(campaign.year), [i.indicator_code for i in items])
    departments = _names({i.department_id for i in items}, model.Group)
    people = _names({i.responsible_id for i in items}, model.User)
    cat = catalogue()
    rows, per_department = [], defaultdict(lambda: defaultdict(int))
    remind: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for item in items:
        state = status.get(item.indicator_code, MISSING)
        overdue = state != APPROVED and item.due_date is not None and item.due_date < today
        ind = cat.get(item.indicator_code)
        rows.append({**item.as_dict(), "status": state, "overdue": overdue,
                     "name": ind.name if ind else {}, "kind": ind.kind if ind else None,
                     "department": departments.get(item.department_id), "responsible": people.get(item.responsible_id)})
        counts = per_department[item.department_id]
        counts["expected"] += 1
        counts[state] += 1
        counts[OVERDUE] += overdue
        if state != APPROVED and item.source_kind != "harvest":
            remind[(item.responsible_id, item.department_id)].append(item.indicator_code)
    totals: dict[str, int] = defaultdict(int)
    for counts in per_department.values():
        for key, n in counts.items():
            totals[key] += n
    return {
        "campaign": campaign.as_dict(),
        "items": rows,
        "departments": [{"id": dept, "title": departments.get(dept), **dict(counts)}
                        for dept, counts in per_department.items()],
        "totals": dict(totals),
        "remind": [{"user_id": uid, "user": people.get(uid), "department_id": dept,
                    "department": departments.get(dept), "indicators": codes}
                   for (uid, dept), codes in remind.items()],
    }


def valid_due(value: str | None) -> bool:
    return value is None or bool(DUE.match(value))


def valid_source_kind(value: str | None) -> bool:
    return value in SOURCE_KINDS


def campaign_or_404(city: City, year: int) -> Campaign:
    campaign = get_campaign(city, year)
    if campaign is None:
        raise tk.ObjectNotFound(tk._("The reporting year {year} of this city is not open.").format(year=year))
    return campaign
