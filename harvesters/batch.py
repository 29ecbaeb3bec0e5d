"""A gather's new records imported together: a batch of them validated one by one, written in one transaction by the
bulk write path (``ckanext.urbanaudit.bulk``) and indexed in one Solr update at its commit.

ckanext-harvest hands its fetch consumer one harvest object per message, and the import stage of one object is one
record in one transaction (base.py). For a new record that costs a transaction, a Solr update and CKAN's per-record
lookups each; a first harvest of a large source is bound by it. So when the import stage gets a *new* object
(the gather saw no earlier import of its guid), it takes up to ``SIZE - 1`` more new objects of the same job that
still wait for their message, locked for this transaction (``FOR UPDATE SKIP LOCKED``: no other worker takes the
same object, a worker that has begun one is not waited for), and imports them with it:

- each record is prepared and validated as on its own (same department, same ``prepare``, the inventory schema
  with ``package_create``'s access check): the batch's identifiers, URL names, user and department are looked up
  once for the batch (``inventory.lookups``), as the questionnaire import does;
- a record that does not fit the schema gets its own import error, as on its own, and is not written; a record
  whose guid another object of the source imported meanwhile, or whose identifier an earlier record of the batch
  takes, or that repeats a guid of the batch, is left for its own message (it then finds that data set, or the
  identifier taken);
- the valid records are written together, their values stored, and each object gets its data set and is made
  current, all in one commit — or, if the database refuses the batch, nothing of it is written and each record
  goes on alone (the job's later objects too).

Each object is still reported on its own: the objects taken stay ``WAITING`` until their own message comes, so the
job does not finish before every message is consumed; the import stage of such a message finds its object already
imported (or already refused) and says so (:func:`handled`), and ckanext-harvest marks and counts it as for any
object: added, or errored with the batch's message.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra
from ckanext.urbanaudit.harvesters import upstream
from ckanext.urbanaudit.harvesters.ledger import NEW

from ckanext.urbanaudit import bulk, utils
from ckanext.urbanaudit.inventory import lookups

if TYPE_CHECKING:
    from ckanext.urbanaudit.harvesters.base import UrbanauditHarvester

log = logging.getLogger(__name__)

SIZE = 100
ERRORED = "errored"  # ckanext-harvest's report status of an object whose import failed
_refused_jobs: set[str] = set()  # jobs one of whose batches the database refused: their records go one by one


def handled(harvest_object: HarvestObject) -> bool | None:
    """For the message of an object: True if a batch (or an earlier delivery) imported it, False if a batch refused
    it (its error is recorded), None if it is still to be imported. Reads the object afresh: another worker's batch
    may have committed since ckanext-harvest loaded it."""
    model.Session.refresh(harvest_object, ["package_id", "current", "report_status"])
    if harvest_object.current and harvest_object.package_id:
        return True
    if harvest_object.report_status == ERRORED:
        return False
    return None


def lock_guids(objects: list[HarvestObject]) -> None:
    """The import stage's per-guid advisory locks (one record's, or a batch's in one statement, taken in one order
    so that two batches cannot wait for each other): two workers importing one guid queue here."""
    keys = sorted({f"{o.harvest_source_id} {o.guid}" for o in objects})
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(CAST(:keys AS text[])) "
                                  "WITH ORDINALITY AS u(k, n) ORDER BY n"), {"keys": keys})


def _waiting(leader: HarvestObject, limit: int) -> list[HarvestObject]:
    """Up to ``limit`` other new objects of the leader's job still waiting for their message, locked."""
    return (model.Session.query(HarvestObject)
            .join(HarvestObjectExtra, HarvestObjectExtra.harvest_object_id == HarvestObject.id)
            .filter(HarvestObject.harvest_job_id == leader.harvest_job_id, HarvestObject.id != leader.id,
                    HarvestObject.state == "WAITING", HarvestObject.package_id.is_(None),
                    HarvestObject.report_status.is_(None),
                    HarvestObjectExtra.key == "status", HarvestObjectExtra.value == NEW)
            .order_by(HarvestObject.gathered, HarvestObject.id)
            .limit(limit)
            .with_for_update(of=HarvestObject, skip_locked=True)
            .all())


def _imported_guids(objects: list[HarvestObject]) -> set[str]:
    """Of the objects' guids, those another object of the source has a data set for (read under the guids' locks)."""
    ids = [o.id for o in objects]
    rows = (model.Session.query(HarvestObject.guid)
            .filter(HarvestObject.harvest_source_id == objects[0].harvest_source_id,
                    HarvestObject.guid.in_([o.guid for o in objects]), HarvestObject.id.notin_(ids),
                    HarvestObject.package_id.isnot(None)))
    return {guid for (guid,) in rows}


def import_together(harvester: UrbanauditHarvester, leader: HarvestObject, context: dict) -> bool:
    """Import the new object ``leader`` with the job's other waiting new objects (module docstring); True when done
    and committed, False when the leader is to be imported on its own (nothing waiting, the leader not fit for a
    batch, or the batch refused by the database: then rolled back)."""
    if leader.harvest_job_id in _refused_jobs:
        return False
    others = _waiting(leader, SIZE - 1)
    if not others:
        return False
    objects = [leader, *others]
    lock_guids(objects)
    imported = _imported_guids(objects)
    entries = None if leader.guid in imported else _prepared(harvester, leader,
                                                            [o for o in objects if o.guid not in imported])
    batch = None if entries is None else _validated(harvester, leader, context, entries)
    return batch is not None and _write(harvester, leader, context, batch)


def _prepared(harvester: UrbanauditHarvester, leader: HarvestObject, objects: list[HarvestObject]) -> list | None:
    """(object, content, dataset before validation) of each object, as the import stage prepares it on its own; an
    object that cannot be prepared is left for its own message; None if the leader cannot be."""
    try:
        department = harvester.department(leader.source)
    except upstream.DepartmentRefused:
        return None
    entries, guids = [], set()
    for obj in objects:
        if obj.guid in guids:
            continue  # a second object of one guid: its own message finds the first one's data set
        guids.add(obj.guid)
        try:
            content = json.loads(obj.content)
            entries.append((obj, content, harvester.ready(obj, content["dataset"], department)))
        except Exception:
            log.info("harvest object %s left for its own import", obj.id, exc_info=True)
            if obj is leader:
                return None
    return entries


def _validated(harvester: UrbanauditHarvester, leader: HarvestObject, context: dict, entries: list) -> list | None:
    """(object, content, validated data) of each record that fits the schema, with the batch's lookups made once;
    a record that does not gets its import error; None if the leader does not fit (it is refused on its own)."""
    names = utils.unique_names([harvester.name_base(dataset) for _, _, dataset in entries])
    identifiers = [str(dataset.get("identifier") or "").strip() for _, _, dataset in entries]
    hints = lookups.chunk_context([i for i in identifiers if i], names)
    batch, seen = [], set()
    for (obj, content, dataset), name, identifier in zip(entries, names, identifiers, strict=True):
        if identifier and identifier in seen:
            continue  # its own message finds the identifier taken by the earlier record
        try:
            valid = bulk.checked(dict(context, **hints), dict(dataset, name=name))
        except tk.ValidationError as e:
            if obj is leader:
                return None
            _refuse(obj, harvester.refusal(obj.guid, e))
            continue
        seen.add(identifier)
        batch.append((obj, content, valid))
    return batch


def _write(harvester: UrbanauditHarvester, leader: HarvestObject, context: dict, batch: list) -> bool:
    """The batch's data sets, values and objects in one commit; False (rolled back) if the database refuses it."""
    job_id = leader.harvest_job_id  # read now: after a failed flush the objects expire
    try:
        ids = bulk.create(dict(context), [valid for _, _, valid in batch])
        upsert = tk.get_action("urbanaudit_indicator_value_upsert")
        for (obj, content, _), package_id in zip(batch, ids, strict=True):
            harvester.store_values(upsert, dict(context, defer_commit=True), content["values"], package_id)
            obj.package_id = package_id
            obj.current = True
        model.Session.commit()  # the batch's one commit: data sets, values, objects; one Solr update
    except Exception:
        model.Session.rollback()
        log.exception("a batch of %d records of harvest job %s was refused; its records go one by one",
                      len(batch), job_id)
        _refused_jobs.add(job_id)
        return False
    return True


def _refuse(harvest_object: HarvestObject, reason: str) -> None:
    """The object's import error, in the batch's transaction (ckanext-harvest's helper would commit)."""
    model.Session.add(HarvestObjectError(message=reason, object=harvest_object, stage="Import"))
    harvest_object.report_status = ERRORED
