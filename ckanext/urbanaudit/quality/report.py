"""Queries behind the dashboards, the city report and the list action.

Every query takes ``visible``: the owner organisations whose private data sets
the viewer may see (``None`` = all, a sysadmin). Public pages pass ``()``, so a
private data set never reaches them.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from ckan import authz, model
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Row
from sqlalchemy.orm import Query
from sqlalchemy.sql import ColumnElement

from ckanext.urbanaudit.quality.metrics import AUDIT_DIMENSIONS, BANDS, MQA_DIMENSIONS
from ckanext.urbanaudit.quality.model import QualityScore
from ckanext.urbanaudit.utils import utcnow

Visible = tuple[str, ...] | None
SORTS = {"score asc": (QualityScore.score.asc(), model.Package.name.asc()),
         "score desc": (QualityScore.score.desc(), model.Package.name.asc()),
         "name asc": (model.Package.name.asc(),)}


def visible_for(user_name: str | None) -> Visible:
    """Organisations whose private data sets ``user_name`` may see (None: all of them)."""
    if not user_name:
        return ()
    if authz.is_sysadmin(user_name):
        return None
    user = model.User.get(user_name)
    if user is None:
        return ()
    rows = model.Session.query(model.Member.group_id).filter(
        model.Member.table_name == "user", model.Member.table_id == user.id, model.Member.state == "active")
    return tuple(r[0] for r in rows)


def _package_filter(visible: Visible, org_id: str | None = None) -> ColumnElement:
    clauses = [model.Package.state == "active", model.Package.type == "dataset"]
    if visible is not None:
        clauses.append(sa.or_(model.Package.private.is_(False), model.Package.owner_org.in_(visible or ("",))))
    if org_id:
        clauses.append(model.Package.owner_org == org_id)
    return sa.and_(*clauses)


def latest_query(visible: Visible, org_id: str | None = None, band: str | None = None) -> Query:
    query = (model.Session.query(QualityScore, model.Package.name, model.Package.title, model.Package.owner_org,
                                 model.Package.private)
             .join(model.Package, model.Package.id == QualityScore.package_id)
             .filter(QualityScore.latest.is_(True), _package_filter(visible, org_id)))
    if band:
        query = query.filter(QualityScore.band == band)
    return query


def row_dict(row: Row) -> dict:
    score, name, title, owner_org, private = row
    return {"package_id": score.package_id, "name": name, "title": title, "owner_org": owner_org,
            "private": private, "score": score.score, "max": 405, "band": score.band,
            "computed_at": score.computed_at.isoformat(), "dimensions": score.dimensions}


def listing(visible: Visible, *, org_id: str | None = None, band: str | None = None, sort: str = "score asc",
            limit: int = 100, offset: int = 0) -> dict:
    query = latest_query(visible, org_id, band)
    return {"count": query.count(),
            "results": [row_dict(r) for r in query.order_by(*SORTS[sort]).limit(limit).offset(offset)]}


def band_counts(visible: Visible, org_id: str | None = None) -> dict[str, int]:
    counts = dict.fromkeys((name for _, name in BANDS), 0)
    rows = (model.Session.query(QualityScore.band, sa.func.count())
            .join(model.Package, model.Package.id == QualityScore.package_id)
            .filter(QualityScore.latest.is_(True), _package_filter(visible, org_id))
            .group_by(QualityScore.band))
    counts.update(dict(rows))
    return counts


def unscored(visible: Visible, org_id: str | None = None) -> int:
    scored = sa.exists().where(QualityScore.package_id == model.Package.id)
    return model.Session.query(model.Package.id).filter(_package_filter(visible, org_id), ~scored).count()


def most_missed(visible: Visible, org_id: str | None = None, limit: int = 10) -> list[dict]:
    """The metrics that lose the most data sets points: id, label, data sets missing, points lost."""
    element = sa.func.jsonb_array_elements(QualityScore.metrics).table_valued(sa.column("value", JSONB)).alias("m")
    value = element.c.value
    points = value["points"].astext.cast(sa.Integer)
    possible = value["max"].astext.cast(sa.Integer)
    rows = (model.Session.query(value["id"].astext, sa.func.min(value["label"].astext),
                                sa.func.min(value["dimension"].astext), sa.func.count(),
                                sa.func.sum(possible - points))
            .select_from(QualityScore)
            .join(model.Package, model.Package.id == QualityScore.package_id)
            .join(element, sa.true())
            .filter(QualityScore.latest.is_(True), _package_filter(visible, org_id), points < possible)
            .group_by(value["id"].astext)
            .order_by(sa.func.count().desc(), sa.func.sum(possible - points).desc())
            .limit(limit))
    return [{"id": i, "label": label, "dimension": dim, "datasets": n, "points_lost": int(lost or 0)}
            for i, label, dim, n, lost in rows]


def trend(visible: Visible, org_id: str | None = None, weeks: int = 12, now: datetime | None = None) -> list[dict]:
    """Mean score and band counts at the end of each of the last ``weeks`` weeks (history rows as of then)."""
    now = now or utcnow()
    points = []
    for back in range(weeks - 1, -1, -1):
        when = now - timedelta(weeks=back)
        as_of = (model.Session.query(QualityScore.package_id, QualityScore.score, QualityScore.band)
                 .join(model.Package, model.Package.id == QualityScore.package_id)
                 .filter(QualityScore.computed_at <= when, _package_filter(visible, org_id))
                 .distinct(QualityScore.package_id)
                 .order_by(QualityScore.package_id, QualityScore.computed_at.desc())
                 .subquery())
        count, mean = model.Session.query(sa.func.count(), sa.func.avg(as_of.c.score)).one()
        bands = dict(model.Session.query(as_of.c.band, sa.func.count()).group_by(as_of.c.band).all())
        points.append({"date": when.date().isoformat(), "datasets": count,
                       "mean": round(float(mean), 1) if mean is not None else None, "bands": bands})
    return points


def departments(visible: Visible) -> list[dict]:
    """Per department: data sets scored, mean score, band counts."""
    rows = (model.Session.query(model.Group.id, model.Group.name, model.Group.title, QualityScore.band,
                                sa.func.count(), sa.func.avg(QualityScore.score))
            .join(model.Package, model.Package.owner_org == model.Group.id)
            .join(QualityScore, sa.and_(QualityScore.package_id == model.Package.id, QualityScore.latest.is_(True)))
            .filter(_package_filter(visible))
            .group_by(model.Group.id, model.Group.name, model.Group.title, QualityScore.band))
    found: dict[str, dict] = {}
    for gid, name, title, band, n, mean in rows:
        dept = found.setdefault(gid, {"id": gid, "name": name, "title": title, "datasets": 0, "total": 0.0,
                                      "bands": {}})
        dept["datasets"] += n
        dept["total"] += float(mean) * n
        dept["bands"][band] = n
    out = []
    for dept in found.values():
        dept["mean"] = round(dept.pop("total") / dept["datasets"], 1) if dept["datasets"] else None
        out.append(dept)
    return sorted(out, key=lambda d: (d["mean"] is None, d["mean"] or 0))


def csv_rows(visible: Visible) -> Iterator[list]:
    """Rows of the city report, public data sets only when ``visible`` is ``()``; streamed."""
    dims = MQA_DIMENSIONS + AUDIT_DIMENSIONS
    yield ["department", "dataset", "title", "score", "max", "band", "computed_at",
           *[f"{d}_points" for d in dims]]
    query = (latest_query(visible).add_columns(model.Group.name)
             .outerjoin(model.Group, model.Group.id == model.Package.owner_org)
             .order_by(model.Group.name, model.Package.name))
    for score, name, title, _owner, _private, dept in query.yield_per(500):
        yield [dept or "", name, title, score.score, 405, score.band, score.computed_at.isoformat(timespec="seconds"),
               *[(score.dimensions.get(d) or {}).get("points", "") for d in dims]]
