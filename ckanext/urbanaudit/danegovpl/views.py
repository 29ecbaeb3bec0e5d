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


def _no_feed(report: feed.Report) -> Response:
    """No valid feed to serve: a plain-text answer, never an invalid document (dane.gov.pl's harvester
    records the import as failed and changes nothing; see README, "Publishing to dane.gov.pl")."""
    if report.nothing_to_publish:
        text = tk._("No feed: no record of this portal qualifies for dane.gov.pl yet, and the harvester "
                    "format 1.10 requires at least one data set.")
        response = Response(f"{text}\n", status=404, mimetype="text/plain")
    else:
        text = tk._("The feed for dane.gov.pl could not be built. The data stewards can see why on the "
                    "page /dane-gov-pl. Try again later.")
        response = Response(f"{text}\n", status=503, mimetype="text/plain")
        response.headers["Retry-After"] = str(feed.FAILURE_RETRY)
    response.headers["Cache-Control"] = "no-store"
    return response


@danegovpl.route("/dane-gov-pl.xml")
def feed_xml() -> Response:
    report = feed.current()
    found = feed.served()
    if found is None:
        return _no_feed(report)
    path, md5 = found
    response = send_file(path, mimetype="application/xml", etag=md5, conditional=True, max_age=0)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


@danegovpl.route("/dane-gov-pl.md5")
def feed_md5() -> Response:
    report = feed.current()
    found = feed.served()
    if found is None:
        return _no_feed(report)
    return Response(f"{found[1]}\n", mimetype="text/plain")


@danegovpl.route("/dane-gov-pl", methods=["GET", "POST"])
def steward() -> str | Response:
    """What goes to dane.gov.pl; a POST (the page's form, with CKAN's CSRF token) rebuilds the feed."""
    context = user_context()
    try:
        if tk.request.method == "POST":
            tk.get_action("urbanaudit_danegovpl_report")(context, {"rebuild": True})
            tk.h.flash_success(tk._("The feed for dane.gov.pl was rebuilt."))
            return tk.redirect_to("urbanaudit_danegovpl.steward")
        report = tk.get_action("urbanaudit_danegovpl_report")(context, {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors of a department can see what goes to dane.gov.pl."))
    found = feed.served()
    return tk.render("urbanaudit/danegovpl/steward.html", {
        "report": report, "labels": reason_labels(),
        "served": found is not None, "served_md5": found[1] if found else "",
        "feed_url": tk.url_for("urbanaudit_danegovpl.feed_xml", _external=True),
        "md5_url": tk.url_for("urbanaudit_danegovpl.feed_md5", _external=True),
        "api_url": tk.url_for("api.action", ver=3, logic_function="current_package_list_with_resources",
                              _external=True),
    })
