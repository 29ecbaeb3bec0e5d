"""`ckan urbanaudit ...`: the command groups of every concern under one command."""
from __future__ import annotations

import click

from ckanext.urbanaudit.audit.cli import audit
from ckanext.urbanaudit.cities.cli import city
from ckanext.urbanaudit.contents.cli import contents
from ckanext.urbanaudit.danegovpl.cli import danegovpl
from ckanext.urbanaudit.demo.cli import demo
from ckanext.urbanaudit.indicators.cli import indicators
from ckanext.urbanaudit.inventory.cli import inventory
from ckanext.urbanaudit.quality.cli import quality


@click.group(short_help="Urban-audit system commands.")
def urbanaudit() -> None:
    """Urban-audit system for Polish cities."""


for group in (audit, city, contents, danegovpl, demo, indicators, inventory, quality):
    urbanaudit.add_command(group)


def get_commands() -> list[click.Command]:
    return [urbanaudit]
