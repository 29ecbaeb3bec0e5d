"""The search documents of a batch read with one query per table, not seven per dataset.

CKAN's ``package_dictize`` (what ``package_show`` returns) reads a dataset's resources, tags, extras, groups,
organization and relationships with seven queries, through ``model_dictize._execute``; the per-commit indexer shows
every dataset of a batch, so a questionnaire of 200 rows made 1,400 of them. While ``prefetched(ids)`` is active,
the same seven queries are run once for all ``ids`` (each with the dataset's id as one more column), and
``package_dictize`` of one of these datasets gets its own rows from them, as the same SQLAlchemy rows (same columns,
same types) its own query would have returned: the dictization, its sorting and every plugin hook after it are
CKAN's own, unchanged. A query in another order than the one expected (another CKAN version) and any dataset not
prefetched are read by CKAN's own query, as before.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ckan import model
from ckan.lib.dictization import model_dictize
from sqlalchemy import select
from sqlalchemy.engine.result import result_tuple

_OF = "urbanaudit_prefetched_for"
_stock_dictize = model_dictize.package_dictize
_stock_execute = model_dictize._execute
_installed: list[bool] = []


class _Batch:
    """The seven queries' rows for a batch of datasets, by dataset id, in ``package_dictize``'s order."""

    def __init__(self, package_ids: list[str]) -> None:
        res, tag, pkg_tag = model.resource_table, model.tag_table, model.package_tag_table
        extra, member, group = model.package_extra_table, model.member_table, model.group_table
        rel, package = model.package_relationship_table, model.package_table
        self.ids = set(package_ids)
        ids = list(self.ids)
        # (the table package_dictize names for the query, the query for all ids with the dataset's id last)
        queries = [
            (res, select(res, res.c["package_id"].label(_OF)).where(res.c["package_id"].in_(ids))),
            (pkg_tag, select(tag, pkg_tag.c["state"], pkg_tag.c["package_id"].label(_OF))
             .join(pkg_tag, tag.c["id"] == pkg_tag.c["tag_id"]).where(pkg_tag.c["package_id"].in_(ids))),
            (extra, select(extra, extra.c["package_id"].label(_OF)).where(extra.c["package_id"].in_(ids))),
            (member, select(group, member.c["capacity"], member.c["table_id"].label(_OF))
             .join(member, group.c["id"] == member.c["group_id"])
             .where(member.c["table_id"].in_(ids), member.c["state"] == "active",
                    group.c["is_organization"] == False)),  # noqa: E712 (SQL, as CKAN writes it)
            (group, select(group, package.c["id"].label(_OF)).join(package, package.c["owner_org"] == group.c["id"])
             .where(package.c["id"].in_(ids), group.c["state"] == "active")),
            (rel, select(rel, rel.c["subject_package_id"].label(_OF)).where(rel.c["subject_package_id"].in_(ids))),
            (rel, select(rel, rel.c["object_package_id"].label(_OF)).where(rel.c["object_package_id"].in_(ids))),
        ]
        model.Session.flush()
        self.steps: list[tuple[Any, dict[str, list[Any]]]] = []
        for table, query in queries:
            result = model.Session.execute(query)
            make_row = result_tuple(list(result.keys())[:-1])   # the columns of package_dictize's own query
            rows: dict[str, list[Any]] = defaultdict(list)
            for row in result:
                rows[row[-1]].append(make_row(tuple(row[:-1])))
            self.steps.append((table, rows))


class _Serving:
    """One ``package_dictize`` call of a prefetched dataset: its queries answered in order."""

    def __init__(self, batch: _Batch, package_id: str) -> None:
        self.batch, self.package_id, self.step = batch, package_id, 0

    def rows(self, table: Any) -> list[Any] | None:
        if self.step >= len(self.batch.steps) or self.batch.steps[self.step][0] is not table:
            self.step = len(self.batch.steps)     # not the expected query: CKAN's own queries from here on
            return None
        rows = self.batch.steps[self.step][1].get(self.package_id, [])
        self.step += 1
        return rows


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("urbanaudit_prefetch", default=None)
_serving: contextvars.ContextVar[_Serving | None] = contextvars.ContextVar("urbanaudit_prefetch_serving",
                                                                          default=None)


def _package_dictize(pkg: Any, context: Any, include_plugin_data: bool = False) -> dict[str, Any]:
    batch = _batch.get()
    if batch is None or pkg is None or pkg.id not in batch.ids:
        return _stock_dictize(pkg, context, include_plugin_data)
    token = _serving.set(_Serving(batch, pkg.id))
    try:
        return _stock_dictize(pkg, context, include_plugin_data)
    finally:
        _serving.reset(token)


def _execute(query: Any, table: Any, context: Any) -> Any:
    serving = _serving.get()
    rows = serving.rows(table) if serving is not None else None
    return _stock_execute(query, table, context) if rows is None else rows


@contextlib.contextmanager
def prefetched(package_ids: list[str]) -> Iterator[None]:
    """``package_dictize`` of these datasets reads the rows prefetched here, one query per table for all."""
    token = _batch.set(_Batch(package_ids) if package_ids else None)
    try:
        yield
    finally:
        _batch.reset(token)


def install() -> None:
    """Route ``package_dictize`` through the prefetch (once per process; outside ``prefetched``, CKAN's own)."""
    if not _installed:
        model_dictize.package_dictize = _package_dictize
        model_dictize._execute = _execute
        _installed.append(True)


def uninstall() -> None:
    """CKAN's own ``package_dictize`` again (the write benchmarks' stock baseline)."""
    if _installed:
        model_dictize.package_dictize = _stock_dictize
        model_dictize._execute = _stock_execute
        _installed.clear()
