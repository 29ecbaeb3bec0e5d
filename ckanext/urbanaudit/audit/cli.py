"""`ckan urbanaudit audit ...`: the yearly audit from the command line (open a reporting year, see where it
stands)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

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
