"""`ckan urbanaudit city ...`: city files."""
from __future__ import annotations

import click

from ckanext.urbanaudit.cities.city_file import CityFileError, load
from ckanext.urbanaudit.cities.city_new import PEER_GROUPS, CityNewError, new_city, summary


@click.group()
def city() -> None:
    """City files: one YAML per city (schemas/cities/)."""


@city.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
def city_load(path: str) -> None:
    """Create or update the city of the file at PATH, its organizations and harvest sources. Idempotent."""
    try:
        report = load(path)
    except CityFileError as e:
        raise click.ClickException(str(e)) from None
    for part, counts in report.items():
        click.echo(f"{part}: {counts['created']} created, {counts['updated']} updated, "
                   f"{counts['unchanged']} unchanged")


@city.command("new")
@click.option("--teryt", help="7-digit TERYT code of the city (gmina), e.g. 2661011.")
@click.option("--name", help="The city's name as the registries write it, e.g. Kielce.")
@click.option("--out", type=click.Path(dir_okay=False), help="Where to write (default schemas/cities/<slug>.yaml).")
@click.option("--peers", type=click.Choice(PEER_GROUPS), default="voivodeship-capitals", show_default=True,
              help="Peer group: the other voivodeship capitals with a city file beside the new one, or none.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def city_new(teryt: str | None, name: str | None, out: str | None, peers: str, force: bool) -> None:
    """Write a city file from the sources' own registries (GUS BDL units, Eurostat Urban Audit labels, GIOŚ
    stations). A code no registry confirmed is written as null with a "to verify" comment."""
    try:
        path, found = new_city(name, teryt, out, peers=peers, force=force)
    except CityNewError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Wrote {path}")
    for line in summary(found):
        click.echo(f"  {line}")
