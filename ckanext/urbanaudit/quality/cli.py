"""`ckan urbanaudit quality ...`: quality scores and link checks."""
from __future__ import annotations

import time

import ckan.plugins.toolkit as tk
import click
from ckan import model

from ckanext.urbanaudit.quality import jobs


@click.group()
def quality() -> None:
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
                      background: bool) -> None:
    """Recompute the quality scores (the scheduler runs `--all` nightly)."""
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
        done = jobs.run_recompute(ids=package_ids, org=org, check=check_links, background=background,
                                  reindex=reindex)
    except tk.ObjectNotFound as exc:  # an unknown department
        raise click.BadParameter(str(exc), param_hint="--org") from exc
    if background:
        click.secho(f"Queued the recompute of {done['queued']} data sets.", fg="green")
        return
    if done["link_checks"] is not None:
        click.echo(f"Link checks made: {done['link_checks']}")
    stats = done["stats"]
    bands = ", ".join(f"{k} {v}" for k, v in sorted(stats.bands.items()))
    click.secho(f"Scored {stats.datasets} data sets in {time.perf_counter() - started:.1f} s "
                f"({stats.new_rows} new history rows, {len(stats.changed)} changed score or band; {bands}).",
                fg="green")
