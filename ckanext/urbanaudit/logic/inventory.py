"""Actions of the inventory questionnaire: import, export, template."""
from __future__ import annotations

import re
from typing import Any

import ckan.lib.plugins as lib_plugins
import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit import questionnaire as q

# the action; export_workbook/template_workbook serve files (views, CLI), not JSON
__all__ = ["urbanaudit_inventory_import"]

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
    slug = slug if len(slug) >= 2 else f"zbior-{slug}"
    candidate, n = slug, 1
    while model.Package.get(candidate) is not None:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


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


def _validate(context: dict, data: dict, update: bool) -> dict:
    plugin = lib_plugins.lookup_package_plugin("dataset")
    schema = plugin.update_package_schema() if update else plugin.create_package_schema()
    validation_context = {**context, "model": model, "session": model.Session}
    _, errors = lib_plugins.plugin_validate(plugin, validation_context, data,
                                            schema, "package_update" if update else "package_create")
    return errors


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
        else:
            for field, message in _flatten(_validate(dict(user_context), data, existing is not None)):
                row.error(ERROR_COLUMNS.get(field, field), message)
    return row, data, "error" if row.errors else action


def urbanaudit_inventory_import(context, data_dict):
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
    upload = data_dict.get("upload")
    if upload is not None and hasattr(upload, "read"):
        filename, content = upload.filename or "", upload.read()
    else:
        filename, content = data_dict.get("filename") or "", data_dict.get("content")
    if not content:
        raise tk.ValidationError({"upload": [tk._("Missing value")]})
    if isinstance(content, str):
        content = content.encode("utf-8")
    try:
        rows = list(q.parse_rows(q.read_table(filename, content), tk._))
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

    errors = [e for row, _, _ in plans for e in row.errors]
    report: dict[str, Any] = {"rows": len(rows), "created": [], "updated": [], "unchanged": [],
                              "errors": errors, "dry_run": dry_run}
    apply = not dry_run and (valid_only or not errors)
    for row, data, action in plans:
        if action == "error":
            continue
        identifier = row.data["identifier"]
        if action == "unchanged":
            report["unchanged"].append(identifier)
            continue
        report["created" if action == "create" else "updated"].append(identifier)
        if apply:
            tk.get_action("package_create" if action == "create" else "package_update")(dict(user_context), data)
    report["imported"] = apply
    return report


def _datasets_for_export(context: dict, owner_org: str | None):
    fq = "+dataset_type:dataset"
    if owner_org:
        org = tk.get_action("organization_show")(dict(context), {"id": owner_org})
        fq += f' +owner_org:"{org["id"]}"'
    start = 0
    while True:
        page = tk.get_action("package_search")(
            dict(context), {"fq": fq, "rows": 500, "start": start, "include_private": True,
                            "include_drafts": True, "sort": "name asc"})
        yield from page["results"]
        start += 500
        if start >= page["count"]:
            return


def export_workbook(context: dict, owner_org: str | None = None) -> bytes:
    """The inventory the user may see as a questionnaire workbook (XLSX) that imports back unchanged."""
    tk.check_access("urbanaudit_inventory_export", context, {"owner_org": owner_org})
    orgs = dict(model.Session.query(model.Group.id, model.Group.name).filter(model.Group.is_organization.is_(True)))
    return q.workbook(_datasets_for_export(context, owner_org), orgs)


def template_workbook() -> bytes:
    """The empty questionnaire (XLSX) with one sheet per vocabulary and drop-downs."""
    return q.workbook([], {})
