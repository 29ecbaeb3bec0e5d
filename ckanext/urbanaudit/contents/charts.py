"""ckanext-charts' chart builder in the page's language.

ckanext-charts 1.13 ships no translations and writes its form in Python: every field of a chart type (label, help
text, placeholder, the choices of a select) is an English string literal of its form class, rendered as it is, and
the form's tabs are its group names. :func:`install` makes the one method every form is rendered through
(``BaseChartForm.get_expanded_form_fields``) hand out copies of its fields with those texts passed through CKAN's
translator (white space folded, as in their msgids); our template ``charts/snippets/charts_form_fields.html`` does the
same for the tab names. The Polish texts are in ``i18n/ckan-core-pl.po`` (``#. ckanext-charts``). Field names,
values and the groups the form code compares stay as they are."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.charts import utils as charts_utils  # noqa: F401 - first: ckanext.charts' own import order (else a cycle)
from ckanext.charts.chart_builders.base import BaseChartForm

TEXTS = ("label", "help_text", "form_placeholder")


def _text(value: Any) -> Any:
    return tk._(" ".join(value.split())) if isinstance(value, str) and value.strip() else value


def translated(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``fields`` (choices may be lists the form classes share) with their texts translated."""
    out = []
    for field in fields:
        copy = dict(field)
        for key in TEXTS:
            if key in copy:
                copy[key] = _text(copy[key])
        if isinstance(copy.get("choices"), list):
            copy["choices"] = [dict(c, label=_text(c["label"])) if isinstance(c, dict) and "label" in c else c
                               for c in copy["choices"]]
        out.append(copy)
    return out


def install() -> None:
    original = BaseChartForm.get_expanded_form_fields
    if getattr(original, "urbanaudit", False):
        return

    def get_expanded_form_fields(self: BaseChartForm) -> list[dict[str, Any]]:
        return translated(original(self))

    get_expanded_form_fields.urbanaudit = True  # type: ignore[attr-defined]
    BaseChartForm.get_expanded_form_fields = get_expanded_form_fields  # type: ignore[method-assign]
