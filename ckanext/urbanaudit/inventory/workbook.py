"""The inventory as a questionnaire workbook (XLSX): the export that imports back unchanged, and the empty
template. Files for the pages and the CLI, not JSON for the API."""
from __future__ import annotations

from collections.abc import Iterator

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context

from ckanext.urbanaudit import utils
from ckanext.urbanaudit.inventory import questionnaire as q


def _datasets_for_export(context: Context, owner_org: str | None) -> Iterator[dict]:
    fq = "+dataset_type:dataset"
    if owner_org:
        org = tk.get_action("organization_show")(dict(context), {"id": owner_org})
        fq += f' +owner_org:"{org["id"]}"'
    yield from utils.search_all(context, {"fq": fq, "include_private": True, "include_drafts": True,
                                          "sort": "name asc"})


def export_workbook(context: Context, owner_org: str | None = None) -> bytes:
    """The inventory the user may see as a questionnaire workbook (XLSX) that imports back unchanged."""
    tk.check_access("urbanaudit_inventory_export", context, {"owner_org": owner_org})
    orgs = dict(model.Session.query(model.Group.id, model.Group.name).filter(model.Group.is_organization.is_(True)))
    return q.workbook(_datasets_for_export(context, owner_org), orgs)


def template_workbook() -> bytes:
    """The empty questionnaire (XLSX) with one sheet per vocabulary and drop-downs."""
    return q.workbook([], {})
