"""`ckan urbanaudit audit ...`: the yearly audit from the command line (open a reporting year, see where it
stands)."""
from __future__ import annotations

import os

import ckan.plugins.toolkit as tk
import click

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit import assignment_file, reminders
from ckanext.urbanaudit.audit.questionnaire_cli import questionnaire_export, questionnaire_import
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.utils import cli_context


@click.group()
def audit() -> None:
    """The yearly audit: reporting years, responsibilities, department questionnaires."""


def _call(action: str, user: str | None, data: dict) -> dict | list:
    try:
        return tk.get_action(action)(cli_context(user), data)
    except tk.ValidationError as e:
        raise click.ClickException(str(e.error_summary)) from None
    except (tk.ObjectNotFound, tk.NotAuthorized) as e:
        raise click.ClickException(str(e)) from None


@audit.command("open")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.option("--year", required=True, type=int, help="The reporting year (the period of the values).")
@click.option("--edition", multiple=True,
              help="Further edition besides ISO37120:2014: ISO37120:2018, ISO37122:2019, ISO37123:2019, urban-audit.")
@click.option("--user", default=None, help="Act as this user (default: the site user).")
def audit_open(city: str, year: int, edition: tuple[str, ...], user: str | None) -> None:
    """Open (or extend) a reporting year: what is expected of every indicator, and from whom."""
    result = _call("urbanaudit_campaign_open", user, {"city": city, "year": year, "editions": list(edition)})
    totals = result["totals"]
    click.echo(f"reporting year {year}: {totals.get('expected', 0)} indicators expected, "
               f"{totals.get('approved', 0)} approved already")


@audit.command("progress")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.option("--year", required=True, type=int)
def audit_progress(city: str, year: int) -> None:
    """Where the reporting year stands, per department."""
    result = _call("urbanaudit_campaign_show", None, {"city": city, "year": year})
    for dept in result["departments"]:
        click.echo(f"{dept['title'] or '-'}: expected {dept.get('expected', 0)}, approved {dept.get('approved', 0)}, "
                   f"submitted {dept.get('submitted', 0)}, returned {dept.get('returned', 0)}, "
                   f"missing {dept.get('missing', 0)}, overdue {dept.get('overdue', 0)}")


@audit.command("remind")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.option("--year", required=True, type=int)
@click.option("--dry-run", is_flag=True, help="List who would get which indicators; send nothing.")
def audit_remind(city: str, year: int, dry_run: bool) -> None:
    """Email each responsible person (or the department's admins) the indicators still waiting for them."""
    progress = _call("urbanaudit_campaign_show", None, {"city": city, "year": year})
    if not dry_run and not reminders.smtp_configured():
        raise click.ClickException("no mail server is configured (smtp.server and smtp.mail_from)")
    place = City.get(city)
    report = reminders.send(progress, place.name, reminders.questionnaire_link(place.slug, year), dry_run=dry_run)
    verb = "would send" if dry_run else "sent"
    for mail in report["sent"]:
        click.echo(f"{verb} to {mail['email']}: {', '.join(mail['indicators'])}")
    for entry in report["unreachable"]:
        click.echo(f"no address for {entry['user'] or entry['department'] or '-'}: {', '.join(entry['indicators'])}")
    for failure in report["failed"]:
        click.echo(f"failed {failure['email']}: {failure['error']}", err=True)
    if report["failed"]:
        raise click.ClickException(f"{len(report['failed'])} reminders could not be sent")


@audit.command("assign")
@click.option("--city", required=True, help="TERYT code or slug.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", default=None, help="Act as this user (default: the site user).")
def audit_assign(city: str, path: str, user: str | None) -> None:
    """Set who answers for what from a CSV/XLSX file (columns indicator_code, department, responsible,
    source_kind, source_ref, due): all rows, or none when any row is wrong."""
    with open(path, "rb") as handle:
        content = handle.read(config.inventory_max_upload_bytes() + 1)
    try:
        counts = assignment_file.apply(cli_context(user), city, os.path.basename(path), content)
    except assignment_file.FileError as e:
        for row in e.rows:
            click.echo(f"row {row['row']}, column {row['column']}: {row['message']}", err=True)
        raise click.ClickException("nothing saved" if e.rows else " ".join(e.error_dict["upload"])) from None
    except tk.ValidationError as e:
        raise click.ClickException(str(e.error_summary)) from None
    click.echo(f"assignments: {counts['created']} created, {counts['updated']} updated")


audit.add_command(questionnaire_export)
audit.add_command(questionnaire_import)
