"""`ckan urbanaudit inventory ...`: the inventory questionnaire."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

from ckanext.urbanaudit.inventory.workbook import export_workbook, template_workbook
from ckanext.urbanaudit.utils import cli_context


@click.group()
def inventory() -> None:
    """The inventory questionnaire (XLSX/CSV): import, export, template."""


@inventory.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if other rows have errors.")
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
def inventory_import(path: str, dry_run: bool, valid_only: bool, user: str | None) -> None:
    """Import a questionnaire file (.xlsx, or .csv in UTF-8 or CP1250)."""
    with open(path, "rb") as source:
        content = source.read()
    try:
        report = tk.get_action("urbanaudit_inventory_import")(
            cli_context(user), {"filename": path, "content": content, "dry_run": dry_run, "valid_only": valid_only})
    except tk.ValidationError as error:
        raise click.ClickException("; ".join(str(m) for ms in error.error_dict.values() for m in ms)) from error
    for problem in report["errors"]:
        click.echo(f"row {problem['row']}, {problem['column']}: {problem['message']}", err=True)
    verb = "would be" if not report["imported"] else "were"
    click.echo(f"{report['rows']} rows: {len(report['created'])} created, {len(report['updated'])} updated, "
               f"{len(report['unchanged'])} unchanged, {len(report['errors'])} errors; changes {verb} "
               f"{'saved' if report['imported'] else 'not saved'}.")
    if report["errors"] and not report["imported"]:
        raise SystemExit(1)


@inventory.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--org", default=None, help="Only this department (URL name).")
@click.option("--user", default=None, help="Act as this user (default: the site user).")
def inventory_export(path: str, org: str | None, user: str | None) -> None:
    """Write the inventory as a questionnaire workbook that imports back unchanged."""
    with open(path, "wb") as target:
        target.write(export_workbook(cli_context(user), org))
    click.echo(f"Written {path}")


@inventory.command("template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def inventory_template(path: str) -> None:
    """Write the empty questionnaire with its vocabularies and drop-downs."""
    with open(path, "wb") as target:
        target.write(template_workbook())
    click.echo(f"Written {path}")
