"""The action of the inventory questionnaire: import (the export and the template are in workbook.py)."""
from __future__ import annotations

import gc
import io
import itertools
import pickle
import re
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import plugins as lib_plugins
from ckan.types import Context, DataDict

from ckanext.urbanaudit import bulk, config, utils
from ckanext.urbanaudit.inventory import lookups
from ckanext.urbanaudit.inventory import questionnaire as q

# where a schema error shows in the questionnaire
ERROR_COLUMNS = {"name": "title", "tags": "tag_string", "contact": "contact_email",
                 "temporal_coverage": "temporal_start", "resources": "resource_url"}
PLAN_CHUNK = 200  # rows read, planned and validated together


def _find_by_identifier(identifiers: list[str]) -> dict[str, str]:
    """The inventory records (type ``dataset``) holding these identifiers: {identifier: id}."""
    if not identifiers:
        return {}
    return dict(lookups.holding(identifiers).filter(model.Package.type == "dataset"))


def _slug(identifier: str) -> str:
    """A new record's URL name from its identifier (made unique by ``utils.unique_names``)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", identifier.lower()).strip("-_")[:90]
    return slug if len(slug) >= 2 else f"zbior-{slug}"


def _same(old: Any, new: Any) -> bool:
    def norm(value: Any) -> Any:
        if value in (None, "", []):
            return None
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items() if norm(v) is not None}
        return str(value).strip()

    return norm(old) == norm(new)


def _merge(existing: dict | None, row: dict[str, Any]) -> tuple[dict, bool]:
    """The dataset dict to save and whether it differs from what is stored."""
    incoming = {k: v for k, v in row.items() if k != "__resource"}
    resource = row.get("__resource")
    if existing is None:
        data = dict(incoming)
        if resource and resource["url"]:
            data["resources"] = [{"url": resource["url"], "format": resource["format"],
                                  "name": data.get("title", "")}]
        return data, True
    data = dict(existing)
    changed = False
    for key, value in incoming.items():
        old, new = existing.get(key), value
        if key == "tag_string":
            old = ",".join(sorted(t["name"] for t in existing.get("tags", [])))
            new = ",".join(sorted(t.strip() for t in value.split(",") if t.strip()))
        if key == "contact":  # what the questionnaire has no column for (a contact's URI) stays as it was
            new = [{**old_contact, **contact} for old_contact, contact in zip(old or [], new, strict=False)] \
                + new[len(old or []):]
        if not _same(old, new):
            data[key] = new
            changed = True
    if "tag_string" in data:
        data.pop("tags", None)
    if resource and resource["url"]:
        resources = [dict(r) for r in existing.get("resources", [])]
        match = next((r for r in resources if r.get("url") == resource["url"]), None)
        if match is None:
            resources.append({"url": resource["url"], "format": resource["format"], "name": data.get("title", "")})
            changed = True
        elif resource["format"] and not _same(match.get("format"), resource["format"]):
            match["format"] = resource["format"]
            changed = True
        data["resources"] = resources
    return data, changed


def _flatten(errors: dict, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for key, value in errors.items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    found.extend(_flatten(item, prefix or key))
                elif item:
                    found.append((prefix or key, str(item)))
        elif isinstance(value, dict):
            found.extend(_flatten(value, prefix or key))
    return found


def _plan(row: q.Row, orgs: dict[str, str], package_id: str | None, user_context: dict,
          name: str | None) -> tuple[q.Row, dict, str]:
    """What a row does: (row, dataset dict, "create" | "update" | "unchanged" | "error"); errors go on the row.
    ``name``: the URL name a new record gets (``utils.unique_names``, for the row's chunk)."""
    org_name = row.data.get("owner_org")
    if org_name:
        if org_name in orgs:
            row.data["owner_org"] = orgs[org_name]
        else:
            row.error("owner_org", tk._("No such department: %s") % org_name)
    if row.errors:
        return row, {}, "error"
    if package_id:
        # a record the caller may not even see (another department's private record or draft) is never
        # compared with the row: "unchanged" would confirm its identifier and values to whoever guesses them
        try:
            tk.check_access("package_show", dict(user_context), {"id": package_id})
        except tk.NotAuthorized:
            row.error("identifier", tk._("You may not edit the records of this department"))
            return row, {}, "error"
    existing = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id}) if package_id else None
    data, changed = _merge(existing, row.data)
    if existing is None:
        data.setdefault("name", name)
        data.setdefault("type", "dataset")
        if not data.get("owner_org"):
            row.error("owner_org", tk._("Missing value"))
    action = "create" if existing is None else ("update" if changed else "unchanged")
    if action != "unchanged" and not row.errors:
        try:
            tk.check_access("package_update" if existing else "package_create", dict(user_context),
                            data if existing is None else {"id": existing["id"], **data})
        except tk.NotAuthorized:
            row.error("owner_org", tk._("You may not edit the records of this department"))
    return row, data, "error" if row.errors else action


def _upload(data_dict: dict) -> tuple[str, bytes]:
    """The file's name and bytes; refused above the configured size before anything reads it."""
    limit = config.inventory_max_upload_bytes()
    upload = data_dict.get("upload")
    if upload is not None and hasattr(upload, "read"):
        filename, content = upload.filename or "", upload.read(limit + 1)
    else:
        filename, content = data_dict.get("filename") or "", data_dict.get("content")
    if not content:
        raise tk.ValidationError({"upload": [tk._("Missing value")]})
    content = content.encode("utf-8") if isinstance(content, str) else content
    if len(content) > limit:
        message = tk._("The file is larger than the limit of %s MB") % f"{limit / 2**20:g}"
        raise tk.ValidationError({"upload": [message]})
    return filename, content


def _row_errors(row: q.Row, error_dict: dict) -> None:
    for field, message in _flatten(error_dict):
        row.error(ERROR_COLUMNS.get(field, field), message)


class _Spool:
    """The validated data of the rows to be written, kept pickled in a temporary file (on disk past 1 MiB) until
    their batch is written: what the import holds in memory per row is its number, identifier and errors, so a
    5,000-row file costs about what a 1,000-row one does (benchmarks/questionnaire_import.py)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def put(self, data: dict) -> tuple[int, int]:
        blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, io.SEEK_END)
        self._file.write(blob)
        return offset, len(blob)

    def get(self, where: tuple[int, int]) -> dict:
        offset, length = where
        self._file.seek(offset)
        return pickle.loads(self._file.read(length))  # bytes this process pickled above: never outside input


def _validate(row: q.Row, data: dict, action: str, user_context: dict) -> dict:
    """The row validated as package_create / package_update would (the dataset type's schema, the same context),
    writing nothing; errors go on the row. Returns what its batch writes: a new record's validated data (not
    validated a second time: bulk.create), a changed one's merged data (package_update)."""
    context: dict[str, Any] = {**user_context, "model": model, "session": model.Session}
    if action == "create":
        valid, errors = bulk.validate(context, data)
    else:
        context["package"] = model.Package.get(data["id"])
        plugin = lib_plugins.lookup_package_plugin(data.get("type") or "dataset")
        valid = data
        _, errors = lib_plugins.plugin_validate(plugin, context, dict(data), plugin.update_package_schema(),
                                                "package_update")
    if errors:
        _row_errors(row, errors)
    return valid


def _prepare(rows: Iterator[q.Row], orgs: dict[str, str], user_context: dict, spool: _Spool) -> list[tuple]:
    """Plan and validate the rows as they are read, ``PLAN_CHUNK`` at a time (one identifier lookup each):
    (row, where its data is in the spool or None, action) per row, the row left holding only its identifier
    and errors."""
    seen: dict[str, int] = {}
    given: set[str] = set()  # URL names given to the file's new records: two identifiers may share a slug
    plans: list[tuple] = []
    while chunk := list(itertools.islice(rows, PLAN_CHUNK)):
        identifiers = [r.data["identifier"] for r in chunk if r.data.get("identifier")]
        existing_ids = _find_by_identifier(identifiers)
        new = list(dict.fromkeys(i for i in identifiers if i not in existing_ids))
        names = dict(zip(new, utils.unique_names([_slug(i) for i in new], given), strict=True))
        hints = lookups.chunk_context(identifiers, list(names.values()))
        for row in chunk:
            identifier = row.data.get("identifier")
            if identifier in seen:
                row.error("identifier", tk._("The identifier repeats row %s") % seen[identifier])
            elif identifier:
                seen[identifier] = row.number
            _, data, action = _plan(row, orgs, existing_ids.get(identifier), user_context, names.get(identifier))
            where = None
            if action in ("create", "update"):
                valid = _validate(row, data, action, {**user_context, **hints})
                if not row.errors:
                    where = spool.put(valid)
            row.data = {"identifier": identifier}
            plans.append((row, where, action))
        model.Session.rollback()  # nothing of the planning and validation stays in the session
    return plans


def _tally(report: dict, row: q.Row, action: str) -> None:
    report["created" if action == "create" else "updated"].append(row.data["identifier"])


def _save_batch(batch: list, spool: _Spool, user_context: dict, report: dict) -> None:
    """Write one batch in one transaction — its new records in one bulk write (validated once, before), its
    changed ones through package_update — and commit it (one search-index update), or roll it back whole."""
    write_context = {**user_context, "defer_commit": True, "return_id_only": True}
    try:
        bulk.create(dict(user_context), [spool.get(where) for _, where, action in batch if action == "create"])
        for row, where, action in batch:
            if action != "update":
                continue
            try:
                tk.get_action("package_update")(dict(write_context), spool.get(where))
            except tk.ValidationError as error:  # what only the database knew
                _row_errors(row, error.error_dict)
                raise
        model.repo.commit()
    except Exception:
        model.Session.rollback()
        raise
    finally:
        # the session would otherwise keep every saved object reachable (an organization's member collection
        # grows with each dataset), and memory with the length of the file; the batch's objects form reference
        # cycles (ORM states, validation contexts) that Python's collector would free only now and then, several
        # batches' worth at once: freed here, the peak is one batch's whatever the file's length
        model.Session.expunge_all()
        gc.collect()
    for row, _, action in batch:
        _tally(report, row, action)


def _save(plans: list, spool: _Spool, user_context: dict, report: dict) -> None:
    """Write the valid rows in batches of ``inventory.import_batch_rows``; a batch that fails is rolled back,
    the import stops there and the report says which rows were saved before it."""
    to_write = [plan for plan in plans if plan[1] is not None]
    size = config.inventory_import_batch_rows()
    for start in range(0, len(to_write), size):
        batch = to_write[start:start + size]
        try:
            _save_batch(batch, spool, user_context, report)
        except Exception as error:
            first = batch[0][0]
            if not isinstance(error, tk.ValidationError):
                first.error("", tk._("Not saved (rows %(first)s-%(last)s and after): %(error)s") % {
                    "first": first.number, "last": batch[-1][0].number, "error": str(error)[:300]})
            report["stopped_at_row"] = first.number
            return


def urbanaudit_inventory_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import an inventory questionnaire (XLSX or CSV).

    :param upload: the file (multipart upload); or ``filename`` and ``content`` (bytes) when called in-process
    :param dry_run: validate and report only (default false)
    :param valid_only: import the valid rows even if others have errors (default false: a file with
        errors imports nothing)
    :returns: {rows, created, updated, unchanged, errors: [{row, column, field, message}], imported, dry_run};
        ``stopped_at_row`` when a batch failed to save: the rows before it were saved, that batch and the
        following ones were not (import the file again to finish: saved rows come back unchanged)
    """
    tk.check_access("urbanaudit_inventory_import", context, data_dict)
    dry_run = tk.asbool(data_dict.get("dry_run", False))
    valid_only = tk.asbool(data_dict.get("valid_only", False))
    filename, content = _upload(data_dict)
    orgs = {name: org_id for org_id, name in model.Session.query(model.Group.id, model.Group.name)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")}
    user = context.get("auth_user_obj") or (model.User.by_name(context["user"]) if context.get("user") else None)
    user_context = {"user": context.get("user"), "auth_user_obj": user}  # looked up once, not per row

    # Every row is validated before anything is written: a file with errors writes nothing (unless valid_only)
    # and a dry run writes nothing at all. The file is read, planned and validated row by row (its validated
    # data spooled to a temporary file), then the valid rows are written in batches, each one transaction and
    # one search-index update (ckanext.urbanaudit.indexing): memory stays flat however long the file, a Solr
    # error rolls its batch back, and a rolled-back row never reaches Solr.
    with tempfile.SpooledTemporaryFile(max_size=2 ** 20) as spooled:
        spool = _Spool(spooled)
        try:
            plans = _prepare(q.parse_rows(q.iter_table(filename, content, tk._), tk._), orgs, user_context, spool)
        except q.QuestionnaireError as error:
            model.Session.rollback()
            raise tk.ValidationError({"upload": [tk._("The questionnaire cannot be read: %s") % error]}) from error
        report: dict[str, Any] = {"rows": len(plans), "created": [], "updated": [], "dry_run": dry_run,
                                  "unchanged": [row.data["identifier"] for row, _, action in plans
                                                if action == "unchanged"]}
        errors = [e for row, _, _ in plans for e in row.errors]
        if dry_run:  # what the import would do
            for row, where, action in plans:
                if where is not None:
                    _tally(report, row, action)
        elif valid_only or not errors:
            _save(plans, spool, user_context, report)
    report["errors"] = [e for row, _, _ in plans for e in row.errors]
    report["imported"] = not dry_run and (valid_only or not errors) and "stopped_at_row" not in report
    return report
