"""ckanext-harvest's index hook, asked once per batch.

ckanext-harvest's ``before_dataset_index`` looks up each indexed dataset's current harvest object (one query per
dataset) to copy its source into the search document. While a batch is indexed (``indexing.per_batch``), the
datasets of the batch that have a current harvest object are read in one query, and the hook is skipped for the
others — where it would have made its query and returned the document unchanged (a ``status`` given as a dict, which
the hook also rewrites, still goes through it). Datasets with a harvest object, and all indexing outside a batch, go
through ckanext-harvest's own hook.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ckan import model
from ckanext.harvest.model import HarvestObject
from ckanext.harvest.plugin import Harvest

_KEY = "harvest_current"
_patched: list[tuple[Any, Any]] = []


def _with_current_object(package_ids: list[str]) -> set[str]:
    return {package_id for (package_id,) in model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.package_id.in_(package_ids), HarvestObject.current == True)}  # noqa: E712 (SQL)


def install(per_batch: Callable[[str, Callable[[list[str]], Any]], Any]) -> None:
    """Wrap ckanext-harvest's hook (once per process);
    ``per_batch``: ``indexing.per_batch``."""
    if _patched:
        return
    stock = Harvest.before_dataset_index

    def before_dataset_index(self: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        harvested = per_batch(_KEY, _with_current_object)
        if harvested is not None and pkg_dict["id"] not in harvested and not isinstance(pkg_dict.get("status"), dict):
            return pkg_dict
        return stock(self, pkg_dict)

    Harvest.before_dataset_index = before_dataset_index
    _patched.append((Harvest, stock))


def uninstall() -> None:
    for cls, stock in _patched:
        cls.before_dataset_index = stock
    _patched.clear()
