"""ckanext-charts' chart builder in the page's language.

ckanext-charts 1.13 ships no translations and writes its form in Python: every field of a chart type (label, help
text, placeholder, the choices of a select) is an English string literal of its form class, rendered as it is, and
the form's tabs are its group names. :func:`install` makes the one method every form is rendered through
(``BaseChartForm.get_expanded_form_fields``) hand out copies of its fields with those texts passed through CKAN's
translator (white space folded, as in their msgids); our template ``charts/snippets/charts_form_fields.html`` does the
same for the tab names. The texts are listed in :data:`TEXTS` (Babel's ``N_``), so they are in our catalogues, Polish
and English. Field names, values and the groups the form code compares stay as they are."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.charts import utils as charts_utils  # noqa: F401 - first: ckanext.charts' own import order (else a cycle)
from ckanext.charts.chart_builders.base import BaseChartForm

from ckanext.urbanaudit.utils import N_

FIELD_KEYS = ("label", "help_text", "form_placeholder")


def _text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    folded = " ".join(value.split())
    return tk._(folded)


def translated(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``fields`` (choices may be lists the form classes share) with their texts translated."""
    out = []
    for field in fields:
        copy = dict(field)
        for key in FIELD_KEYS:
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


# Every text of ckanext-charts 1.13's forms and templates this portal shows (they reach CKAN's translator through
# translated() above and through its templates): in our catalogues, Polish and English. The choices that are
# proper names (colour scales, map projections) stay as they are.
TEXTS = (
    N_('Chart title'),
    N_('Information about my view'),
    N_('Right Y label'),
    N_('X label'),
    N_('Y label'),
    N_('General'),
    N_('Structure'),
    N_('Styles'),
    N_('Always display a full 365-day X-axis so every month occupies equal horizontal space. Requires "Split by years" to be enabled.'),  # noqa: E501
    N_('Break the graph at missing values'),
    N_('Description of the chart view'),
    N_('Entries of the data with missing values will not be graphed or will be skipped'),
    N_('Height of the chart'),
    N_('Invert the X-axis'),
    N_('Invert the Y-axis'),
    N_('Label for the X-axis'),
    N_('Label for the Y-axis'),
    N_('Label for the Y-axis on the right side'),
    N_('Limit the number of rows to show in the chart'),
    N_('Maximum size of dots or bubbles'),
    N_('Opacity level of the chart'),
    N_('Render chart as a rose chart'),
    N_('Render chart as a step chart'),
    N_('Render chart as an area chart'),
    N_('Select 3 or more different categorical variables (dimensions)'),
    N_('Select a column for the X-axes'),
    N_('Select a column for the Y-axis'),
    N_('Select a column for the animation frame'),
    N_('Select a column for the color'),
    N_('Select a column for the names'),
    N_('Select a column for the size'),
    N_('Select a column for the values'),
    N_('Select one or more columns for the Y-axis'),
    N_('Select the chart engine to use'),
    N_('Select the columns for the Y axis.'),
    N_('Select the type of the chart, e.g. Line, Bar, Scatter, etc.'),
    N_('Set the color scale for the choropleth map.'),
    N_('Set the inner radius of the pie chart'),
    N_('Set the location to display on the map.'),
    N_('Set the map projection type.'),
    N_('Set the outer radius of the pie chart'),
    N_('Show the scale ticks on the colorbar.'),
    N_('Smooth the line'),
    N_('Sort the X-axis values'),
    N_('Sort the Y-axis values'),
    N_('Split data into different columns by years based on datetime column stated for the x-axis'),
    N_('Title of the chart itself'),
    N_('Title of the chart view'),
    N_('Try to infer the ISO_A3 code from the country name.'),
    N_('Use log scale for the X-axis'),
    N_('Use log scale for the Y-axis'),
    N_('When multiple readings exist for the same day, use this value. Active only with "Fixed 365 days" enabled.'),
    N_('Width of the chart'),
    N_('Works only if inner radius is lower than 0'),
    N_('Animation Frame'),
    N_('Area chart'),
    N_('Break the chart'),
    N_('Chart Title'),
    N_('Chart X axe label'),
    N_('Chart Y axe label'),
    N_('Chart Y axe right label'),
    N_('Color'),
    N_('Color Scale'),
    N_('Daily aggregation'),
    N_('Engine'),
    N_('Engine details'),
    N_('Fill'),
    N_('Fixed 365 days'),
    N_('Font Size'),
    N_('Infer ISO alpha-3 country code'),
    N_('Inner Radius'),
    N_('Inner radius'),
    N_('Invert X-axis'),
    N_('Invert Y-axis'),
    N_('Limit'),
    N_('Location'),
    N_('Log-scale X-axis'),
    N_('Log-scale Y-axis'),
    N_('More info'),
    N_('Names'),
    N_('Opacity'),
    N_('Outer radius'),
    N_('Projection'),
    N_('Rose chart'),
    N_('Show Scale Ticks'),
    N_('Size Max'),
    N_('Skip N/A and NULL values'),
    N_('Smooth'),
    N_('Sort X-axis'),
    N_('Sort Y-axis'),
    N_('Split by years'),
    N_('Step'),
    N_('Stroke Width'),
    N_('Values'),
    N_('X Axis'),
    N_('Y Axis'),
    N_('Bar'),
    N_('Horizontal Bar'),
    N_('Line'),
    N_('Pie'),
    N_('Scatter'),
    N_('Doughnut'),
    N_('Radar'),
    N_('Bubble'),
    N_('Choropleth'),
    N_('World'),
    N_('Europe'),
    N_('Asia'),
    N_('Africa'),
    N_('North America'),
    N_('South America'),
    N_('Oceania (Australia & Pacific Islands)'),
    N_('Average'),
    N_('Maximum'),
    N_('Minimum'),
    N_('Start'),
    N_('Middle'),
    N_('End'),
    N_('Normal'),
    N_('Add filter'),
    N_('Cannot build chart with current settings'),
    N_('Engine Details'),
    N_('Example'),
    N_('File cache size'),
    N_('Missing a form for a chart type'),
    N_('Observable Plot does not yet support zoom and pan features as some other charting libraries do. We are actively working to enhance our charting capabilities and may include native support for zoom and pan in Observable Plot in future updates.'),  # noqa: E501
    N_('Redis cache size'),
    N_('Supported Date Formats'),
    N_('The zoom functionality is currently supported for Chart.js and Plotly charts. These libraries offer built-in zoom and pan features, allowing users to interact with the data by zooming in, out, or panning across the chart.'),  # noqa: E501
    N_('This chart type is not supported'),
    N_('Timestamp Format'),
    N_('Updating chart...'),
    N_('You have to login to access the chart builder.'),
    N_('Custom'),
    N_('Invalidate ALL cache'),
    N_('Invalidate File cache'),
    N_('Invalidate Redis cache'),
    N_('Make Snapshot'),
    N_('Toggle Pan'),
    N_('Toggle Zoom'),
    N_('eg. Information about my view'),
    N_('eg. My View'),
    N_('Update'),
    N_('Reset'),
    N_('Close'),
)
