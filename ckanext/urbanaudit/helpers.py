"""Template helpers of every concern, collected for CKAN's blanket decorator (names carry the extension's
prefix; every public function of a concern's ``helpers.py`` is a helper)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ckanext.urbanaudit.audit import helpers as audit_helpers
from ckanext.urbanaudit.comments import helpers as comment_helpers
from ckanext.urbanaudit.contents import helpers as content_helpers
from ckanext.urbanaudit.inventory import helpers as inventory_helpers
from ckanext.urbanaudit.logic.collect import public_functions
from ckanext.urbanaudit.portal import extracts, url_params
from ckanext.urbanaudit.portal import helpers as portal_helpers
from ckanext.urbanaudit.quality import helpers as quality_helpers
from ckanext.urbanaudit.research import helpers as research_helpers


def get_helpers() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module in (audit_helpers, comment_helpers, content_helpers, inventory_helpers, portal_helpers, quality_helpers,
                   research_helpers):
        found.update(public_functions(module))
    # CKAN's own helpers, chained: the same links, the page's URL built once per request; the same extracts of
    # descriptions, each made once per text
    found.update(add_url_param=url_params.add_url_param, remove_url_param=url_params.remove_url_param,
                 markdown_extract=extracts.markdown_extract)
    return found
