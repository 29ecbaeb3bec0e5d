"""Actions of the dane.gov.pl publishing (collected by logic/__init__.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import Action, Context, DataDict
from flask import has_request_context, request

from ckanext.urbanaudit.danegovpl import ckan_api, feed


@tk.side_effect_free
@tk.chained_action
def current_package_list_with_resources(original_action: Action, context: Context, data_dict: DataDict) -> list[dict]:
    """The public, published records with their resources, most recently modified first,
    shaped for dane.gov.pl's CKAN harvester. Without ``limit`` the whole catalogue is
    returned (dane.gov.pl asks so); with ``limit`` and ``offset`` it pages without loss or
    duplicates (stable order: metadata_modified desc, id)."""
    tk.check_access("current_package_list_with_resources", context, data_dict)
    return ckan_api.package_list(context, data_dict)


def _user_orgs(user: str) -> set[str] | None:
    if authz.is_sysadmin(user):
        return None
    user_obj = model.User.get(user)
    if not user_obj:
        return set()
    return {
        m.group_id for m in model.Session.query(model.Member).filter(
            model.Member.table_name == "user", model.Member.table_id == user_obj.id,
            model.Member.state == "active", model.Member.capacity.in_(["admin", "editor"]))
    }


def _read_only_request() -> bool:
    """Called for an HTTP GET (or HEAD): the API lets anyone's browser send one from a link or an image."""
    return has_request_context() and request.method in ("GET", "HEAD")


@tk.side_effect_free
def urbanaudit_danegovpl_report(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """What dane.gov.pl receives: counts, excluded records and why (of the user's
    departments; all for sysadmins), warnings, MD5 and the XSD validation of the feed.
    ``rebuild=true`` writes the feed anew even if the catalogue did not change: a write, so
    only in a POST request (a GET with it is refused and rebuilds nothing)."""
    tk.check_access("urbanaudit_danegovpl_report", context, data_dict)
    rebuild = tk.asbool(data_dict.get("rebuild"))
    if rebuild and _read_only_request():
        raise tk.ValidationError({"rebuild": [tk._("Rebuilding the feed is a write: send it in a POST request.")]})
    report = feed.build() if rebuild else feed.current()
    return feed.report_for_user(report, _user_orgs(context.get("user") or ""))
