"""`ckan urbanaudit city ...`: city files."""
from __future__ import annotations

import click

from ckanext.urbanaudit.cities.city_file import CityFileError, load


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
