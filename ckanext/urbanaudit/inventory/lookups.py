"""What the questionnaire import looks up once for a chunk of rows, so that the inventory schema's validators do
not look it up again for every row: given to them in the validation context (``chunk_context``). Each validator
keeps its own check for a value the chunk did not vouch for, so a row validated without these hints (the form, the
API) is checked exactly as before, and one validated with them gets the same errors."""
from __future__ import annotations

from typing import Any

from ckan import model

IDENTIFIERS_FREE = "urbanaudit_identifiers_free"
NAMES_FREE = "urbanaudit_names_free"
MODEL = "urbanaudit_lookups"


def holding(identifiers: list[str]) -> Any:
    """The query of (identifier, id) of the records holding these identifiers (any type, not deleted)."""
    return (
        model.Session.query(model.PackageExtra.value, model.Package.id)
        .join(model.Package, model.PackageExtra.package_id == model.Package.id)
        .filter(model.PackageExtra.key == "identifier", model.PackageExtra.value.in_(identifiers),
                model.PackageExtra.state == "active", model.Package.state != "deleted")
    )


def identifiers_free(identifiers: list[str]) -> frozenset[str]:
    """Of these identifiers, those no record holds."""
    held = {value for value, _ in holding(identifiers)} if identifiers else set()
    return frozenset(identifiers) - held


class _Memo:
    """A model class whose ``get`` looks each reference up once."""

    def __init__(self, cls: Any) -> None:
        self._cls, self._found = cls, {}

    def get(self, reference: Any) -> Any:
        if reference not in self._found:
            self._found[reference] = self._cls.get(reference)
        return self._found[reference]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cls, name)


class Model:
    """``ckan.model`` with ``User.get`` and ``Group.get`` made once per reference: what CKAN's
    ``owner_org_validator`` reads (the signed-in user, the row's organization) for a chunk of rows validated in one
    transaction, where neither can change from one row to the next. Anything else is ``ckan.model`` itself."""

    def __init__(self) -> None:
        self.User = _Memo(model.User)
        self.Group = _Memo(model.Group)

    def __getattr__(self, name: str) -> Any:
        return getattr(model, name)


def chunk_context(identifiers: list[str], names: list[str]) -> dict[str, Any]:
    """The hints for the validation of one chunk's rows: the identifiers no record holds, the URL names
    ``utils.unique_names`` found free for the chunk's new records (no data set has them, deleted ones included), and
    the memoising model of ``Model``."""
    return {IDENTIFIERS_FREE: identifiers_free(identifiers), NAMES_FREE: frozenset(names), MODEL: Model()}
