"""`ckan urbanaudit indicators ...`: the indicator catalogue and the derived indicators."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

from ckanext.urbanaudit.indicators.load import IndicatorLoadError, load
from ckanext.urbanaudit.utils import cli_context


@click.group()
def indicators() -> None:
    """The indicator catalogue (schemas/indicators/catalogue.yaml) and the derived indicators."""


@indicators.command("load")
@click.option("--owner", default=None, help="Owning organization (default: the portal city's organization).")
@click.option("--theme-owner", multiple=True, metavar="CLAUSE=ORG",
              help="Owning department of one ISO 37120 theme, e.g. 8=kielce-wydzial-srodowiska (repeatable).")
def indicators_load(owner: str | None, theme_owner: tuple[str, ...]) -> None:
    """Create or update the indicator datasets from the catalogue. Idempotent."""
    themes = {}
    for item in theme_owner:
        clause, _, org = item.partition("=")
        if not clause or not org:
            raise click.BadParameter(f"'{item}' is not CLAUSE=ORG", param_hint="--theme-owner")
        themes[clause.strip()] = org.strip()
    try:
        counts = load(owner, themes)
    except IndicatorLoadError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"indicators: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged; {counts['not_in_catalogue']} indicator datasets not in the catalogue")


@indicators.command("compute")
@click.option("--city", multiple=True, help="TERYT code or slug (repeatable; default: every city).")
@click.option("--code", multiple=True, help="Indicator code (repeatable; default: every derived indicator).")
def indicators_compute(city: tuple[str, ...], code: tuple[str, ...]) -> None:
    """Recompute the derived indicators from the stored values."""
    try:
        counts = tk.get_action("urbanaudit_indicator_compute")(
            cli_context(None), {"city": list(city), "codes": list(code)})
    except tk.ValidationError as e:
        raise click.ClickException(str(e.error_summary)) from None
    click.echo(f"computed values: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged, {counts['deleted']} deleted")
