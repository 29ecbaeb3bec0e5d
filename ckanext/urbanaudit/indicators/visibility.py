"""What a caller may see of the indicators: the one place that decides it.

An indicator is *hidden* from a caller when its indicator data set exists and is private to a department the
caller may not read (sysadmins and the department's members read it). A hidden indicator does not exist for
that caller: no catalogue entry, page, values, theme score or composite share; and where a derived value was
computed from it, that input shows neither its value nor its ``source_ref`` (``"hidden": true``).

Every indicator action (``urbanaudit_indicator_list``, ``_show``, ``_values``, ``urbanaudit_city_show``,
``urbanaudit_gaps``) asks :func:`for_context` and nothing else.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ckan import authz, model

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue


@dataclass(frozen=True)
class Visibility:
    """``datasets``: the indicator data sets the caller may see, by code; ``hidden``: the codes the caller may not."""

    datasets: dict[str, dict[str, Any]]
    hidden: frozenset[str]

    def indicator(self, code: str) -> Indicator | None:
        """The catalogue entry of ``code`` (or URL name), or None when it is unknown or hidden."""
        ind = catalogue().get(code)
        return None if ind is None or ind.code in self.hidden else ind

    def is_hidden(self, code: str) -> bool:
        ind = catalogue().get(code)
        return (ind.code if ind else code) in self.hidden


_COLUMNS = (model.Package.id, model.Package.name, model.Package.owner_org, model.Package.private)


def _indicator_datasets() -> list[Any]:
    """The active indicator data sets of the catalogue's entries, looked up by their URL names (the catalogue's
    slugs: an index lookup each, where the data set type alone, which has no index, reads the whole table)."""
    return model.Session.query(*_COLUMNS).filter(model.Package.name.in_(list(catalogue().by_slug)),
                                                 model.Package.type == "indicator",
                                                 model.Package.state == "active").all()


def _private_indicator_datasets(among: Collection[str] | None = None) -> list[Any]:
    """The active private indicator data sets of the catalogue's entries (or of the codes ``among``): one scan of
    the index of private data sets by type (migration 0011; the bare ``private`` column is the criterion its
    predicate matches, ``private IS true`` would read the whole table)."""
    cat = catalogue()
    wanted = set(cat.by_slug) if among is None else {i.slug for code in among if (i := cat.get(code))}
    return [row for row in private_indicator_query().all() if row.name in wanted]


def private_indicator_query() -> Any:
    """The active private indicator data sets, as the index of private data sets by type answers (migration 0011)."""
    return model.Session.query(*_COLUMNS).filter(model.Package.private, model.Package.type == "indicator",
                                                 model.Package.state == "active")


def _may_read(user: str | None, owner_org: str | None, readable: dict[str | None, bool]) -> bool:
    if not user:
        return False
    if owner_org not in readable:
        readable[owner_org] = bool(owner_org) and (
            authz.is_sysadmin(user) or authz.has_user_permission_for_group_or_org(owner_org, user, "read"))
    return readable[owner_org]


def for_context(context: dict) -> Visibility:
    """What the caller of ``context`` may see: public indicator data sets, and private ones of its departments."""
    cat = catalogue()
    user = context.get("user")
    readable: dict[str | None, bool] = {}
    datasets, hidden = {}, set()
    for row in _indicator_datasets():
        ind = cat.by_slug[row.name]  # looked up by the catalogue's names: every row is an entry's
        if _hides(row, user, readable):
            hidden.add(ind.code)
            continue
        datasets[ind.code] = {"id": row.id, "name": row.name, "owner_org": row.owner_org, "private": row.private}
    return Visibility(datasets=datasets, hidden=frozenset(hidden))


def _hides(row: Any, user: str | None, readable: dict[str | None, bool]) -> bool:
    return bool(row.private) and not _may_read(user, row.owner_org, readable)


def hidden(context: dict, among: Collection[str] | None = None) -> frozenset[str]:
    """``for_context(context).hidden`` for callers that need only that (the dashboard, the reports): read from the
    private indicator data sets alone, not from every indicator data set; with ``among`` (codes), only which of
    those are hidden (the search page's count of matching entries asks about the matching ones alone)."""
    if among is not None and not among:
        return frozenset()
    cat = catalogue()
    user = context.get("user")
    readable: dict[str | None, bool] = {}
    return frozenset(cat.by_slug[row.name].code for row in _private_indicator_datasets(among)
                     if _hides(row, user, readable))


def redact_inputs(inputs: list[dict], hidden: Collection[str]) -> list[dict]:
    """The inputs of a derived value, those of hidden indicators blanked (no value, no source_ref, no row id)."""
    return [{**i, "value": None, "source_ref": None, "id": None, "hidden": True}
            if i.get("indicator_code") in hidden else i for i in inputs]


def redact_values(values: list[dict], hidden: Collection[str]) -> list[dict]:
    """Value dicts with the inputs of hidden indicators blanked."""
    if not hidden:
        return values
    return [{**v, "inputs": redact_inputs(v["inputs"], hidden)} if v.get("inputs") else v for v in values]


def owning_org(code: str, city: City | None) -> str | None:
    """The department owning an indicator: its indicator dataset's organization; for codes without one
    (source variables of the harvesters) the organization of the city (the city file's ``organization``)."""
    ind = catalogue().get(code)
    if ind is not None:
        owner = model.Session.query(model.Package.owner_org).filter(
            model.Package.name == ind.slug, model.Package.type == "indicator",
            model.Package.state == "active").scalar()
        if owner:
            return owner
    org_name = (city.config or {}).get("organization") if city else None
    org = model.Group.get(org_name) if org_name else None
    return org.id if org else None
