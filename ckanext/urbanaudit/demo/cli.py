"""`ckan urbanaudit demo ...`: the demonstration content."""
from __future__ import annotations

import click

from ckanext.urbanaudit.demo import audit_year
from ckanext.urbanaudit.demo import content as demo_content
from ckanext.urbanaudit.demo import datastore as demo_tables
from ckanext.urbanaudit.demo import requests as demo_requests
from ckanext.urbanaudit.utils import cli_context


@click.group()
def demo() -> None:
    """Demonstration content (synthetic, labelled so)."""


@demo.command("load")
@click.option("--admin", default="admin", show_default=True, help="Sysadmin account to create or reuse.")
@click.option("--password", envvar="URBANAUDIT_ADMIN_PASSWORD", required=True,
              help="Password of a newly created admin (env URBANAUDIT_ADMIN_PASSWORD).")
@click.option("--email", default="admin@example.invalid", show_default=True)
def demo_load(admin: str, password: str, email: str) -> None:
    """Create (or update) the admin account, demo departments and synthetic records. Idempotent."""
    demo_content.ensure_admin(admin, password, email)
    counts = demo_content.load(admin)
    counts["requests"] = demo_requests.load(admin)
    click.secho(
        f"Demo loaded: {counts['departments']} departments, {counts['datasets']} synthetic data sets, "
        f"{counts['analyses']} synthetic analyses "
        f"(admin account: {admin}).",
        fg="green",
    )


@demo.command("harvest")
@click.argument("sources", nargs=-1)
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
def demo_harvest(sources: tuple[str, ...], user: str | None) -> None:
    """Run harvest jobs now, in this process (default: the demo's sources with recorded answers).

    Exit status 1 if a job ends with an error."""
    failed = False
    for source in sources or demo_content.HARVESTED:
        try:
            job = demo_content.harvest(source, cli_context(user)["user"])
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        stats = {k: job["stats"].get(k, 0) for k in ("added", "updated", "deleted", "errored", "not modified")}
        click.echo(f"{source}: " + ", ".join(f"{v} {k}" for k, v in stats.items()))
        for message in job["gather_error_messages"] + job["object_error_messages"]:
            failed = True
            click.secho(f"  {message}", fg="red", err=True)
    if failed:
        raise SystemExit(1)


@demo.command("audit")
@click.option("--city", default="kielce", show_default=True)
@click.option("--year", default=2024, show_default=True, type=int, help="The reporting year to fill.")
@click.option("--password", envvar="URBANAUDIT_ADMIN_PASSWORD", required=True,
              help="Password of the demo team's new accounts (env URBANAUDIT_ADMIN_PASSWORD).")
def demo_audit(city: str, year: int, password: str) -> None:
    """A complete reporting year: synthetic values of every ISO 37120:2014 indicator without a real one, entered
    through the departments' questionnaires and approved by the analytic team. Idempotent."""
    try:
        counts = audit_year.load_year(city, year, password)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.secho(f"Reporting year {year}: {counts['real']} indicators with real values, {counts['submitted']} "
                f"synthetic values submitted, {counts['approved']} approved.", fg="green")


@demo.command("datastore")
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
@click.option("--timeout", default=300, show_default=True, type=float, help="Seconds to wait for the loads.")
def demo_datastore(user: str | None, timeout: float) -> None:
    """The demo's CSV files into the DataStore (needs the portal and its jobs worker running: `make demo` runs
    it once they are), their content checks, one chart and the stop map. Idempotent."""
    try:
        done = demo_tables.load(cli_context(user)["user"], timeout)
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    click.secho(f"DataStore: {done['tables']} demo tables ({done['submitted']} loaded now), {done['checked']} "
                f"content checks, {done['views']} views made.", fg="green")
