"""Resources made together with their data set, loaded and checked like those added one by one.

ckanext-xloader loads a file when its resource is created (``after_resource_create``) or its link changes, and the
content check is queued from the same hooks; ``package_create`` with resources in it — a harvest, the API, an
import — calls neither hook for them, so a harvested CSV never reached the DataStore nor the content check.
:func:`note` (``after_dataset_create``) notes the new data set's resources in the database session; once that
session commits, one background job (:func:`process`, queued from ``after_commit``: no SQL there) submits each
CSV/XLSX to xloader (its formats, its own guard: :func:`ckanext.urbanaudit.contents.loading.can_upload`), checks the
contents of each table and GeoJSON file and scores the data sets once. A rolled-back session queues nothing."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.xloader.utils import XLoaderFormats
from sqlalchemy import event, orm

from ckanext.urbanaudit import config
from ckanext.urbanaudit.contents import jobs
from ckanext.urbanaudit.quality import store
from ckanext.urbanaudit.utils import enqueue_quietly

log = logging.getLogger(__name__)
_NOTED = "urbanaudit_resources_created"


def note(pkg_dict: dict[str, Any]) -> None:
    ids = [r["id"] for r in pkg_dict.get("resources") or () if r.get("id")]
    if ids:
        model.Session().info.setdefault(_NOTED, []).extend(ids)


def _queue(session: orm.Session) -> None:
    ids = session.info.pop(_NOTED, None)
    if ids:
        enqueue_quietly(process, [ids], f"urbanaudit new resources ({len(ids)})", 1800)


def _forget(session: orm.Session, *args: Any) -> None:
    session.info.pop(_NOTED, None)


def process(resource_ids: list[str]) -> dict[str, list[str]]:
    """RQ job: xloader for the tables it loads, the content check for the files we check. Returns what it did."""
    done: dict[str, list[str]] = {"loading": [], "checking": []}
    packages: set[str] = set()
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    for resource_id in resource_ids:
        resource = model.Resource.get(resource_id)
        if resource is None or resource.state != "active":
            continue
        if resource.url_type not in {"datastore", "datapusher", "xloader"} \
                and XLoaderFormats.is_it_an_xloader_format(resource.format):
            try:
                tk.get_action("xloader_submit")({"ignore_auth": True, "user": site_user},
                                                {"resource_id": resource_id})
                done["loading"].append(resource_id)
            except tk.ValidationError as error:  # xloader's own refusal, e.g. its queue down: logged, as xloader does
                log.warning("resource %s not submitted to xloader: %s", resource_id, error)
        if config.content_check_on_save() \
                and jobs.is_checked({"format": resource.format, "url_type": resource.url_type, "url": resource.url}):
            jobs.check_resource(resource_id, rescore=False)  # here: a job of its own each would fork once per file
            done["checking"].append(resource_id)
            packages.add(resource.package_id)
    if packages:
        store.recompute(ids=sorted(packages), reindex="inline")
    return done


def install() -> None:
    for target in (model.meta.Session, model.meta.create_local_session):
        if not event.contains(target, "after_commit", _queue):
            event.listen(target, "after_commit", _queue)
            event.listen(target, "after_rollback", _forget)
