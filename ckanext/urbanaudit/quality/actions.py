"""Actions of the quality score (collected by logic/__init__.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.types import Action, Context, DataDict
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.urbanaudit.quality import jobs, report, schema, store


def _package(id_or_name: str | None) -> model.Package:
    pkg = model.Package.get(id_or_name or "")
    if pkg is None or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


@tk.side_effect_free
@validate(schema.quality_show)
def urbanaudit_quality_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest quality score of a data set with every metric, its history and its link checks.

    :param id: id or name of the data set
    """
    tk.check_access("urbanaudit_quality_show", context, data_dict)
    pkg = _package(tk.get_or_bust(data_dict, "id"))
    row = store.latest(pkg.id)
    if row is None:
        raise tk.ObjectNotFound(tk._("This data set has not been scored yet."))
    result = row.as_dict()
    result["name"] = pkg.name
    history = (model.Session.query(store.QualityScore.computed_at, store.QualityScore.score,
                                   store.QualityScore.band)
               .filter(store.QualityScore.package_id == pkg.id).order_by(store.QualityScore.computed_at))
    result["history"] = [{"computed_at": c.isoformat(), "score": s, "band": b} for c, s, b in history]
    dataset = store.load_datasets([pkg.id])[0]
    result["link_checks"] = [
        {"url": r.url, "status_code": r.status_code, "error": r.error, "content_type": r.content_type,
         "size": r.size, "checked_at": r.checked_at.isoformat() if r.checked_at else None}
        for r in store.link_results(store.metrics.urls(dataset)).values()
    ]
    return result


@tk.side_effect_free
@validate(schema.quality_list)
def urbanaudit_quality_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Latest scores of the data sets the caller may see, lowest first.

    :param owner_org: department id or name (optional)
    :param band: excellent, good, sufficient or bad (optional)
    :param sort: ``score asc`` (default), ``score desc`` or ``name asc``
    :param limit: at most 1000 (default 100)
    :param offset: default 0
    """
    tk.check_access("urbanaudit_quality_list", context, data_dict)
    org_id = None
    if data_dict.get("owner_org"):
        group = model.Group.get(data_dict["owner_org"])
        if group is None:
            raise tk.ObjectNotFound(tk._("Department not found: %s") % data_dict["owner_org"])
        org_id = group.id
    band, sort = data_dict.get("band"), data_dict.get("sort") or "score asc"
    limit, offset = data_dict["limit"], data_dict["offset"]
    visible = report.visible_for(context.get("user"))
    return report.listing(visible, org_id=org_id, band=band, sort=sort, limit=limit, offset=offset)


def urbanaudit_quality_recompute(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Recompute quality scores now: one data set (``id``), a department (``owner_org``) or all (``all``: true).

    :param check_links: also check the access and download URLs first (default false); the checks go out
        to the network, so with ``check_links`` the work always goes to the background jobs queue (the
        answer names the jobs) — ``ckan urbanaudit quality recompute --check-links`` runs it inline
    :param background: put the work in the background jobs queue instead (default false)
    """
    tk.check_access("urbanaudit_quality_recompute", context, data_dict)
    check = tk.asbool(data_dict.get("check_links", False))
    if data_dict.get("id"):
        ids = [_package(data_dict["id"]).id]
        org = None
    elif data_dict.get("owner_org"):
        ids, org = None, data_dict["owner_org"]
    elif tk.asbool(data_dict.get("all")):
        ids, org = None, None
    else:
        raise tk.ValidationError({"id": [tk._("Give id, owner_org or all.")]})
    # link checks never run inside a web or API request (they may take the link-check deadline per URL)
    done = jobs.run_recompute(ids=ids, org=org, check=check,
                              background=check or tk.asbool(data_dict.get("background", False)))
    if "jobs" in done:
        return {"job": done["jobs"][0] if done["jobs"] else None, "jobs": done["jobs"], "datasets": done["queued"]}
    stats = done["stats"]
    result = {"datasets": stats.datasets, "new_rows": stats.new_rows, "changed": len(stats.changed),
              "bands": dict(stats.bands)}
    if ids:
        result["score"] = store.latest(ids[0]).as_dict()
    return result


@tk.chained_action
def harvest_jobs_run(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    """ckanext-harvest marks finished jobs here: score the data sets of each job that just finished."""
    running = model.Session.query(HarvestJob.id).filter(HarvestJob.status == "Running")
    if data_dict.get("source_id"):
        running = running.filter(HarvestJob.source_id == data_dict["source_id"])
    running_ids = [r[0] for r in running]
    result = original_action(context, data_dict)
    if running_ids:
        finished = model.Session.query(HarvestJob.id, HarvestJob.source_id).filter(
            HarvestJob.id.in_(running_ids), HarvestJob.status == "Finished")
        for job_id, source_id in finished:
            package_ids = [r[0] for r in model.Session.query(HarvestObject.package_id).filter(
                HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True),
                HarvestObject.package_id.isnot(None)).distinct()]
            if package_ids:
                tk.enqueue_job(jobs.recompute_datasets, [package_ids, True],
                               title=f"urbanaudit quality after harvest job {job_id}", rq_kwargs={"timeout": 3600})
    return result
