"""A page for researchers: the DCAT catalogue, its paging and formats, the Action API with ckanapi examples."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

researchers = flask.Blueprint("urbanaudit_researchers", __name__)


@researchers.route("/dla-badaczy")
def index() -> str:
    site = tk.config["ckan.site_url"].rstrip("/")
    per_page = tk.config.get("ckanext.dcat.datasets_per_page") or 100
    return tk.render("urbanaudit/researchers.html", {"site": site, "per_page": per_page})
