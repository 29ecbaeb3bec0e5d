"""Background work of the quality score (CKAN's RQ jobs) and the link checks it stores."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import ckan.plugins.toolkit as tk
from ckan import model
from sqlalchemy.dialects.postgresql import insert

from ckanext.urbanaudit import config
from ckanext.urbanaudit.quality import linkcheck, metrics, store
from ckanext.urbanaudit.quality.model import LinkCheck
from ckanext.urbanaudit.utils import enqueue_quietly, utcnow

log = logging.getLogger(__name__)


def link_settings() -> linkcheck.Settings:
    return linkcheck.Settings(**config.link_check_settings())


def save_outcome(outcome: linkcheck.Outcome, when: datetime | None = None) -> None:
    values = {"url": outcome.url, "checked_at": when or utcnow(), "status_code": outcome.status_code,
              "content_type": outcome.content_type, "size": outcome.size, "final_url": outcome.final_url,
              "error": outcome.error}
    statement = insert(LinkCheck.__table__).values(**values)
    model.Session.execute(statement.on_conflict_do_update(
        index_elements=["url"], set_={k: statement.excluded[k] for k in values if k != "url"}))


def check_links(package_ids: list[str], force: bool = False) -> int:
    """Check the access and download URLs of the data sets; skips URLs checked recently. Returns checks made."""
    settings = link_settings()
    http = linkcheck.session(settings)
    fresh_after = utcnow() - timedelta(hours=config.link_recheck_hours())
    made = 0
    for start in range(0, len(package_ids), 200):
        datasets = store.load_datasets(package_ids[start:start + 200])
        urls = sorted({u for d in datasets for u in metrics.urls(d)})
        known = store.link_results(urls)
        for url in urls:
            previous = known.get(url)
            if not force and previous is not None and previous.checked_at and previous.checked_at > fresh_after:
                continue
            outcome = linkcheck.check(url, settings, http)
            save_outcome(outcome)
            model.Session.commit()
            made += 1
    return made


def recompute_dataset(package_id: str, links: bool = True) -> dict | None:
    """RQ job after a data set is created or updated: check its links, score it, re-index it if the score moved."""
    if links:
        check_links([package_id])
    stats = store.recompute(ids=[package_id], reindex="inline")
    row = store.latest(package_id)
    log.info("quality of %s: %s", package_id, row.score if row else None)
    return {"datasets": stats.datasets, "changed": len(stats.changed)}


def recompute_datasets(package_ids: list[str], links: bool = True) -> dict:
    """RQ job after a harvest job: the harvested data sets of its source."""
    if links:
        check_links(package_ids)
    stats = store.recompute(ids=package_ids, reindex="inline")
    return {"datasets": stats.datasets, "changed": len(stats.changed)}


def enqueue_dataset(package_id: str) -> None:
    enqueue_quietly(recompute_dataset, [package_id], f"urbanaudit quality {package_id}", 600)


def run_recompute(*, ids: list[str] | None, org: str | None, check: bool, background: bool,
                  reindex: str = "inline") -> dict:
    """The one recompute pipeline of the action and the CLI: the scores of the data sets ``ids``, of the
    department ``org`` or (neither) of all, optionally after checking their links; in background jobs of 500
    data sets each when ``background``. Returns ``{"jobs": [...], "queued": n}`` or ``{"stats": Stats,
    "link_checks": n | None}``."""
    if background:
        job_ids, queued = [], 0
        for chunk in store.dataset_ids(org, ids):
            job = tk.enqueue_job(recompute_datasets, [chunk, check], title="urbanaudit quality recompute",
                                 rq_kwargs={"timeout": 3600})
            job_ids.append(job.id)
            queued += len(chunk)
        return {"jobs": job_ids, "queued": queued}
    made = None
    if check:
        made = check_links(ids or [pid for chunk in store.dataset_ids(org) for pid in chunk])
    return {"stats": store.recompute(org=org, ids=ids, reindex=reindex), "link_checks": made}
