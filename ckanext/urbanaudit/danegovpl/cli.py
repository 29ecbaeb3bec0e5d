"""`ckan urbanaudit danegovpl ...`: the feed for dane.gov.pl."""
from __future__ import annotations

import click

from ckanext.urbanaudit.danegovpl import feed


@click.group()
def danegovpl() -> None:
    """Publishing to the national portal dane.gov.pl."""


@danegovpl.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def danegovpl_export(file: str) -> None:
    """Write the dane.gov.pl XML feed (harvester format 1.10) to FILE and validate it."""
    report = feed.write(file)
    valid, errors = feed.validate(file)
    click.echo(
        f"{file}: {report.published} published, {report.withdrawn} withdrawn, {report.resources} resources, "
        f"{report.excluded_count} records left out, {report.seconds} s."
    )
    for reason, count in sorted(report.reasons.items()):
        click.echo(f"  left out ({reason}): {count}")
    if valid:
        click.secho("Valid against xml_import_otwarte_dane_1_10.xsd (0 errors).", fg="green")
        return
    for error in errors:
        click.echo(f"  {error}", err=True)
    raise click.ClickException("The feed is not valid against xml_import_otwarte_dane_1_10.xsd.")
