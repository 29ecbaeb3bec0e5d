"""The action of the inventory questionnaire: import (the export and the template are in workbook.py)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search
from ckan.types import Context, DataDict

from ckanext.urbanaudit import config, utils
from ckanext.urbanaudit.inventory import questionnaire as q

# where a schema error shows in the questionnaire
ERROR_COLUMNS = {"name": "title", "tags": "tag_string", "contact": "contact_email",
                 "temporal_coverage": "temporal_start", "resources": "resource_url"}


def _find_by_identifier(identifiers: list[str]) -> dict[str, str]:
    if not identifiers:
        return {}
    rows = (
        model.Session.query(model.PackageExtra.value, model.Package.id)
        .join(model.Package, model.Package.id == model.PackageExtra.package_id)
        .filter(model.PackageExtra.key == "identifier", model.PackageExtra.state == "active",
                model.PackageExtra.value.in_(identifiers), model.Package.state != "deleted",
                model.Package.type == "dataset")
    )
    return dict(rows)


def _slug(identifier: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", identifier.lower()).strip("-_")[:90]
    return utils.unique_name(slug if len(slug) >= 2 else f"zbior-{slug}")


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


def _plan(row: q.Row, orgs: dict[str, str], package_id: str | None, user_context: dict) -> tuple[q.Row, dict, str]:
    """What a row does: (row, dataset dict, "create" | "update" | "unchanged" | "error"); errors go on the row."""
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
        data.setdefault("name", _slug(row.data["identifier"]))
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


@contextmanager
def _one_solr_commit() -> Iterator[None]:
    """Index the whole import, then make Solr commit once (not once per record and per change)."""
    previous = tk.config.get("ckan.search.solr_commit")
    tk.config["ckan.search.solr_commit"] = False
    try:
        yield
    finally:
        tk.config["ckan.search.solr_commit"] = previous
        search.commit()


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


def _save(plans: list, user_context: dict, report: dict) -> None:
    """Save the rows in the current transaction, commit deferred; validation errors go on the rows."""
    write_context = {**user_context, "defer_commit": True, "return_id_only": True}
    for row, data, action in plans:
        if action == "unchanged":
            report["unchanged"].append(row.data["identifier"])
        if action not in ("create", "update"):
            continue
        try:
            tk.get_action("package_create" if action == "create" else "package_update")(dict(write_context), data)
        except tk.ValidationError as error:
            for field, message in _flatten(error.error_dict):
                row.error(ERROR_COLUMNS.get(field, field), message)
            continue
        report["created" if action == "create" else "updated"].append(row.data["identifier"])


def urbanaudit_inventory_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import an inventory questionnaire (XLSX or CSV).

    :param upload: the file (multipart upload); or ``filename`` and ``content`` (bytes) when called in-process
    :param dry_run: validate and report only (default false)
    :param valid_only: import the valid rows even if others have errors (default false: a file with
        errors imports nothing)
    :returns: {rows, created, updated, unchanged, errors: [{row, column, field, message}], imported, dry_run}
    """
    tk.check_access("urbanaudit_inventory_import", context, data_dict)
    dry_run = tk.asbool(data_dict.get("dry_run", False))
    valid_only = tk.asbool(data_dict.get("valid_only", False))
    filename, content = _upload(data_dict)
    try:
        rows = list(q.parse_rows(q.read_table(filename, content, tk._), tk._))
    except q.QuestionnaireError as error:
        raise tk.ValidationError({"upload": [tk._("The questionnaire cannot be read: %s") % error]}) from error

    orgs = {name: org_id for org_id, name in model.Session.query(model.Group.id, model.Group.name)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")}
    existing_ids = _find_by_identifier([r.data["identifier"] for r in rows if r.data.get("identifier")])
    user_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    seen: dict[str, int] = {}
    plans = []
    for row in rows:
        identifier = row.data.get("identifier")
        if identifier in seen:
            row.error("identifier", tk._("The identifier repeats row %s") % seen[identifier])
        elif identifier:
            seen[identifier] = row.number
        plans.append(_plan(row, orgs, existing_ids.get(identifier), user_context))

    report: dict[str, Any] = {"rows": len(rows), "created": [], "updated": [], "unchanged": [], "dry_run": dry_run}
    # One transaction for the whole file: every row is saved with the commit deferred, then the
    # transaction is committed, or rolled back on a dry run or when a row fails (unless valid_only).
    # Search indexing happens at commit, so a rolled-back row never reaches Solr.
    try:
        _save(plans, user_context, report)
        report["errors"] = [e for row, _, _ in plans for e in row.errors]
        report["imported"] = not dry_run and (valid_only or not report["errors"])
    except Exception:
        model.Session.rollback()
        raise
    if report["imported"]:
        with _one_solr_commit():
            model.repo.commit()
    else:
        model.Session.rollback()
    return report
