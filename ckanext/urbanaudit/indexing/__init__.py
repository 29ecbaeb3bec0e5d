"""One search-index update per database commit.

Stock CKAN indexes a dataset from inside the commit (``before_commit``): every Package the unit of work touched
is shown (``package_show``), validated for display and sent to Solr, one request per dataset. A new dataset is
sent twice, as "new" and again as "changed" (its new tags, resources and extras make it a related package of
itself), and each send is its own Solr request, with a Solr commit when ``ckan.search.solr_commit`` is on: a
questionnaire of 300 rows made 600 Solr updates and 600 shows.

Here the search plugin's notifications only note which datasets changed (a deletion wins over an update) and,
after CKAN's own ``before_commit`` hook has notified, one listener indexes the noted datasets: one show each (their
rows read with one query per table for the whole batch: ``prefetch``), documents built by CKAN's own
``PackageSearchIndex.index_package`` (same fields, same plugin hooks, same permission labels), and all of them sent
to Solr in **one** update — made searchable with one soft commit when ``ckan.search.solr_commit`` asks for a
commit (durability is the update log's and Solr's periodic hard commit).
The indexing still happens before the database commit: a Solr error aborts the commit, so the catalogue is never
committed with records the search cannot find, and a rolled-back transaction never reaches Solr (what it noted
is dropped). Deletions are sent as stock CKAN sends them.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import ckan.lib.search.index as search_index
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search
from ckan.model import DomainObjectOperation
from sqlalchemy import event, orm

from ckanext.urbanaudit.indexing import harvested, prefetch

_NOTED = "urbanaudit_index_noted"
_DELETED = "deleted"
_INDEX = "index"
_buffer: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar("urbanaudit_index_buffer",
                                                                                         default=None)
# the datasets of the batch being indexed, and what index hooks loaded for all of them at once (``per_batch``)
_batch: contextvars.ContextVar[tuple[list[str], dict[str, Any]] | None] = contextvars.ContextVar(
    "urbanaudit_index_batch", default=None)
_stock_make_connection = search_index.make_connection
_stock_notify = search.SynchronousSearchPlugin.notify
_installed: list[bool] = []


class _BufferingConnection:
    """What ``index_package`` sends to Solr, kept for the batch's single update."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents

    def add(self, docs: list[dict[str, Any]], commit: bool = False) -> None:
        self.documents.extend(docs)

    def delete(self, **kwargs: Any) -> Any:
        """A dataset shown as deleted is taken out of the index at once, as stock CKAN does."""
        return _stock_make_connection().delete(**kwargs)


def _make_connection(*args: Any, **kwargs: Any) -> Any:
    documents = _buffer.get()
    return _stock_make_connection(*args, **kwargs) if documents is None else _BufferingConnection(documents)


def _session_of(entity: Any) -> orm.Session:
    return orm.object_session(entity) or model.Session()


def _note(plugin: Any, entity: Any, operation: str) -> None:
    """The search plugin's notification: note the dataset, index nothing yet."""
    if not isinstance(entity, model.Package):
        return
    noted = _session_of(entity).info.setdefault(_NOTED, {})
    if operation == DomainObjectOperation.deleted:
        noted[entity.id] = _DELETED
    else:
        noted.setdefault(entity.id, _INDEX)


def per_batch(key: str, load: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any] | None:
    """For an index hook (``before_dataset_index``) called while a batch is indexed: ``load(ids)`` for all the
    batch's datasets, called once per batch and kept under ``key`` (one query instead of one per dataset); None
    outside a batch (stock indexing, a single ``index_package``), where the hook looks its dataset up itself."""
    batch = _batch.get()
    if batch is None:
        return None
    package_ids, loaded = batch
    if key not in loaded:
        loaded[key] = load(package_ids)
    return loaded[key]


def _index(package_ids: list[str]) -> None:
    """Show and index these datasets in one Solr update, made searchable at once when ``ckan.search.solr_commit``
    asks for a commit."""
    if not package_ids:
        return
    documents: list[dict[str, Any]] = []
    package_index = search.index_for(model.Package)
    show = tk.get_action("package_show")
    token, batch_token = _buffer.set(documents), _batch.set((package_ids, {}))
    try:
        with prefetch.prefetched(package_ids):
            for package_id in package_ids:
                package_index.index_package(show({"ignore_auth": True, "validate": False, "use_cache": False},
                                                 {"id": package_id}))
    finally:
        _batch.reset(batch_token)
        _buffer.reset(token)
    try:
        # a soft commit makes the documents searchable at once; the update log keeps them durable until Solr's
        # own periodic hard commit (solr/make_home.py), which a hard commit per request would only repeat
        _stock_make_connection().add(docs=documents, commit=False,
                                     softCommit=bool(tk.config.get("ckan.search.solr_commit")))
    except Exception as error:  # pysolr.SolrError, socket errors: as CKAN reports them
        raise search.SearchIndexError(f"Solr returned an error: {str(error)[:1000]}") from error


def _index_noted(session: orm.Session) -> None:
    noted_ = session.info.pop(_NOTED, None)
    if not noted_:
        return
    for package_id, what in noted_.items():
        if what == _DELETED:
            search.dispatch_by_operation("Package", {"id": package_id}, DomainObjectOperation.deleted)
    _index([package_id for package_id, what in noted_.items() if what == _INDEX])


def _forget(session: orm.Session, *args: Any) -> None:
    session.info.pop(_NOTED, None)


def install() -> None:
    """Route CKAN's synchronous search indexing through the per-commit batch (once per process)."""
    if _installed:
        return
    search.SynchronousSearchPlugin.notify = _note
    search_index.make_connection = _make_connection
    prefetch.install()
    harvested.install(per_batch)
    # after ckan.model.meta's own before_commit listener (registered at import), which notifies the observers;
    # with nothing noted (stock indexing restored by uninstall) they do nothing
    for target in (model.meta.Session, model.meta.create_local_session):
        if not event.contains(target, "before_commit", _index_noted):
            event.listen(target, "before_commit", _index_noted)
            event.listen(target, "after_rollback", _forget)
    _installed.append(True)


def uninstall() -> None:
    """Stock CKAN's indexing again, one request per notification (the write benchmarks' baseline)."""
    if not _installed:
        return
    search.SynchronousSearchPlugin.notify = _stock_notify
    search_index.make_connection = _stock_make_connection
    prefetch.uninstall()
    harvested.uninstall()
    _installed.clear()
