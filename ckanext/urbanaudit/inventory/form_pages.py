"""Make the multi-page dataset form of ckanext-scheming the one the portal serves.

With content negotiation on, ckanext-dcat registers its own ``/dataset/new``
(core's create view, so that ``/dataset/<id>`` does not catch "new") before
ckanext-scheming adds its form-page rule for the same path; werkzeug matches the
first, and a steward who saves page 1 lands on the resource form, never seeing
pages 2-5. The same can happen to core's own ``new``/``edit`` rules. Pointing
those endpoints at scheming's views (for dataset types whose schema has form
pages) restores the flow page 1 → 2 → ... → resources.
"""
from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)


def use_scheming_form_pages(app: Flask) -> None:
    views = app.view_functions
    for endpoint in list(views):
        package_type, _, name = endpoint.partition(".")
        if name in ("scheming_new", "scheming_edit"):
            core = f"{package_type}.{name.removeprefix('scheming_')}"
            shadowing = [core, "dcat.new"] if name == "scheming_new" and package_type == "dataset" else [core]
            for other in shadowing:
                if other in views:
                    views[other] = views[endpoint]
                    log.debug("%s served by %s", other, endpoint)
