"""`ckan urbanaudit contents ...`: the content checks of tabular resources."""
from __future__ import annotations

import click
import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit.contents import indicator_tables, jobs
from ckanext.urbanaudit.quality import store
from ckanext.urbanaudit.quality.metrics import CHECKED_FORMATS
from ckanext.urbanaudit.utils import cli_context


@click.group()
def contents() -> None:
    """Content checks of the tabular resources (CSV, XLSX)."""


@contents.command("check")
@click.option("--all", "all_", is_flag=True, help="Every active tabular resource of the catalogue.")
@click.option("--resource", "resource_ids", multiple=True, help="Only this resource (id); may be repeated.")
def contents_check(all_: bool, resource_ids: tuple[str, ...]) -> None:
    """Check the files now and score their data sets again."""
    if not (all_ or resource_ids):
        raise click.UsageError("say which: --all or --resource ID")
    if all_:
        # the rule of jobs.is_checked in SQL: the format in any case, no table the portal writes itself
        query = model.Session.query(model.Resource.id).join(model.Package).filter(
            model.Resource.state == "active", model.Package.state == "active",
            sa.func.upper(model.Resource.format).in_(sorted(CHECKED_FORMATS)),
            model.Resource.url_type.is_distinct_from("datastore"))
        resource_ids = tuple(rid for (rid,) in query)
    packages, failed = set(), 0
    for rid in resource_ids:
        report = jobs.check_resource(rid, rescore=False)
        if report is None:
            click.echo(f"{rid}: not a tabular resource of the catalogue", err=True)
            failed += 1
            continue
        packages.add(model.Resource.get(rid).package_id)
        click.echo(f"{rid}: {report['status']}, contents {report.get('score')}"
                   + (f" ({report['error']})" if report.get("error") else ""))
    if packages:
        store.recompute(ids=sorted(packages), reindex="inline")
    click.echo(f"Checked {len(resource_ids) - failed} files of {len(packages)} data sets")
    if failed:
        raise SystemExit(1)


@contents.command("indicator-tables")
@click.option("--code", multiple=True, help="Indicator code (repeatable; default: every indicator with values).")
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
def contents_indicator_tables(code: tuple[str, ...], user: str | None) -> None:
    """Publish each indicator's values as a DataStore table of its indicator data set (unchanged: nothing
    written)."""
    counts = indicator_tables.publish(cli_context(user)["user"], list(code) or None)
    click.echo(f"Indicator tables: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")
