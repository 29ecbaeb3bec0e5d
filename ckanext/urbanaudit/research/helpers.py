"""Template helpers of the analyses (names carry the extension's prefix): the choices of the analysis form's
data-set and indicator selects, what an analysis uses, and the analyses that use a data set or an indicator."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.scheming.helpers import scheming_get_dataset_schema, scheming_language_text

from ckanext.urbanaudit import utils
from ckanext.urbanaudit.indicators import visibility
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.research import search

# at most this many data sets in the form's select (sorted by title); more would not be usable in a select
CHOICES_LIMIT = 1000


def _analysis_labels() -> dict[str, str]:
    """CKAN's generic "[object]" phrases said of an analysis, in the page's language."""
    return {
        "add link": tk._("Register an analysis"), "create label": tk._("Register an analysis"),
        "create title": tk._("Register an analysis"), "breadcrumb": tk._("Analyses"),
        "content tab": tk._("Analyses"), "facet label": tk._("Analyses"), "main nav": tk._("Analyses"),
        "page title": tk._("Analyses"), "edit label": tk._("Edit the analysis"),
        "update label": tk._("Update the analysis"), "save label": tk._("Save the analysis"),
        "view label": tk._("View the analysis"), "form label": tk._("Analysis form"),
        "delete confirmation": tk._("Are you sure you want to delete this analysis?"),
        "description placeholder": tk._("What the analysis studied and found..."),
        "name placeholder": tk._("my-analysis"), "search placeholder": tk._("Search analyses..."),
        "no any objects": tk._("There are no analyses yet."),
    }


@tk.chained_helper
def humanize_entity_type(next_helper: Any, entity_type: str, object_type: str, purpose: str) -> str | None:
    """CKAN's names of a dataset type, for analyses in Polish and English (CKAN would say "Add Analysis" in
    an English word on a Polish page)."""
    if entity_type == "package" and object_type == "analysis":
        label = _analysis_labels().get(purpose)
        if label:
            return label
    return next_helper(entity_type, object_type, purpose)


def urbanaudit_analysis_dataset_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """The data sets the editor may see (public ones and the private ones of the editor's organizations)."""
    found = tk.get_action("package_search")(utils.user_context(), {
        "q": "*:*", "fq": "+dataset_type:dataset", "rows": CHOICES_LIMIT, "sort": "title_string asc",
        "include_private": True, "fl": ["id", "title", "name"]})
    return [{"value": d["id"], "label": d.get("title") or d["name"]} for d in found["results"]]


def urbanaudit_analysis_indicator_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """The catalogue's indicators the editor may see, as "code — name"."""
    seen = visibility.for_context(utils.user_context())
    lang = utils.page_lang()
    return [{"value": ind.code, "label": f"{ind.code} — {ind.label(lang)}"}
            for ind in catalogue().indicators if not seen.is_hidden(ind.code)]


def urbanaudit_analysis_datasets(ids: Any) -> list[dict[str, Any]]:
    """The data sets an analysis uses that the visitor may see (title, name), in the analysis' order."""
    shown = []
    for ref in utils.json_list(ids):
        try:
            pkg = tk.get_action("package_show")(utils.user_context(), {"id": ref})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
        shown.append({"name": pkg["name"], "title": pkg.get("title") or pkg["name"]})
    return shown


def urbanaudit_analysis_indicators(codes: Any) -> list[dict[str, str]]:
    """The indicators an analysis uses that the visitor may see (code, URL name, name in the page's language)."""
    seen = visibility.for_context(utils.user_context())
    lang = utils.page_lang()
    return [{"code": ind.code, "slug": ind.slug, "label": ind.label(lang)}
            for code in utils.json_list(codes) if (ind := seen.indicator(str(code)))]


def urbanaudit_analyses_using_dataset(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """The public analyses that use the data set ``pkg`` (empty for other dataset types)."""
    if pkg.get("type", "dataset") != "dataset" or not pkg.get("id"):
        return []
    return search.using(utils.user_context(), dataset_id=pkg["id"])


def urbanaudit_analyses_using_indicator(code: str) -> list[dict[str, Any]]:
    """The public analyses that use the indicator ``code``."""
    return search.using(utils.user_context(), indicator_code=code)


def urbanaudit_analysis_kind_label(value: str | None) -> str:
    """The label of an analysis kind in the page's language (unknown values as they are)."""
    schema = scheming_get_dataset_schema(search.ANALYSIS) or {}
    for field in schema.get("dataset_fields", []):
        if field["field_name"] == search.KIND_FIELD:
            for choice in field.get("choices", []):
                if choice["value"] == value:
                    return scheming_language_text(choice["label"])
    return value or ""
