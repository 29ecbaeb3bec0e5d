"""Pages of the inventory questionnaire: import (with a dry run), template, export."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

from ckanext.urbanaudit.inventory.overview import overview
from ckanext.urbanaudit.inventory.workbook import export_workbook, template_workbook
from ckanext.urbanaudit.utils import user_context

inventory = flask.Blueprint("urbanaudit_inventory", __name__, url_prefix="/inventory")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> flask.Response:
    return flask.Response(content, mimetype=XLSX,
                          headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@inventory.route("/")
@inventory.route("/department/<org>")
def overview_page(org: str | None = None) -> str:
    department = None
    if org:
        try:
            department = tk.get_action("organization_show")(user_context(), {"id": org, "include_datasets": False})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            return tk.abort(404, tk._("Department not found"))
    lang = tk.h.lang() or "pl"
    data = overview(user_context(), department["id"] if department else None, lang)
    return tk.render("urbanaudit/inventory_overview.html", {"overview": data, "department": department})


@inventory.route("/import", methods=["GET", "POST"])
def import_page() -> str:
    try:
        tk.check_access("urbanaudit_inventory_import", user_context())
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department may import the questionnaire"))
    report, error = None, None
    if flask.request.method == "POST":
        upload = flask.request.files.get("upload")
        data = {"upload": upload, "dry_run": "dry_run" in flask.request.form,
                "valid_only": "valid_only" in flask.request.form}
        try:
            report = tk.get_action("urbanaudit_inventory_import")(user_context(), data)
        except tk.ValidationError as exc:
            error = " ".join(str(m) for messages in exc.error_dict.values() for m in messages)
    return tk.render("urbanaudit/inventory_import.html", {"report": report, "error": error})


@inventory.route("/template.xlsx")
def template() -> flask.Response:
    return _xlsx(template_workbook(), "ankieta-inwentaryzacji.xlsx")


@inventory.route("/export.xlsx")
def export() -> flask.Response:
    try:
        content = export_workbook(user_context(), flask.request.args.get("owner_org") or None)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department may export the inventory"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Department not found"))
    return _xlsx(content, "inwentarz.xlsx")
