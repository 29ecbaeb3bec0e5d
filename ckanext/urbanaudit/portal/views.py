"""The home page's view, and a page for researchers: the analyses and research of the catalogue (search box, kind
facet), the DCAT catalogue, its paging and formats, the Action API with ckanapi examples."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan.lib.helpers import Page
from ckan.views import home as core_home
from ckanext.dcat import utils as dcat_utils

from ckanext.urbanaudit.research import search as research
from ckanext.urbanaudit.utils import user_context

researchers = flask.Blueprint("urbanaudit_researchers", __name__)
home_page = flask.Blueprint("urbanaudit_home", __name__)


@home_page.route("/")
def home() -> Any:
    """The home page (templates/home/index.html; its summary: portal/home.py). CKAN's own view of ``/`` (reached
    through ckanext-dcat's content-negotiating rule, which this one precedes) first runs a catalogue-wide search with
    five facets for page variables this template never reads: a third of the page's searches. A visitor gets the
    page without it; a request asking for RDF in its Accept header still gets ckanext-dcat's catalogue, and a
    signed-in user CKAN's view as before (its notice to a user without an e-mail address)."""
    negotiated = tk.asbool(tk.config.get(dcat_utils.ENABLE_CONTENT_NEGOTIATION_CONFIG))
    rdf_format = dcat_utils.check_access_header() if negotiated else None
    if rdf_format or tk.current_user.is_authenticated:
        return dcat_utils.read_catalog_page(rdf_format) if negotiated else core_home.index()
    return tk.render("home/index.html", {})


@researchers.route("/dla-badaczy")
def index() -> str:
    site = tk.config["ckan.site_url"].rstrip("/")
    per_page = tk.config.get("ckanext.dcat.datasets_per_page") or 100
    args = flask.request.args
    q, kind = (args.get("q") or "").strip(), (args.get("kind") or "").strip()
    page = tk.h.get_page_number(args)
    found = research.listing(user_context(), q, kind, page)
    filters = {k: v for k, v in (("q", q), ("kind", kind)) if v}
    pager = Page(collection=found["results"], page=page, items_per_page=research.PAGE_SIZE,
                 item_count=found["count"], presliced_list=True,
                 url=lambda **kw: tk.h.url_for("urbanaudit_researchers.index", **filters, **kw))
    return tk.render("urbanaudit/researchers.html", {
        "site": site, "per_page": per_page, "analyses": found, "q": q, "kind": kind, "pager": pager,
        "may_add": tk.h.check_access("package_create", {"type": research.ANALYSIS})})
