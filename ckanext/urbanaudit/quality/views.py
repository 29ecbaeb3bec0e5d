"""Pages of the quality score: the city report (HTML and CSV) and a department's dashboard."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, stream_with_context

from ckanext.urbanaudit.quality import report
from ckanext.urbanaudit.utils import spreadsheet_safe, user_context

quality = Blueprint("urbanaudit_quality", __name__)


def _summary(visible: report.Visible, org_id: str | None = None) -> dict:
    return {
        "bands": report.band_counts(visible, org_id),
        "unscored": report.unscored(visible, org_id),
        "worst": report.listing(visible, org_id=org_id, sort="score asc", limit=10)["results"],
        "missed": report.most_missed(visible, org_id),
        "trend": report.trend(visible, org_id),
    }


@quality.route("/quality")
def city_report() -> str:
    """The city-wide report: public data sets only, whoever asks."""
    summary = _summary(())
    return tk.render("urbanaudit/quality/report.html",
                     {"summary": summary, "departments": report.departments(())})


@quality.route("/quality.csv")
def city_report_csv() -> Response:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in report.csv_rows(()):
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=quality-report.csv"})


@quality.route("/quality/<org>")
def department(org: str) -> str:
    """A department's dashboard; its members also see its private data sets."""
    try:
        group = tk.get_action("organization_show")({"ignore_auth": True}, {"id": org, "include_datasets": False})
    except tk.ObjectNotFound:
        group = None
    if group is None or group["state"] != "active":
        return tk.abort(404, tk._("Department not found: %s") % org)
    visible = report.visible_for(user_context()["user"] or None)
    can_recompute = tk.h.check_access("urbanaudit_quality_recompute", {"owner_org": group["id"]})
    return tk.render("urbanaudit/quality/department.html",
                     {"summary": _summary(visible, group["id"]), "group": group, "can_recompute": can_recompute})


@quality.route("/quality/<org>/recompute", methods=["POST"])
def department_recompute(org: str) -> Response:
    try:
        result = tk.get_action("urbanaudit_quality_recompute")({}, {"owner_org": org})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins and the department's editors may recompute scores."))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Department not found: %s") % org)
    tk.h.flash_success(tk._("Recomputed the scores of %(count)s data sets.") % {"count": result["datasets"]})
    return tk.redirect_to("urbanaudit_quality.department", org=org)
