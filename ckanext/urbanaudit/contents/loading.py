"""What ckanext-xloader needs from this extension.

* An API token for its jobs. xloader asks the operator for one (``ckanext.xloader.api_token``); where none is
  configured, the site user's token named :data:`TOKEN_NAME` is used, created once in the catalogue's database.
  A CKAN API token is a signed ``{jti, iat}``: the same row always gives the same valid token, so no secret is
  written to any file and a rotated ``api_token.jwt`` secret just gives a new one.
* Clean forks: the jobs worker forks a process per job; xloader's own database engine is closed first
  (:func:`before_fork`), as CKAN closes the catalogue's and the DataStore plugin its own.
* No load from a non-public address (:func:`can_upload`): a resource's link is checked like every other
  outgoing request of the extension (``ckanext.urbanaudit.netguard``) before it is queued; a file uploaded to
  the portal is read back from the portal itself.
"""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import api_token
from ckanext.xloader import db as xloader_db

from ckanext.urbanaudit import config, netguard
from ckanext.urbanaudit.utils import N_

log = logging.getLogger(__name__)

TOKEN_NAME = "urbanaudit-xloader"
TOKEN_KEY = "ckanext.xloader.api_token"
NOT_SET = "NOT_SET"


def site_user_token() -> str:
    """The site user's xloader token (created on first use, in its own transaction)."""
    site_user = model.User.get(tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"])
    session = model.meta.create_local_session()
    try:
        row = session.query(model.ApiToken).filter_by(user_id=site_user.id, name=TOKEN_NAME).first()
        if row is None:
            row = model.ApiToken(user_id=site_user.id, name=TOKEN_NAME)
            session.add(row)
            session.commit()
        payload = api_token.postprocess({"jti": row.id, "iat": api_token.into_seconds(row.created_at)}, row.id, {})
        return api_token.encode(payload)
    finally:
        session.close()


def can_upload(resource_id: str) -> bool:
    """Whether xloader may fetch this resource: an upload to the portal, or a link to a public address."""
    resource = model.Resource.get(resource_id)
    if resource is None:
        return False
    if resource.url_type == "upload":
        return True
    reason = netguard.refusal(resource.url or "", config.steward_link_allow())
    if reason:
        log.warning("Not loading resource %s into the DataStore: %s", resource_id, reason)
        return False
    return True


def before_fork() -> None:
    """Before the jobs worker forks a work horse: close ckanext-xloader's pooled connections to its job
    records (the DataStore plugin closes its own, CKAN the catalogue's). A connection inherited by the fork and
    used on both sides corrupts the stream ("SSL error: decryption failed or bad record mac")."""
    if xloader_db.ENGINE is not None:
        xloader_db.ENGINE.dispose()



# ckanext-xloader's texts (it ships no Polish) and the DataStore's (CKAN's Polish catalogue leaves them empty) on pages
# of a table's states the catalogue's page tests do not reach (a loaded table: its data dictionary, Data API box and
# delete; a load's log; a submission in progress): in our catalogues, Polish and English; the others are in
# i18n/ckan-core-pl.po.
XLOADER_TEXTS = (
    N_('Are you sure you want to delete the DataStore and Data Dictionary?'),
    N_('Confirm Delete'),
    N_('Delete from DataStore'),
    N_('End of log'),
    N_('No'),
    N_('Strip Extra Leading and Trailing White Space'),
    N_('Submitting'),
    N_('Upload Log'),
    N_('Yes'),
    N_('Access resource data via a web API with powerful query support'),
    N_('CKAN Data API'),
    N_('Code examples:'),
    N_('Data API'),
    N_('Data Dictionary'),
    N_('Get 5 results containing "jones" in any field:'),
    N_('Get results with either "watershed" or "survey" as subject and "active" as its stage:'),
    N_('ID'),
    N_('Label'),
    N_('Primary key'),
    N_('Query example (first 5 results)'),
    N_("Query example (results containing 'jones')"),
    N_('Query example (via SQL statement)'),
    N_('Querying'),
    N_('SQL query example:'),
    N_('Some API endpoints may be accessed using a GET query string.'),
    N_('Type Override'),
    N_('Using the API with this Web Browser'),
)
