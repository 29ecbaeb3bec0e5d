"""The content check as a background job (CKAN's RQ queue): after a tabular resource is created or its file
changes, read the file (an upload from the portal's storage; a link through the guarded HTTP layer, size-capped
and time-boxed), check it (:mod:`.checks`), keep the report, and score the data set again."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import requests
from ckan import model
from ckan.lib import uploader
from sqlalchemy.dialects.postgresql import insert

from ckanext.urbanaudit import config, netguard
from ckanext.urbanaudit.contents import checks, geo
from ckanext.urbanaudit.contents.model import ContentCheck
from ckanext.urbanaudit.quality import store
from ckanext.urbanaudit.quality.metrics import CHECKED_FORMATS
from ckanext.urbanaudit.utils import enqueue_quietly, utcnow

log = logging.getLogger(__name__)
USER_AGENT = "ckanext-urbanaudit content check"


class NotRead(Exception):
    """The file could not be read (the report says why)."""


DATASTORE_ONLY = "_datastore_only_resource"  # the link datastore_create gives the resource it makes, before its type


def is_checked(resource: dict) -> bool:
    """A table (CSV, XLSX) or GeoJSON file: contents checked (not a table the portal writes into the DataStore:
    ``url_type`` datastore, or datastore_create's resource while it is being made, which has no type yet)."""
    return (resource.get("format") or "").upper() in CHECKED_FORMATS and resource.get("url_type") != "datastore" \
        and not (resource.get("url") or "").endswith(DATASTORE_ONLY)


def _suffix(resource: model.Resource) -> str:
    fmt = (resource.format or "").upper()
    return ".xlsx" if "XLSX" in fmt else ".geojson" if fmt == "GEOJSON" else ".csv"


def _download(url: str, target: Path, limits: dict) -> None:
    retry = netguard.GuardedRetry(total=2, connect=1, read=1, status=0, backoff_factor=0.3,
                                  allowed_methods=frozenset({"GET"}))
    http = netguard.session(config.steward_link_allow(), retry, USER_AGENT)
    http.max_redirects = 5
    read = 0
    with netguard.Deadline(limits["deadline"]) as deadline:
        try:
            with http.get(url, stream=True, timeout=netguard.timeouts(30, 30)) as response, \
                    open(target, "wb") as out:
                if response.status_code >= 400:
                    raise NotRead(f"HTTP {response.status_code}")
                for chunk in response.iter_content(256 * 1024):
                    read += len(chunk)
                    if read > limits["max_bytes"]:
                        raise NotRead(f"larger than {limits['max_bytes']} bytes")
                    out.write(chunk)
        except requests.RequestException as exc:
            if deadline.expired:
                raise NotRead(f"not downloaded within {limits['deadline']:g} s") from exc
            raise NotRead(netguard.NOT_PUBLIC if netguard.refused_in(exc) else type(exc).__name__) from exc


@contextlib.contextmanager
def local_file(resource: model.Resource, limits: dict) -> Iterator[Path]:
    """The resource's file on local disk, under a name with its format's suffix (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="ua-contents-") as folder:
        target = Path(folder) / f"data{_suffix(resource)}"
        if resource.url_type == "upload":
            stored = Path(uploader.get_resource_uploader(resource.as_dict()).get_path(resource.id))
            if not stored.is_file():
                raise NotRead("the uploaded file is missing from the storage")
            if stored.stat().st_size > limits["max_bytes"]:
                raise NotRead(f"larger than {limits['max_bytes']} bytes")
            target.symlink_to(stored)
        else:
            _download(resource.url or "", target, limits)
        yield target


def _table_schema(resource: model.Resource) -> dict | None:
    value = (resource.extras or {}).get("schema")
    if not value:
        return None
    try:
        schema = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return schema if isinstance(schema, dict) and schema.get("fields") else None


def _spatial(package_id: str) -> str | None:
    row = model.Session.query(model.PackageExtra.value).filter_by(package_id=package_id, key="spatial",
                                                                   state="active").first()
    return row[0] if row else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def save(resource: model.Resource, report: dict, file_hash: str | None) -> None:
    values = {"resource_id": resource.id, "package_id": resource.package_id, "checked_at": utcnow(),
              "status": report["status"], "score": report.get("score"), "file_hash": file_hash, "report": report}
    statement = insert(ContentCheck.__table__).values(**values)
    model.Session.execute(statement.on_conflict_do_update(
        index_elements=["resource_id"], set_={k: statement.excluded[k] for k in values if k != "resource_id"}))


def check_resource(resource_id: str, rescore: bool = True) -> dict | None:
    """RQ job: check one resource's file, keep the report, score its data set again. Returns the report."""
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active" \
            or not is_checked({"format": resource.format, "url_type": resource.url_type, "url": resource.url}):
        return None
    limits = config.content_check_settings()
    file_hash = None
    try:
        with local_file(resource, limits) as path:
            file_hash = _sha256(path)
            if path.suffix == ".geojson":
                report = geo.check_geojson(path, geo.extent_of(_spatial(resource.package_id)))
            else:
                report = checks.check_file(path, table_schema=_table_schema(resource),
                                           limit_rows=limits["max_rows"])
    except NotRead as exc:
        report = {"status": "failed", "error": str(exc), "problems": [], "counts": {}, "deductions": {},
                  "score": None}
    save(resource, report, file_hash)
    model.Session.commit()
    if rescore:
        store.recompute(ids=[resource.package_id], reindex="inline")
    log.info("content check of %s: %s %s", resource_id, report["status"], report.get("score"))
    return report


def enqueue(resource_id: str) -> None:
    if not config.content_check_on_save():
        return
    enqueue_quietly(check_resource, [resource_id], f"urbanaudit content check {resource_id}", 1800)


def latest(resource_id: str) -> ContentCheck | None:
    return model.Session.get(ContentCheck, resource_id)
