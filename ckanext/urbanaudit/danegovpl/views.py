"""Routes of the dane.gov.pl publishing: the feed, its MD5, the data steward's page."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, send_file

from ckanext.urbanaudit.danegovpl import feed
from ckanext.urbanaudit.utils import user_context

danegovpl = Blueprint("urbanaudit_danegovpl", __name__)


def reason_labels() -> dict[str, str]:
    return {
        "private": tk._("private record"),
        "internal": tk._("internal (non-public access)"),
        "restricted": tk._("restricted access (on request)"),
        "draft": tk._("draft, not published"),
        "deleted": tk._("deleted draft"),
        "personal_data": tk._("contains personal data"),
        "no_licence": tk._("missing required field: licence"),
        "closed_licence": tk._("closed licence"),
        "no_category": tk._("missing required field: EU theme with a dane.gov.pl category"),
        "no_tags": tk._("missing required field: keywords"),
        "no_resources": tk._("missing required field: a resource with an https address"),
        "no_description": tk._("missing required field: title or description"),
        "shortened_title": tk._("title shortened to 300 characters"),
        "shortened_description": tk._("description shortened to 1000 characters"),
        "generated_resource_description": tk._("a resource has no description: a generated one is sent"),
        "skipped_http_resource": tk._("a resource without an https address is not sent"),
        "licence_without_equivalent": tk._(
            "licence has no equivalent on dane.gov.pl: only the attribution condition is sent"),
        "no_english": tk._("no English title or description"),
    }


@danegovpl.route("/dane-gov-pl.xml")
def feed_xml() -> Response:
    report = feed.current()
    response = send_file(feed.paths()[0], mimetype="application/xml", etag=report.md5, conditional=True,
                         max_age=0)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


@danegovpl.route("/dane-gov-pl.md5")
def feed_md5() -> Response:
    report = feed.current()
    return Response(f"{report.md5}\n", mimetype="text/plain")


@danegovpl.route("/dane-gov-pl")
def steward() -> str:
    try:
        report = tk.get_action("urbanaudit_danegovpl_report")(user_context(), {
            "rebuild": tk.request.args.get("rebuild")})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department can see what goes to dane.gov.pl."))
    return tk.render("urbanaudit/danegovpl/steward.html", {
        "report": report, "labels": reason_labels(),
        "feed_url": tk.url_for("urbanaudit_danegovpl.feed_xml", _external=True),
        "md5_url": tk.url_for("urbanaudit_danegovpl.feed_md5", _external=True),
        "api_url": tk.url_for("api.action", ver=3, logic_function="current_package_list_with_resources",
                              _external=True),
    })
