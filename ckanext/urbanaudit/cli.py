"""`ckan urbanaudit ...` commands."""
from __future__ import annotations

import click

__all__ = ["urbanaudit"]


@click.group(short_help="Urban-audit system commands.")
def urbanaudit():
    """Urban-audit system for Polish cities."""


@urbanaudit.group()
def demo():
    """Demonstration content (synthetic, labelled so)."""


@demo.command("load")
@click.option("--admin", default="admin", show_default=True, help="Sysadmin account to create or reuse.")
@click.option("--password", envvar="URBANAUDIT_ADMIN_PASSWORD", required=True,
              help="Password of a newly created admin (env URBANAUDIT_ADMIN_PASSWORD).")
@click.option("--email", default="admin@example.invalid", show_default=True)
def demo_load(admin: str, password: str, email: str):
    """Create (or update) the admin account, demo departments and synthetic records. Idempotent."""
    from ckanext.urbanaudit import demo as demo_content

    demo_content.ensure_admin(admin, password, email)
    counts = demo_content.load(admin)
    click.secho(
        f"Demo loaded: {counts['departments']} departments, {counts['datasets']} synthetic data sets "
        f"(admin account: {admin}).",
        fg="green",
    )


@urbanaudit.group()
def danegovpl():
    """Publishing to the national portal dane.gov.pl."""


@danegovpl.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def danegovpl_export(file: str):
    """Write the dane.gov.pl XML feed (harvester format 1.10) to FILE and validate it."""
    from ckanext.urbanaudit.danegovpl import feed

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
