"""Computing and storing scores: streams data sets from the database in batches.

``recompute`` reads packages, their extras, tags and resources with one query
each per batch (no ``package_show`` per data set), scores them with the pure
``metrics`` module and writes the score table in bulk: a new history row only
where a metric's points changed, a confirmation of the latest row otherwise.
Data sets whose score or band changed are re-indexed so the Solr document
carries the latest score.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckan.lib.search import index_for

from ckanext.urbanaudit import vocabularies as vocab_data
from ckanext.urbanaudit.contents.model import ContentCheck
from ckanext.urbanaudit.inventory.fields import publication_required_fields
from ckanext.urbanaudit.quality import metrics
from ckanext.urbanaudit.quality.model import LinkCheck, QualityScore
from ckanext.urbanaudit.utils import utcnow

log = logging.getLogger(__name__)

RECOMMENDED_FIELDS = (
    "identifier", "iso37120_theme", "urban_audit_domain", "data_steward_email", "publisher", "source_system",
    "software", "storage_location", "openness_level", "issued", "modified", "temporal_coverage", "spatial",
    "language", "provenance", "url", "documentation",
)
PACKAGE_COLUMNS = ("id", "name", "title", "notes", "owner_org", "private", "state", "type", "license_id",
                   "metadata_created", "metadata_modified")


def vocabularies() -> metrics.Vocabularies:

    licences = [
        metrics.Licence(lic.id, lic.title, lic.url or "", lic.isopen())
        for lic in model.Package.get_license_register().values()
    ]
    required = tuple(f["field_name"] for f in publication_required_fields("dataset"))
    return metrics.make_vocabularies(
        file_types=vocab_data.choices("file-type"),
        themes=(c["value"] for c in vocab_data.choices("data-theme")),
        frequencies=(c["value"] for c in vocab_data.choices("frequency")),
        access_rights=(c["value"] for c in vocab_data.choices("access-right")),
        licences=licences, required_fields=required, recommended_fields=RECOMMENDED_FIELDS,
    )


# ----------------------------------------------------------------- reading data sets


def _decode(value: str | None) -> Any:
    if value and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def load_datasets(ids: list[str]) -> list[dict]:
    """The data sets ``ids`` as dicts of ``package_show``'s shape (the fields the metrics read)."""
    if not ids:
        return []
    session = model.Session
    pkg_t, extra_t, res_t = model.package_table, model.package_extra_table, model.resource_table
    tag_t, ptag_t = model.tag_table, model.package_tag_table
    rows = session.execute(sa.select(*(pkg_t.c[c] for c in PACKAGE_COLUMNS)).where(pkg_t.c.id.in_(ids)))
    datasets = {row.id: {**row._mapping, "resources": [], "tags": []} for row in rows}
    for pid, key, value in session.execute(
        sa.select(extra_t.c.package_id, extra_t.c.key, extra_t.c.value)
        .where(extra_t.c.package_id.in_(ids), extra_t.c.state == "active")
    ):
        datasets[pid][key] = _decode(value)
    for pid, name in session.execute(
        sa.select(ptag_t.c.package_id, tag_t.c.name).join(tag_t, tag_t.c.id == ptag_t.c.tag_id)
        .where(ptag_t.c.package_id.in_(ids), ptag_t.c.state == "active", tag_t.c.vocabulary_id.is_(None))
    ):
        datasets[pid]["tags"].append({"name": name})
    for row in session.execute(
        sa.select(res_t.c.package_id, res_t.c.id, res_t.c.url, res_t.c.format, res_t.c.mimetype, res_t.c.size,
                  res_t.c.extras, res_t.c.position)
        .where(res_t.c.package_id.in_(ids), res_t.c.state == "active")
        .order_by(res_t.c.package_id, res_t.c.position)
    ):
        extras = row.extras if isinstance(row.extras, dict) else json.loads(row.extras or "{}")
        datasets[row.package_id]["resources"].append(
            {**extras, "id": row.id, "url": row.url, "format": row.format, "mimetype": row.mimetype,
             "size": row.size})
    return [datasets[i] for i in ids if i in datasets]


def link_results(urls: Iterable[str]) -> dict[str, metrics.LinkResult]:
    urls = list(set(urls))
    found: dict[str, metrics.LinkResult] = {}
    for start in range(0, len(urls), 1000):
        for row in model.Session.query(LinkCheck).filter(LinkCheck.url.in_(urls[start:start + 1000])):
            found[row.url] = metrics.LinkResult(row.url, row.status_code, row.error, row.checked_at,
                                                row.content_type, row.size)
    return found


def content_scores(package_ids: list[str]) -> dict[str, int]:
    """The contents scores of the checked files of these data sets, by resource id."""
    rows = model.Session.query(ContentCheck.resource_id, ContentCheck.score).filter(
        ContentCheck.package_id.in_(package_ids), ContentCheck.status == "checked")
    return dict(rows.all())


def dataset_ids(org: str | None = None, ids: Iterable[str] | None = None, batch: int = 500) -> Iterator[list[str]]:
    """Active inventory records (optionally of one department), ``batch`` ids at a time.

    Keyset pagination (``id > last`` ... ``LIMIT batch``) rather than one server-side cursor: the caller
    commits after each batch, which would close a cursor held open across batches, and memory stays flat.
    """
    query = model.Session.query(model.Package.id).filter(
        model.Package.state == "active", model.Package.type == "dataset")
    if org:
        group = model.Group.get(org)
        if group is None:
            raise tk.ObjectNotFound(tk._("Department not found: %s") % org)
        query = query.filter(model.Package.owner_org == group.id)
    if ids is not None:
        query = query.filter(model.Package.id.in_(list(ids)))
    last = None
    while True:
        page = query.filter(model.Package.id > last) if last is not None else query
        chunk = [pid for (pid,) in page.order_by(model.Package.id).limit(batch)]
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


# ----------------------------------------------------------------- writing scores


def points_key(result: metrics.Result) -> str:
    key = ";".join(f"{m['id']}={m['points']}" for m in result.metrics)
    return hashlib.sha1(key.encode()).hexdigest()


@dataclass
class Stats:
    datasets: int = 0
    new_rows: int = 0
    confirmed: int = 0
    changed: list[str] = field(default_factory=list)  # score or band changed: to re-index
    bands: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _store(results: list[tuple[str, metrics.Result]], now: datetime, stats: Stats) -> None:
    session = model.Session
    table = QualityScore.__table__
    ids = [pid for pid, _ in results]
    latest = {
        row.package_id: row for row in session.execute(
            sa.select(table.c.id, table.c.package_id, table.c.points_key, table.c.score, table.c.band)
            .where(table.c.package_id.in_(ids), table.c.latest))
    }
    inserts, confirms, retire = [], [], []
    for pid, result in results:
        data = result.as_dict()
        key = points_key(result)
        old = latest.get(pid)
        stats.bands[data["band"]] += 1
        if old is not None and old.points_key == key:
            confirms.append({"row_id": old.id, "metrics": data["metrics"], "dimensions": data["dimensions"],
                             "best": result.best_distribution})
            continue
        if old is not None:
            retire.append(old.id)
        if old is None or old.score != data["score"] or old.band != data["band"]:
            stats.changed.append(pid)
        inserts.append({"package_id": pid, "computed_at": now, "confirmed_at": now, "latest": True,
                        "score": data["score"], "band": data["band"], "points_key": key,
                        "dimensions": data["dimensions"], "metrics": data["metrics"],
                        "best_distribution": result.best_distribution})
    if retire:
        session.execute(table.update().where(table.c.id.in_(retire)).values(latest=False))
    if inserts:
        session.execute(table.insert(), inserts)
    if confirms:
        session.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(
                confirmed_at=now, metrics=sa.bindparam("metrics"), dimensions=sa.bindparam("dimensions"),
                best_distribution=sa.bindparam("best")),
            confirms)
    stats.new_rows += len(inserts)
    stats.confirmed += len(confirms)
    stats.datasets += len(results)


def recompute(org: str | None = None, ids: Iterable[str] | None = None, batch: int = 500,
              today: date | None = None, reindex: str = "inline") -> Stats:
    """Score every active data set (of ``org``, or ``ids``) and store the scores.

    ``reindex``: ``inline`` re-indexes the data sets whose score or band changed
    now, ``queue`` leaves that to background jobs (chunks of 200), ``none`` skips it.
    """
    voc = vocabularies()
    today = today or utcnow().date()
    now = utcnow()
    stats = Stats()
    for chunk in dataset_ids(org, ids, batch):
        datasets = load_datasets(chunk)
        links = link_results(u for d in datasets for u in metrics.urls(d))
        checked = content_scores([d["id"] for d in datasets])
        _store([(d["id"], metrics.assess(d, voc, links, today, checked)) for d in datasets], now, stats)
        model.Session.commit()
        model.Session.expunge_all()
    if reindex == "inline":
        reindex_now(stats.changed)
    elif reindex == "queue":
        for start in range(0, len(stats.changed), 200):
            tk.enqueue_job(reindex_now, [stats.changed[start:start + 200]], title="urbanaudit quality re-index")
    return stats


def reindex_now(ids: list[str]) -> None:
    """Re-index the data sets ``ids``; the last one commits, so a search right after sees them all."""
    index = index_for(model.Package)
    context = {"ignore_auth": True, "validate": False, "use_cache": False}
    for n, package_id in enumerate(ids, 1):
        pkg = tk.get_action("package_show")(dict(context), {"id": package_id})
        index.update_dict(pkg, defer_commit=n < len(ids))


def latest_of(package_ids: list[str]) -> dict[str, QualityScore]:
    """``latest`` of several data sets in one query: {package id: score} for those that have one."""
    return {row.package_id: row for row in model.Session.query(QualityScore).filter(
        QualityScore.package_id.in_(package_ids), QualityScore.latest.is_(True))} if package_ids else {}


def latest(package_id: str) -> QualityScore | None:
    return model.Session.query(QualityScore).filter(
        QualityScore.package_id == package_id, QualityScore.latest.is_(True)).one_or_none()
