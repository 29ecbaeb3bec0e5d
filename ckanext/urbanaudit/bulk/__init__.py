"""New data sets written a batch at a time: the write path of the questionnaire import (and of any caller that
creates many records in one transaction).

``package_create`` writes one record in about 40 SQL statements: CKAN's dictization looks each tag up by name,
looks the record's name up among existing records, reads its (non-existent) resources and memberships twice and
flushes the session in the middle; the action then validates the record again (the importer had validated it),
looks its owner up by name and reads its membership in the organization. ``create`` writes the same rows for a
batch of new records validated by the dataset type's create schema (``validate``, the call ``package_create``
makes), with one lookup of the batch's tags, one of its names and one flush: the same ``package``,
``package_extra``, ``resource``, ``tag``, ``package_tag`` and ``member`` rows (the tests compare both ways' shows
and search documents), then the same plugin hooks (``IPackageController.create`` and ``after_dataset_create``)
and the same default resource views as ``package_create``, in the caller's transaction. Nothing is committed
here: the caller's commit indexes the batch in one Solr update (``ckanext.urbanaudit.indexing``), and a failure
anywhere (a name taken meanwhile: the database's unique index) rolls the whole batch back, index included.

A record this path does not write itself — one joining groups, with relationships or plugin data, or naming a
resource id that exists already — goes through CKAN's own dictization (``package_dict_save``) in the same batch,
so every record is written; only the fast path's lookups are batched. Who may write is the caller's check, as for
``package_create`` called with a context (the importer checks ``package_create`` for each row).
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from ckan import model
from ckan import plugins as p
from ckan.lib import datapreview
from ckan.lib import plugins as lib_plugins
from ckan.lib.dictization import model_save
from ckan.types import Context

# what package_dict_save ignores or handles apart from the package's own columns
_RESOURCE_IGNORED = ("extras", "revision_timestamp", "tracking_summary")
# the title CKAN gives a view whose plugin has none (CKAN's own message, translated by CKAN's catalogue)
_VIEW = "View"
_NOT_FAST = ("groups", "relationships_as_subject", "relationships_as_object", "plugin_data")


def validate(context: Context, data_dict: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(validated data, errors) as ``package_create`` validates ``data_dict`` with this context."""
    data_dict = {**data_dict, "type": data_dict.get("type") or "dataset"}
    plugin = lib_plugins.lookup_package_plugin(data_dict["type"])
    context = {"model": model, "session": model.Session, **context}
    return lib_plugins.plugin_validate(plugin, context, data_dict, plugin.create_package_schema(), "package_create")


def checked(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """What ``package_create`` checks before it writes: may the context's user create ``data_dict`` (NotAuthorized)
    and is it valid (ValidationError); returns the validated data for ``create``."""
    p.toolkit.check_access("package_create", dict(context), data_dict)
    data, errors = validate(context, data_dict)
    if errors:
        raise p.toolkit.ValidationError(errors)
    return data


def _fast(data: dict[str, Any], taken_resource_ids: set[str]) -> bool:
    if any(data.get(key) for key in _NOT_FAST):
        return False
    return not any(r.get("id") in taken_resource_ids for r in data.get("resources") or [])


class _Tags:
    """The batch's tags: read in one query, the missing ones made once."""

    def __init__(self, datasets: list[dict[str, Any]]) -> None:
        names = {t["name"] for data in datasets for t in data.get("tags") or []}
        self.known = {(tag.name, tag.vocabulary_id): tag for tag in
                      model.Session.query(model.Tag).filter(model.Tag.name.in_(names))} if names else {}

    def get(self, tag_dict: dict[str, Any]) -> model.Tag:
        key = (tag_dict.get("name"), tag_dict.get("vocabulary_id"))
        if key not in self.known:
            tag = model.Tag()
            tag.from_dict(tag_dict)
            model.Session.add(tag)
            self.known[key] = tag
        return self.known[key]


def _free_names(datasets: list[dict[str, Any]]) -> None:
    """A deleted record holding a wanted name gives it up (renamed to its id), as CKAN's dictization does; an
    active one keeps it and the database refuses the batch."""
    names = [data["name"] for data in datasets if data.get("name")]
    for package in model.Session.query(model.Package).filter(model.Package.name.in_(names),
                                                             model.Package.state == model.State.DELETED):
        package.name = package.id


def _package(data: dict[str, Any], tags: _Tags, now: datetime.datetime,
             extras: list[dict[str, Any]]) -> model.Package:
    """A new record's rows, as ``package_dict_save`` makes them for a new record; its extras are added to
    ``extras`` as rows of ``package_extra`` (written for the batch by ``_write``)."""
    package = model.Package()
    package.from_dict(data)
    if not package.id:
        package.id = str(uuid.uuid4())
    resources = []
    for res_dict in data.get("resources") or []:
        res_dict["package_id"] = package.id
        if res_dict.get("url") and res_dict.get("url_type") == "upload":
            res_dict["url"] = res_dict["url"].rsplit("/")[-1]
        for key in _RESOURCE_IGNORED:
            res_dict.pop(key, None)
        resource = model.Resource()
        changed, skipped = resource.from_dict(res_dict)
        if "url" in changed:
            resource.url_changed = True
        if changed or resource.extras != skipped:
            resource.metadata_modified = now
        resource.state = model.State.ACTIVE
        resource.extras = skipped
        resources.append(resource)
    package.resources_all[:] = resources
    seen = set()
    for tag_dict in data.get("tags") or []:
        tag = tags.get(tag_dict)
        if tag not in seen:
            seen.add(tag)
            model.Session.add(model.PackageTag(package, tag, model.State.ACTIVE))
    kept = {extra["key"]: extra["value"] for extra in data.get("extras") or []
            if not extra.get("deleted") and extra["value"] is not None}
    extras.extend({"package_id": package.id, "key": key, "value": value, "state": model.State.ACTIVE}
                  for key, value in kept.items())
    model.Session.add(package)
    return package


def _write(context: Context, datasets: list[dict[str, Any]]) -> list[model.Package]:
    """The records' rows, flushed: the fast ones together, then the others by CKAN's dictization."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # CKAN keeps naive UTC times
    resource_ids = [r["id"] for data in datasets for r in data.get("resources") or [] if r.get("id")]
    taken = {rid for (rid,) in model.Session.query(model.Resource.id).filter(model.Resource.id.in_(resource_ids))} \
        if resource_ids else set()
    fast = [_fast(data, taken) for data in datasets]
    written: dict[int, model.Package] = {}
    extras: list[dict[str, Any]] = []
    with model.Session.no_autoflush:
        _free_names(datasets)
        tags = _Tags([data for data, is_fast in zip(datasets, fast, strict=True) if is_fast])
        for index, data in enumerate(datasets):
            if fast[index]:
                written[index] = _package(data, tags, now, extras)
    model.Session.flush()  # the batch's inserts, a statement per table and not per row
    if extras:
        # as rows and not ORM objects (each a unit-of-work entry, and a related_packages call in CKAN's commit hook)
        model.Session.execute(model.package_extra_table.insert(), extras)
    for index, data in enumerate(datasets):
        if not fast[index]:  # CKAN's own dictization, which sees the batch's tags once they are flushed
            data.pop("plugin_data", None)
            written[index] = model_save.package_dict_save(data, dict(context))
    model.Session.flush()
    return [written[index] for index in range(len(datasets))]


def create(context: Context, datasets: list[dict[str, Any]]) -> list[str]:
    """Write new records (each the data ``validate`` returned without errors) in the open transaction, without
    committing; returns their ids in order. ``context["user"]`` is recorded as their creator."""
    if not datasets:
        return []
    context = {"model": model, "session": model.Session, **context}
    user = model.User.by_name(context["user"]) if context.get("user") else None
    for data in datasets:
        data.pop("metadata_created", None)
        data.pop("metadata_modified", None)
        if user:
            data["creator_user_id"] = user.id
    packages = _write(context, datasets)
    members = []
    for package, data in zip(packages, datasets, strict=True):
        data["id"] = package.id
        for index, resource in enumerate(data.get("resources") or []):
            resource["id"] = package.resources[index].id
        if package.owner_org:
            members.append({"table_id": package.id, "table_name": "package", "group_id": package.owner_org,
                            "capacity": "organization", "state": model.State.ACTIVE})
    if members:
        # the memberships in the organizations, one statement for the batch; as rows and not ORM objects, which
        # CKAN's commit hook would each ask for their package (one query each) only to note a package noted already
        model.Session.execute(model.member_table.insert(), members)
    for package, data in zip(packages, datasets, strict=True):
        for plugin in p.PluginImplementations(p.IPackageController):
            plugin.create(package)
            plugin.after_dataset_create(context, data)
    _default_views(context.get("user"), datasets)
    return [package.id for package in packages]


def _default_views(user: str | None, datasets: list[dict[str, Any]]) -> None:
    """The default views of the new records' resources, as ``package_create_default_resource_views`` makes them
    (each configured view plugin not needing the DataStore that can view the resource, with its default title and
    description), written in the open transaction: the plugins are looked up once for the batch, not per record,
    and a new resource's existing views are not listed (it has none)."""
    plugins = datapreview.get_default_view_plugins(False)
    if not plugins:
        return
    context = {"model": model, "user": user, "ignore_auth": True, "defer_commit": True}
    create_view = p.toolkit.get_action("resource_view_create")
    for data in datasets:
        for resource in data.get("resources") or []:
            for plugin in plugins:
                info = plugin.info()
                if plugin.can_view({"resource": resource, "package": data}):
                    create_view(dict(context), {"resource_id": resource["id"], "view_type": info["name"],
                                                "title": info.get("default_title", p.toolkit._(_VIEW)),
                                                "description": info.get("default_description", "")})
