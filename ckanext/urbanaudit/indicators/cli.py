"""`ckan urbanaudit indicators ...`: the indicator catalogue and the derived indicators."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

from ckanext.urbanaudit.indicators import public_statistics
from ckanext.urbanaudit.indicators.catalogue import catalogue
from ckanext.urbanaudit.indicators.load import IndicatorLoadError, load
from ckanext.urbanaudit.indicators.public_statistics import coverage
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


EDITIONS = {"37120:2014": "ISO37120:2014:", "37120:2018": "ISO37120:2018:", "37122": "ISO37122:",
            "37123": "ISO37123:"}


@indicators.command("coverage")
@click.option("--edition", type=click.Choice(sorted(EDITIONS)), default="37120:2014", show_default=True)
@click.option("--markdown", is_flag=True, help="Print a Markdown table (as in README.md).")
def indicators_coverage(edition: str, markdown: bool) -> None:
    """Which indicators of an edition public statistics (GUS BDL, Eurostat) can compute for any city with powiat
    rights: sources, evidence, verified or not; for each indicator left uncovered, why."""
    cat = catalogue()
    rows = coverage(public_statistics.load(), [i for i in cat.indicators if i.code.startswith(EDITIONS[edition])])
    verified = [r for r in rows if r["verified"]]
    core = [r for r in verified if r["kind"] == "core"]
    if markdown:
        click.echo("| indicator | kind | sources | evidence | verified | why not covered |")
        click.echo("|---|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r['code']} {r['name']}", r["kind"], ", ".join(r["sources"]) or "-",
                 "; ".join(dict.fromkeys(r["evidence"])) or "-", "yes" if r["verified"] else "no", r["why"] or ""]
        click.echo("| " + " | ".join(c.replace("|", "/") for c in cells) + " |" if markdown else "\t".join(cells))
    click.echo(f"\n{len(verified)} of {len(rows)} indicators computable from public statistics with verified "
               f"evidence ({len(core)} of {sum(r['kind'] == 'core' for r in rows)} core); "
               f"{sum(bool(r['sources']) and not r['verified'] for r in rows)} mapped but unverified.")
