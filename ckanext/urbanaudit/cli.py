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
def city():
    """City files: one YAML per city (schemas/cities/)."""


@city.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
def city_load(path: str):
    """Create or update the city of the file at PATH, its organizations and harvest sources. Idempotent."""
    from ckanext.urbanaudit.city_file import CityFileError, load

    try:
        report = load(path)
    except CityFileError as e:
        raise click.ClickException(str(e)) from None
    for part, counts in report.items():
        click.echo(f"{part}: {counts['created']} created, {counts['updated']} updated, "
                   f"{counts['unchanged']} unchanged")
