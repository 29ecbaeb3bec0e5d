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


@demo.command("harvest")
@click.argument("sources", nargs=-1)
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
def demo_harvest(sources: tuple[str, ...], user: str | None):
    """Run harvest jobs now, in this process (default: the demo's sources with recorded answers).

    Exit status 1 if a job ends with an error."""
    from ckanext.urbanaudit import demo as demo_content

    failed = False
    for source in sources or demo_content.HARVESTED:
        try:
            job = demo_content.harvest(source, _user_context(user)["user"])
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        stats = {k: job["stats"].get(k, 0) for k in ("added", "updated", "deleted", "errored", "not modified")}
        click.echo(f"{source}: " + ", ".join(f"{v} {k}" for k, v in stats.items()))
        for message in job["gather_error_messages"] + job["object_error_messages"]:
            failed = True
            click.secho(f"  {message}", fg="red", err=True)
    if failed:
        raise SystemExit(1)


@urbanaudit.group()
def inventory():
    """The inventory questionnaire (XLSX/CSV): import, export, template."""


def _user_context(user: str | None) -> dict:
    import ckan.plugins.toolkit as tk

    if user is None:
        user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": user}


@inventory.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if other rows have errors.")
@click.option("--user", default=None, help="Act as this user (default: the site user, a sysadmin).")
def inventory_import(path: str, dry_run: bool, valid_only: bool, user: str | None):
    """Import a questionnaire file (.xlsx, or .csv in UTF-8 or CP1250)."""
    import ckan.plugins.toolkit as tk

    with open(path, "rb") as source:
        content = source.read()
    try:
        report = tk.get_action("urbanaudit_inventory_import")(
            _user_context(user), {"filename": path, "content": content, "dry_run": dry_run, "valid_only": valid_only})
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
def inventory_export(path: str, org: str | None, user: str | None):
    """Write the inventory as a questionnaire workbook that imports back unchanged."""
    from ckanext.urbanaudit.logic.inventory import export_workbook

    with open(path, "wb") as target:
        target.write(export_workbook(_user_context(user), org))
    click.echo(f"Written {path}")


@inventory.command("template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def inventory_template(path: str):
    """Write the empty questionnaire with its vocabularies and drop-downs."""
    from ckanext.urbanaudit.logic.inventory import template_workbook

    with open(path, "wb") as target:
        target.write(template_workbook())
    click.echo(f"Written {path}")


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


@urbanaudit.group()
def quality():
    """Data-quality scores (MQA-compatible) and link checks."""


@quality.command("recompute")
@click.option("--all", "all_", is_flag=True, help="Every data set of the catalogue.")
@click.option("--org", help="Only the data sets of this department (name or id).")
@click.option("--id", "ids", multiple=True, help="Only this data set (name or id); may be repeated.")
@click.option("--check-links", is_flag=True, help="Check the access and download URLs first (slow: network).")
@click.option("--reindex", type=click.Choice(["inline", "queue", "none"]), default="inline", show_default=True,
              help="Re-index data sets whose score changed now, in background jobs, or not at all.")
@click.option("--background", is_flag=True,
              help="Queue the work as background jobs of 500 data sets each (what the scheduler does).")
def quality_recompute(all_: bool, org: str | None, ids: tuple[str, ...], check_links: bool, reindex: str,  # noqa: PLR0917
                      background: bool):
    """Recompute the quality scores (the scheduler runs `--all` nightly)."""
    import time

    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.urbanaudit.quality import jobs, store

    if not (all_ or org or ids):
        raise click.UsageError("Give --all, --org ORG or --id ID.")
    package_ids = None
    if ids:
        package_ids = []
        for value in ids:
            pkg = model.Package.get(value)
            if pkg is None:
                raise click.BadParameter(f"no data set {value}", param_hint="--id")
            package_ids.append(pkg.id)
    started = time.perf_counter()
    try:
        if background:
            queued = 0
            for chunk in store.dataset_ids(org, package_ids):
                tk.enqueue_job(jobs.recompute_datasets, [chunk, check_links], title="urbanaudit quality recompute",
                               rq_kwargs={"timeout": 3600})
                queued += len(chunk)
            click.secho(f"Queued the recompute of {queued} data sets.", fg="green")
            return
        if check_links:
            targets = package_ids or [i for chunk in store.dataset_ids(org) for i in chunk]
            click.echo(f"Link checks made: {jobs.check_links(targets)}")
        stats = store.recompute(org=org, ids=package_ids, reindex=reindex)
    except tk.ObjectNotFound as exc:  # an unknown department
        raise click.BadParameter(str(exc), param_hint="--org") from exc
    bands = ", ".join(f"{k} {v}" for k, v in sorted(stats.bands.items()))
    click.secho(f"Scored {stats.datasets} data sets in {time.perf_counter() - started:.1f} s "
                f"({stats.new_rows} new history rows, {len(stats.changed)} changed score or band; {bands}).",
                fg="green")


@urbanaudit.group()
def indicators():
    """The indicator catalogue (schemas/indicators/catalogue.yaml) and the derived indicators."""


@indicators.command("load")
@click.option("--owner", default=None, help="Owning organization (default: the portal city's organization).")
@click.option("--theme-owner", multiple=True, metavar="CLAUSE=ORG",
              help="Owning department of one ISO 37120 theme, e.g. 8=kielce-wydzial-srodowiska (repeatable).")
def indicators_load(owner: str | None, theme_owner: tuple[str, ...]):
    """Create or update the indicator datasets from the catalogue. Idempotent."""
    from ckanext.urbanaudit.indicator_load import IndicatorLoadError, load

    themes = {}
    for item in theme_owner:
        clause, _, org = item.partition("=")
        if not clause or not org:
            raise click.BadParameter(f"'{item}' is not CLAUSE=ORG", param_hint="--theme-owner")
        themes[clause.strip()] = org.strip()
    try:
        counts = load(owner, themes)
    except IndicatorLoadError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"indicators: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged; {counts['not_in_catalogue']} indicator datasets not in the catalogue")


@indicators.command("compute")
@click.option("--city", multiple=True, help="TERYT code or slug (repeatable; default: every city).")
@click.option("--code", multiple=True, help="Indicator code (repeatable; default: every derived indicator).")
def indicators_compute(city: tuple[str, ...], code: tuple[str, ...]):
    """Recompute the derived indicators from the stored values."""
    import ckan.plugins.toolkit as tk

    try:
        counts = tk.get_action("urbanaudit_indicator_compute")(
            _user_context(None), {"city": list(city), "codes": list(code)})
    except tk.ValidationError as e:
        raise click.ClickException(str(e.error_summary)) from None
    click.echo(f"computed values: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged, {counts['deleted']} deleted")
