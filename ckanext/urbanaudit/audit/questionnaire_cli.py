"""`ckan urbanaudit audit questionnaire-export|questionnaire-import`: a department's questionnaire of a reporting
year from the command line (added to the ``audit`` group in ``cli.py``)."""
from __future__ import annotations

from pathlib import Path

import ckan.plugins.toolkit as tk
import click
from ckan import model

from ckanext.urbanaudit.audit import questionnaire
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.utils import cli_context


def _city(city: str) -> City:
    place = City.get(city)
    if place is None:
        raise click.ClickException(f"unknown city: {city}")
    return place


@click.command("questionnaire-export")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.option("--year", required=True, type=int, help="The reporting year (open).")
@click.option("--department", required=True, help="Name or id of the department (organization).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="XLSX file to write.")
@click.option("--user", default=None, help="Act as this user (default: the site user).")
def questionnaire_export(*, city: str, year: int, department: str, out: Path, user: str | None) -> None:
    """Write the department's questionnaire of a reporting year (XLSX): only its indicators."""
    place = _city(city)
    org = model.Group.get(department)
    if org is None or not org.is_organization:
        raise click.ClickException(f"no department {department}")
    try:
        content = questionnaire.export_workbook(cli_context(user), place, year, org)
    except (tk.ObjectNotFound, tk.NotAuthorized) as e:
        raise click.ClickException(str(e)) from None
    out.write_bytes(content)
    click.echo(f"{out}: questionnaire of {org.name} for {place.name} {year}")


def _echo_problems(report: dict) -> None:
    for problem in report["errors"]:
        click.echo(f"row {problem['row']}, {problem['column']}: {problem['message']}", err=True)
    for warning in report["warnings"]:
        click.echo(f"row {warning['row']}, {warning['column']} (warning): {warning['message']}", err=True)


@click.command("questionnaire-import")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.option("--year", required=True, type=int, help="The reporting year (open).")
@click.option("--department", required=True, help="Name or id of the department (organization).")
@click.option("--user", required=True, help="Submit as this user (a department editor or an analyst).")
@click.option("--acknowledge-warnings", is_flag=True, help="Store values with plausibility warnings.")
@click.option("--dry-run", is_flag=True, help="Check and report only.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def questionnaire_import(*, city: str, year: int, department: str, user: str, acknowledge_warnings: bool,
                         dry_run: bool, file: Path) -> None:
    """Import a filled department questionnaire (XLSX or CSV): each filled row becomes a submitted value."""
    data = {"city": city, "year": year, "department": department, "filename": file.name,
            "content": file.read_bytes(), "acknowledge_warnings": acknowledge_warnings, "dry_run": dry_run}
    try:
        report = tk.get_action("urbanaudit_questionnaire_import")(cli_context(user), data)
    except tk.ValidationError as e:
        raise click.ClickException(str(e.error_summary)) from None
    except (tk.ObjectNotFound, tk.NotAuthorized) as e:
        raise click.ClickException(str(e)) from None
    _echo_problems(report)
    click.echo(f"rows {report['rows']}: created {len(report['created'])}, updated {len(report['updated'])}, "
               f"unchanged {len(report['unchanged'])}, errors {len(report['errors'])}, "
               f"warnings {len(report['warnings'])}"
               + ("" if report["imported"] else " — nothing stored"
                  + (" (dry run)" if report["dry_run"] else "")
                  + (" (acknowledge the warnings)" if report["needs_acknowledgement"] else "")))
    if report["errors"] or report["needs_acknowledgement"]:
        raise SystemExit(1)
