"""Who is on the analytic team: members (any capacity) of the organization named by
``ckanext.urbanaudit.audit.team_organization``, and sysadmins."""
from __future__ import annotations

from ckan import authz, model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import campaign
from ckanext.urbanaudit.audit.model import Submission
from ckanext.urbanaudit.cities.model import City


def team_organization() -> model.Group | None:
    return model.Group.get(config.audit_team_organization())


def is_analyst(user: str | None) -> bool:
    """Sysadmins, and members (any capacity) of the analytic team's organization."""
    if not user:
        return False
    if authz.is_sysadmin(user):
        return True
    org = team_organization()
    return org is not None and authz.has_user_permission_for_group_or_org(org.id, user, "read")


def user_id(user: str | None) -> str | None:
    """The id of a user given by name or id (None for anonymous or unknown)."""
    obj = model.User.get(user) if user else None
    return obj.id if obj else None


def may_submit(user: str | None, city: City | None, code: str) -> bool:
    """Analysts, the indicator's responsible person, and editors of the department answering for it."""
    if not user or city is None or not code:
        return False
    if is_analyst(user):
        return True
    uid = user_id(user)
    if uid and campaign.responsible_for(city, code) == uid:
        return True
    department = campaign.department_for(city, code)
    return department is not None and authz.has_user_permission_for_group_or_org(department, user, "create_dataset")


def may_read_submission(user: str | None, sub: Submission) -> bool:
    """Drafts are for the team, the submitter and the members of the department answering for the indicator."""
    if not user:
        return False
    if is_analyst(user) or user_id(user) == sub.submitted_by:
        return True
    city = model.Session.get(City, sub.city_teryt)
    department = campaign.department_for(city, sub.indicator_code) if city else None
    return department is not None and authz.has_user_permission_for_group_or_org(department, user, "read")
