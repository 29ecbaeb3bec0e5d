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
