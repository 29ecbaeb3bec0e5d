"""What a comment is about, and who may do what with it — the one place that decides it.

A subject is a data set (any type: an inventory record, an analysis, an indicator data set; by id or name) or
an indicator of the catalogue (by code or URL name). A caller who may not read the subject — a private data set
of a department they are not in, an indicator hidden by ``indicators.visibility`` — sees no comment on it and
may not add one. Moderators of a subject are the analytic team (``audit.team.is_analyst``) and the admins of
the data set's organization (for an indicator: of its indicator data set's), provided they may read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.urbanaudit.audit import team
from ckanext.urbanaudit.comments.model import DATASET, INDICATOR
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import catalogue


class RateLimited(tk.ValidationError):
    """Too many comments from one user in the window (``ckanext.urbanaudit.comments.rate_limit``): the Action
    API answers it as a validation error under ``rate_limit``, the comment form with HTTP 429."""


@dataclass(frozen=True)
class Subject:
    type: str
    id: str  # the data set's id, or the indicator's catalogue code
    name: str  # the data set's name, or the indicator's URL name
    title: str
    path: str  # the page's path on the portal, e.g. /dataset/rejestr-drzew
    owner_org: str | None
    dataset_id: str | None  # the data set itself, or the indicator's data set (None when it has none)
    dataset_type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "name": self.name, "title": self.title,
                "dataset_type": self.dataset_type}


def _dataset(context: dict[str, Any], ref: str) -> Subject:
    pkg = model.Package.get(ref) if ref else None
    if pkg is None or pkg.state != "active":
        raise tk.ObjectNotFound(tk._("No such data set."))
    if not context.get("ignore_auth"):
        tk.check_access("package_show", {"user": context.get("user") or "",
                                         "auth_user_obj": context.get("auth_user_obj")}, {"id": pkg.id})
    return Subject(type=DATASET, id=pkg.id, name=pkg.name, title=pkg.title or pkg.name,
                   path=f"/{pkg.type}/{pkg.name}", owner_org=pkg.owner_org, dataset_id=pkg.id,
                   dataset_type=pkg.type)


def _indicator(context: dict[str, Any], ref: str) -> Subject:
    ind = catalogue().get(ref) if ref else None
    if ind is not None and not context.get("ignore_auth") and visibility.for_context(context).is_hidden(ind.code):
        ind = None
    if ind is None:
        raise tk.ObjectNotFound(tk._("No indicator {code} in the catalogue.").format(code=ref))
    pkg = (model.Session.query(model.Package)
           .filter_by(name=ind.slug, type="indicator", state="active").first())
    name = ind.name.get("pl") or ind.name.get("en") or ""
    return Subject(type=INDICATOR, id=ind.code, name=ind.slug, title=f"{ind.code} {name}".strip(),
                   path=f"/indicator/{ind.slug}", owner_org=pkg.owner_org if pkg else None,
                   dataset_id=pkg.id if pkg else None)


def resolve(context: dict[str, Any], subject_type: str, ref: str) -> Subject:
    """The subject as the caller of ``context`` sees it: ObjectNotFound when it does not exist (or is hidden, for
    an indicator), NotAuthorized when the caller may not read the data set."""
    if subject_type == INDICATOR:
        return _indicator(context, ref)
    return _dataset(context, ref)


def may_moderate(user: str | None, subject: Subject) -> bool:
    """The analytic team and the admins of the subject's organization (the caller may read the subject)."""
    if not user:
        return False
    if team.is_analyst(user):
        return True
    return bool(subject.owner_org) and authz.users_role_for_group_or_org(subject.owner_org, user) == "admin"


def readable(context: dict[str, Any], subject_type: str, ref: str) -> Subject | None:
    """The subject, or None when it is missing or the caller may not read it."""
    try:
        return resolve(context, subject_type, ref)
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
