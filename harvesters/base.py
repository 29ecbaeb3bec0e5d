"""Shared base of the urban-audit harvesters: the re-harvest guarantees live here.

A concrete harvester only says how to read its source: :meth:`UrbanauditHarvester.records` returns, for
the city of the harvest source, every record the source holds now — an inventory dataset dict and the
indicator values that come with it. The base class then

- **gather**: hashes each record's content and compares it with what the last import of the same guid
  stored: a new guid gives a *new* object, a different hash a *change* object, an equal hash **no object
  at all** (nothing is fetched, validated, written or re-indexed); a guid gone from the source gives a
  *withdraw* object. If the source cannot be read (HTTP error, timeout, malformed answer) the job gets a
  gather error naming the source and URL and no object is created, so nothing in the catalogue changes.
  An answer with no records at all while the catalogue holds some is refused the same way, and so is an
  answer that would withdraw more than ``max_withdraw_share`` of the source's records (a truncated answer:
  the numbers go into the gather error, nothing is withdrawn). A source that declares how many records it
  holds and delivers fewer (:meth:`UrbanauditHarvester.incomplete`) gets a gather error and no withdrawal.
- **import**: one record, one transaction: creates or updates the inventory record in place (same package
  id) through the actions, with ``publication_status = published`` and ``owner_org`` = the harvest source's
  organization (the city organization or department of the city file), and stores the values through
  ``urbanaudit_indicator_value_upsert``; the data set, its values and the harvest object are committed
  together or, on any error, rolled back together (the object is recorded as errored with the reason, never
  an exception out of the consumer). A per-guid advisory lock makes two workers importing the same guid at
  once create one data set. A record a steward deleted stays deleted (``"restore_deleted": true`` in the
  source configuration brings it back). A withdraw object sets ``publication_status = withdrawn`` (or
  soft-deletes, if the source or the site says ``gone_records = delete``).
  A *new* record is imported together with up to 99 more new records of the same job that wait for their
  message (batch.py): each validated as on its own, written and indexed together in one transaction, each object
  still reported on its own message.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra
from ckanext.urbanaudit.harvesters import batch, upstream
from ckanext.urbanaudit.harvesters.http import SourceClient, SourceError
from ckanext.urbanaudit.harvesters.ledger import (
    CHANGE,
    NEW,
    WITHDRAW,
    DuplicateGuid,
    GatherLedger,
    HarvestRun,
    Previous,
    imported,
    incremental_since,
)

from ckanext.urbanaudit import bulk, utils
from ckanext.urbanaudit import config as ua_config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.utils import EU

log = logging.getLogger(__name__)

DELETED = "deleted_by_harvest"  # extra of a withdraw object that soft-deleted its data set
VALUES_BATCH = 5000
OBJECTS_BATCH = 500


@dataclass
class Record:
    """One inventory record of a source with the indicator values it carries."""

    guid: str
    dataset: dict[str, Any]
    values: list[dict[str, Any]] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "values": self.values}


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def slug(text: str, max_length: int = 100) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
    return text[:max_length].strip("-")


def published_defaults(**fields: Any) -> dict[str, Any]:
    """Inventory fields every harvested statistical record shares (the source-specific ones override)."""
    record = {
        "publication_status": "published",
        "access_rights": EU + "access-right/PUBLIC",
        "personal_data": "no",
        "spatial_resolution": "city",
        "language": [EU + "language/POL"],
    }
    record.update(fields)
    return record


class UrbanauditHarvester(HarvesterBase):
    """Base of the urban-audit harvesters (not a plugin itself: the subclasses are)."""

    source_id = ""  # the harvest source being gathered (set by gather_stage before records() is called)
    # a harvester whose records() can ask its source for only the records changed since ``self.since`` sets this;
    # gather_stage sets ``since`` (None: a full comparison, every record read)
    reads_changes_since = False
    since = None
    shortfall: str | None = None  # why the records read are not all the source holds (set by incomplete())
    source_key = ""  # the source name in values and in ckanext.urbanaudit.source.<key>_url
    title = ""
    description = ""

    # IHarvester

    def info(self) -> dict[str, str]:
        return {"name": f"urbanaudit_{self.source_key}", "title": self.title, "description": self.description}

    def validate_config(self, config: str | None) -> str:
        try:
            parsed = json.loads(config or "{}")
        except ValueError as e:
            raise ValueError(f"The configuration is not valid JSON: {e}") from None
        if not isinstance(parsed, dict):
            raise ValueError("The configuration must be a JSON object")
        city = City.get(str(parsed.get("city", "")))
        if city is None:
            raise ValueError('"city" must name a city loaded from a city file (TERYT code or slug), '
                             "e.g. {\"city\": \"2661011\"}")
        if parsed.get("gone_records", "withdraw") not in ("withdraw", "delete"):
            raise ValueError('"gone_records" must be "withdraw" or "delete"')
        share = parsed.get("max_withdraw_share", 0)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError('"max_withdraw_share" must be a number from 0 to 1')
        if not isinstance(parsed.get("restore_deleted", False), bool):
            raise ValueError('"restore_deleted" must be true or false')
        if not isinstance(parsed.get("incremental", True), bool):
            raise ValueError('"incremental" must be true or false')
        hours = parsed.get("full_compare_hours", 0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
            raise ValueError('"full_compare_hours" must be a number of hours, 0 or more')
        self.check_config(parsed, city)
        return config or "{}"

    def gather_stage(self, harvest_job: HarvestJob) -> list[str] | None:
        source = harvest_job.source
        source_config = json.loads(source.config or "{}")
        city = City.get(str(source_config.get("city", "")))
        if city is None:
            self._save_gather_error(f"The harvest source names no known city: {source.config}", harvest_job)
            return None
        client = self.client(source.url)
        self.source_id = source.id
        self.shortfall = None
        self.problems: list[str] = []
        started = utils.utcnow()
        self.since = self._since(source.id, source_config, started)
        # Streamed: records are read in batches; each batch is compared with the last imports of its guids
        # (asked from PostgreSQL per batch) and its new or changed records become objects at once. The guids
        # read go to the ledger's temporary table, so memory does not grow with the source. The objects are
        # flushed per batch and committed only at the end: a source that fails half-way leaves nothing behind.
        with model.meta.engine.connect() as connection, connection.begin():
            ledger = GatherLedger(connection, source.id)
            ids: list[str] = []
            batch: list[Record] = []
            try:
                for record in self.records(client, city, source_config):
                    batch.append(record)
                    if len(batch) >= OBJECTS_BATCH:
                        ids += self._compare(harvest_job, ledger, batch)
                ids += self._compare(harvest_job, ledger, batch)
            except DuplicateGuid as e:
                return self._abandon(f"{self.title}: two records share the identifier {e.guid}; "
                                     f"nothing in the catalogue was changed.", harvest_job)
            except SourceError as e:
                return self._abandon(f"{e}. Nothing in the catalogue was changed.", harvest_job)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
                log.exception("unexpected answer structure")
                return self._abandon(
                    f"{self.title}: the answer of {source.url} does not have the expected structure "
                    f"({type(e).__name__}: {e}). Nothing in the catalogue was changed.", harvest_job)
            log.info("%s: %d records from %s (%s)", self.info()["name"], ledger.seen, source.url, client.stats)

            # an incremental gather read only what changed: what it did not read is not gone from the source
            refused = None if self.since else self._withdrawal_refused(ledger, source.url, source_config)
            if refused:
                return self._abandon(refused, harvest_job)
            pending: list[HarvestObject] = []
            for guid, prev in ([] if self.shortfall or self.since else ledger.gone()):
                pending.append(self._object(harvest_job, guid, status=WITHDRAW, digest=None, prev=prev,
                                            content=None))
                if len(pending) >= OBJECTS_BATCH:
                    ids += self._flush(pending)
            ids += self._flush(pending)
        model.Session.add(HarvestRun(job_id=harvest_job.id, source_id=source.id, full=self.since is None,
                                     since=self.since, started=started))
        model.Session.commit()
        if self.shortfall:
            self._save_gather_error(tk._("{reason}: nothing withdrawn in this job.").format(reason=self.shortfall),
                                    harvest_job)
        self._save_problems(harvest_job)
        return ids

    def _since(self, source_id: str, source_config: dict[str, Any], now: Any) -> Any:
        """None for a full comparison; else the time this gather asks the source for changes since."""
        if not self.reads_changes_since or source_config.get("incremental") is False:
            return None
        hours = source_config.get("full_compare_hours", ua_config.harvest_full_compare_hours())
        return incremental_since(source_id, now, timedelta(hours=float(hours))) if hours > 0 else None

    def _withdrawal_refused(self, ledger: GatherLedger, url: str, source_config: dict[str, Any]) -> str | None:
        """Why the records gone from this answer may not be withdrawn (the answer is empty or truncated)."""
        if not ledger.seen and ledger.any_live():
            return (f"{self.title}: {url} returned no records although some are in the catalogue; nothing was "
                    f"withdrawn.")
        live, gone = ledger.counts()
        share = self._max_withdraw_share(source_config)
        if gone > 1 and gone > share * live:  # one record may always go (a small source loses one)
            return tk._(
                "{title}: the source lists {listed} of {live} records; {gone} would be withdrawn ({percent} %), "
                "more than the {allowed} % allowed: nothing withdrawn. If the source really dropped them, raise "
                '"max_withdraw_share" in its configuration for one job.').format(
                    title=self.title, listed=live - gone, live=live, gone=gone, percent=round(100 * gone / live),
                    allowed=f"{100 * share:g}")
        return None

    def incomplete(self, message: str) -> None:
        """Called by records() when the source delivered fewer records than it declares: the records read are
        imported, but none of the catalogue's records is withdrawn in this job, and the job reports why."""
        self.shortfall = message

    def report(self, message: str) -> None:
        """Called by records() for a part of the source it leaves out (e.g. a mapped variable the source
        redefined): the rest is imported and the job lists the message as an error."""
        self.problems.append(message)

    def _save_problems(self, harvest_job: HarvestJob) -> None:
        """The parts of the source records() left out, each as a gather error of the job."""
        for problem in self.problems:
            self._save_gather_error(problem, harvest_job)

    @staticmethod
    def _max_withdraw_share(source_config: dict[str, Any]) -> float:
        share = source_config.get("max_withdraw_share")
        return float(share) if isinstance(share, int | float) else ua_config.max_withdraw_share()

    def _compare(self, harvest_job: HarvestJob, ledger: GatherLedger, batch: list[Record]) -> list[str]:
        """Objects for the new and changed records of a batch (an unchanged one gets none: no fetch, no
        import, no re-index); their ids. Empties the batch."""
        previous = ledger.note([record.guid for record in batch])
        pending = []
        for record in batch:
            content = record.content()
            digest = content_hash(content)
            prev = previous.get(record.guid)
            if prev is not None and prev.content_hash == digest and not prev.withdrawn:
                continue
            pending.append(self._object(harvest_job, record.guid, status=NEW if prev is None else CHANGE,
                                        digest=digest, prev=prev, content=content))
        batch.clear()
        return self._flush(pending)

    def imported_before(self, guid_prefix: str) -> bool:
        """Whether an earlier job of the source being gathered imported a record whose guid starts so."""
        return model.Session.query(
            model.Session.query(HarvestObject)
            .filter(*imported(self.source_id), HarvestObject.guid.startswith(guid_prefix))
            .exists()
        ).scalar()

    def _abandon(self, message: str, harvest_job: HarvestJob) -> None:
        """Roll back the objects of this gather and record why: the catalogue stays as it was."""
        model.Session.rollback()
        self._save_gather_error(message, harvest_job)
        self._save_problems(harvest_job)

    @staticmethod
    def _flush(pending: list[HarvestObject]) -> list[str]:
        """Write a batch of objects into the open transaction and let go of them (memory stays flat)."""
        model.Session.flush()
        ids = [obj.id for obj in pending]
        for obj in pending:
            for extra in obj.extras:
                model.Session.expunge(extra)
            model.Session.expunge(obj)
        pending.clear()
        return ids

    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        # the gather stage already holds each record's full content (it needs it for the hash)
        return True

    def import_stage(self, harvest_object: HarvestObject) -> bool | str:
        """One record in one transaction (a new one with the job's other waiting new records: batch.py): data set,
        values and harvest object are committed together, or on any error rolled back together and the object
        recorded as errored with the reason. Never raises: an exception out of here ends the fetch consumer."""
        object_id, guid = harvest_object.id, harvest_object.guid  # read now: after a failed flush they expire
        try:
            done = batch.handled(harvest_object)  # by a batch another object of the job led (batch.py)
            return self._import(harvest_object) if done is None else done
        except (tk.ValidationError, upstream.DepartmentRefused) as e:
            reason = self.refusal(guid, e)
        except Exception as e:  # a consumer must survive any record (IntegrityError, a broken plugin, ...)
            log.exception("import of harvest object %s (guid %s) failed", object_id, guid)
            reason = f"Record {guid} could not be imported ({type(e).__name__}: {e}); nothing was written."
        model.Session.rollback()
        self._save_object_error(reason, harvest_object, "Import")
        return False

    def _import(self, harvest_object: HarvestObject) -> bool | str:
        extras = {e.key: e.value for e in harvest_object.extras}
        context = {"user": self._get_user_name()}
        source_config = json.loads(harvest_object.source.config or "{}")
        if extras.get("status") == WITHDRAW:
            return self._withdraw(harvest_object, context, source_config)
        if extras.get("status") == NEW and harvest_object.package_id is None \
                and batch.import_together(self, harvest_object, context):
            return True  # with the job's other new records waiting (batch.py)
        # two workers importing the same guid (the same object delivered twice, or two objects of one guid)
        # queue here; the second one then finds the first one's data set and updates it
        batch.lock_guids([harvest_object])
        content = json.loads(harvest_object.content)
        existing = self._existing_package(harvest_object)
        if existing is not None and existing.state == "deleted" and not self._restore(harvest_object, existing,
                                                                                      source_config):
            harvest_object.package_id = existing.id
            model.Session.commit()
            self._save_object_error(tk._(
                "Record {guid} changed in the source, but its data set {name} was deleted in the portal: it "
                'stays deleted (set "restore_deleted": true in the harvest source configuration to bring it '
                "back).").format(guid=harvest_object.guid, name=existing.name), harvest_object, "Import")
            return "unchanged"
        context = dict(context, defer_commit=True)
        package_id = self._save_dataset(harvest_object, context, content["dataset"], existing)
        self.store_values(tk.get_action("urbanaudit_indicator_value_upsert"), context, content["values"], package_id)
        model.Session.query(HarvestObject).filter(
            HarvestObject.package_id == package_id, HarvestObject.id != harvest_object.id
        ).update({"current": False}, synchronize_session=False)
        harvest_object.package_id = package_id
        harvest_object.current = True
        harvest_object.save()  # the one commit of the record: data set, values, object
        return True

    @staticmethod
    def store_values(upsert: Any, context: dict, values: list[dict], package_id: str) -> None:
        """A record's indicator values, with its data set as their source, through ``upsert`` (the value action)."""
        values = [dict(v, source_ref=package_id) for v in values]
        for start in range(0, len(values), VALUES_BATCH):
            upsert(context, {"values": values[start:start + VALUES_BATCH]})

    @staticmethod
    def refusal(guid: str, error: tk.ValidationError | upstream.DepartmentRefused) -> str:
        """The import error of a record the schema or its department refused."""
        if isinstance(error, tk.ValidationError):
            return f"Record {guid} does not fit the inventory schema: {_summary(error)}"
        return str(error)

    @staticmethod
    def _existing_package(harvest_object: HarvestObject) -> model.Package | None:
        """The data set of the object's guid: the one the gather found, else one another object of the same guid
        of this source got meanwhile (read under the guid's lock, so a concurrent import has committed)."""
        if harvest_object.package_id:
            package = model.Package.get(harvest_object.package_id)
            if package is not None:
                return package
        return (model.Session.query(model.Package)
                .join(HarvestObject, HarvestObject.package_id == model.Package.id)
                .filter(HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
                        HarvestObject.guid == harvest_object.guid, HarvestObject.id != harvest_object.id)
                .order_by(HarvestObject.gathered.desc()).first())

    @staticmethod
    def _restore(harvest_object: HarvestObject, package: model.Package, source_config: dict[str, Any]) -> bool:
        """Whether a deleted data set comes back with its record: when the source configuration says so, or when
        the harvest itself deleted it (``gone_records = delete``) and the record is back in the source."""
        if source_config.get("restore_deleted") is True:
            return True
        last = (model.Session.query(HarvestObject)
                .filter(HarvestObject.package_id == package.id, HarvestObject.state == "COMPLETE",
                        HarvestObject.id != harvest_object.id)
                .order_by(HarvestObject.import_finished.desc().nulls_last()).first())
        return last is not None and any(e.key == DELETED and e.value == "true" for e in last.extras)

    # what a concrete harvester provides

    def check_config(self, config: dict[str, Any], city: City) -> None:
        """Raise ValueError with a clear message for a bad source configuration."""

    def client_options(self) -> dict[str, Any]:
        return {}

    def records(self, client: SourceClient, city: City, config: dict[str, Any]) -> Iterable[Record]:
        raise NotImplementedError

    # helpers

    def client(self, base_url: str) -> SourceClient:
        options = {**ua_config.http_settings(), **self.client_options()}
        return SourceClient(self.title or self.source_key, base_url, namespace=tk.config["ckan.site_id"], **options)

    def _object(self, job: HarvestJob, guid: str, *, status: str, digest: str | None, prev: Previous | None,
                content: dict | None) -> HarvestObject:
        obj = HarvestObject(guid=guid, job=job, package_id=prev.package_id if prev else None,
                            content=json.dumps(content, ensure_ascii=False) if content is not None else None,
                            extras=[HarvestObjectExtra(key="status", value=status),
                                    HarvestObjectExtra(key="content_hash", value=digest or "")])
        model.Session.add(obj)
        return obj

    def prepare(self, harvest_object: HarvestObject, dataset: dict[str, Any]) -> dict[str, Any]:
        """Last changes to a record before it is saved (the source's department, defaults, status)."""
        return dataset

    @staticmethod
    def department(source: Any) -> str:
        """The organization a source's records go to: the source's department ("department" in its configuration),
        else the harvest source's organization (the city organization or department named in the city file)."""
        return upstream.department(source, upstream.source_config(source))

    def ready(self, harvest_object: HarvestObject, dataset: dict[str, Any], department: str) -> dict[str, Any]:
        """A record's data set as it is validated: in ``department``, ``prepare``d, published unless it says
        otherwise."""
        dataset = self.prepare(harvest_object, dict(dataset, owner_org=department))
        dataset.setdefault("publication_status", "published")
        return dataset

    def _save_dataset(self, harvest_object: HarvestObject, context: dict, dataset: dict,
                      existing: model.Package | None) -> str:
        """Create or update the record's data set (in the open transaction); its id (no package_show of the
        result: nobody reads it)."""
        dataset = self.ready(harvest_object, dataset, self.department(harvest_object.source))
        if existing is not None:
            dataset.update(id=existing.id, name=existing.name, state="active")
            return tk.get_action("package_update")(dict(context, return_id_only=True), dataset)
        dataset["name"] = utils.unique_name(self.name_base(dataset))
        # package_create's access check and validation, then the bulk write path (its rows written together)
        [package_id] = bulk.create(dict(context), [bulk.checked(context, dataset)])
        return package_id

    @staticmethod
    def name_base(dataset: dict[str, Any]) -> str:
        """The URL name a new record's data set gets, before ``utils.unique_name(s)`` makes it unique."""
        return slug(dataset.get("name") or slug(dataset["title"]), 90) or "record"

    def _withdraw(self, harvest_object: HarvestObject, context: dict, source_config: dict) -> bool:
        package = model.Package.get(harvest_object.package_id)
        if package is not None and package.state == "active":
            how = source_config.get("gone_records") or ua_config.gone_records()
            if how == "delete":
                tk.get_action("package_delete")(dict(context, defer_commit=True), {"id": package.id})
                # the harvest deleted it: if the record comes back, so does the data set (see _restore)
                harvest_object.extras.append(HarvestObjectExtra(key=DELETED, value="true"))
            else:
                tk.get_action("package_patch")(dict(context, defer_commit=True),
                                               {"id": package.id, "publication_status": "withdrawn"})
        model.Session.query(HarvestObject).filter(
            HarvestObject.package_id == harvest_object.package_id
        ).update({"current": False}, synchronize_session=False)
        harvest_object.current = False  # reported as "deleted" in the job's statistics
        harvest_object.save()
        model.Session.commit()
        return True


def _summary(error: tk.ValidationError) -> str:
    try:
        summary = error.error_summary or {}
    except (AssertionError, AttributeError, TypeError):  # CKAN's summary refuses nested errors (a batch's values)
        summary = {}
    return "; ".join(f"{k}: {v}" for k, v in summary.items()) or json.dumps(error.error_dict, ensure_ascii=False)
