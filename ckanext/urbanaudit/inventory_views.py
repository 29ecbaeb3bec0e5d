"""Pages of the inventory questionnaire: import (with a dry run), template, export."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

from ckanext.urbanaudit.logic.inventory import export_workbook, template_workbook

inventory = flask.Blueprint("urbanaudit_inventory", __name__, url_prefix="/inventory")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context() -> dict:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else None,
            "auth_user_obj": tk.current_user if tk.current_user.is_authenticated else None}


def _xlsx(content: bytes, filename: str) -> flask.Response:
    return flask.Response(content, mimetype=XLSX,
                          headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@inventory.route("/import", methods=["GET", "POST"])
def import_page():
    try:
        tk.check_access("urbanaudit_inventory_import", _context())
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department may import the questionnaire"))
    report, error = None, None
    if flask.request.method == "POST":
        upload = flask.request.files.get("upload")
        data = {"upload": upload, "dry_run": "dry_run" in flask.request.form,
                "valid_only": "valid_only" in flask.request.form}
        try:
            report = tk.get_action("urbanaudit_inventory_import")(_context(), data)
        except tk.ValidationError as exc:
            error = " ".join(str(m) for messages in exc.error_dict.values() for m in messages)
    return tk.render("urbanaudit/inventory_import.html", {"report": report, "error": error})


@inventory.route("/template.xlsx")
def template():
    return _xlsx(template_workbook(), "ankieta-inwentaryzacji.xlsx")


@inventory.route("/export.xlsx")
def export():
    try:
        content = export_workbook(_context(), flask.request.args.get("owner_org") or None)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department may export the inventory"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Department not found"))
    return _xlsx(content, "inwentarz.xlsx")
