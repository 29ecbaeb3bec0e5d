"""A page for researchers: the analyses and research of the catalogue (search box, kind facet), the DCAT
catalogue, its paging and formats, the Action API with ckanapi examples."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask
from ckan.lib.helpers import Page

from ckanext.urbanaudit.research import search as research
from ckanext.urbanaudit.utils import user_context

researchers = flask.Blueprint("urbanaudit_researchers", __name__)


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
