"""Typed getters for the extension's configuration: every ``ckanext.urbanaudit.*`` key is read here, and
its default lives in config_declaration.yaml only."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def city() -> str:
    return tk.config["ckanext.urbanaudit.city"]


def synthetic_banner() -> bool:
    return tk.config["ckanext.urbanaudit.synthetic_banner"]


def map_extent() -> str:
    """Initial extent of the search map, ``[[south, west], [north, east]]`` as JSON text."""
    return tk.config["ckanext.urbanaudit.map_extent"]


def map_tiles_url() -> str:
    return tk.config["ckanext.urbanaudit.map_tiles_url"]


def source_url(source: str) -> str:
    """Base URL of a source API (``bdl``, ``eurostat``, ``danegovpl``, ``gios``), no trailing slash."""
    return tk.config[f"ckanext.urbanaudit.source.{source}_url"].rstrip("/")


def catalog_publisher() -> tuple[str, str]:
    """Name and URI of the body that publishes the catalogue (dct:publisher of dcat:Catalog)."""
    return tk.config["ckanext.urbanaudit.catalog.publisher_name"], tk.config["ckanext.urbanaudit.catalog.publisher_uri"]


def catalog_description() -> dict[str, str]:
    return {
        "pl": tk.config["ckanext.urbanaudit.catalog.description_pl"],
        "en": tk.config["ckanext.urbanaudit.catalog.description_en"],
    }


def http_settings() -> dict:
    """Keyword arguments of harvesters.http.SourceClient from the configuration."""
    return {
        "timeout": float(tk.config["ckanext.urbanaudit.http.timeout"]),
        "retries": int(tk.config["ckanext.urbanaudit.http.retries"]),
        "backoff": float(tk.config["ckanext.urbanaudit.http.backoff"]),
        "max_wait": float(tk.config["ckanext.urbanaudit.http.max_wait"]),
        "allow": tuple(tk.aslist(tk.config["ckanext.urbanaudit.http.allow"] or ())),
        "max_bytes": int(tk.config["ckanext.urbanaudit.http.max_bytes"]),
        "deadline": float(tk.config["ckanext.urbanaudit.http.deadline"]),
        "max_pages": int(tk.config["ckanext.urbanaudit.http.max_pages"]),
    }


def gone_records() -> str:
    return tk.config["ckanext.urbanaudit.harvest.gone_records"]


def harvest_full_compare_hours() -> float:
    """Hours between two full comparisons of a source that can answer what changed since a time."""
    return float(tk.config["ckanext.urbanaudit.harvest.full_compare_hours"])


def max_withdraw_share() -> float:
    """The largest share of a source's records one harvest job may withdraw (0 to 1)."""
    return float(tk.config["ckanext.urbanaudit.harvest.max_withdraw_share"])


def bdl_client_id() -> str:
    return tk.config["ckanext.urbanaudit.source.bdl_client_id"]


def home_headline_indicators() -> int:
    return tk.config["ckanext.urbanaudit.home.headline_indicators"]


def dcat_dumps_at_once() -> int:
    return tk.config["ckanext.urbanaudit.dcat.dumps_at_once"]


def home_cache_seconds() -> int:
    return tk.config["ckanext.urbanaudit.home.cache_seconds"]


def stale_after_years() -> int:
    return tk.config["ckanext.urbanaudit.indicators.stale_after_years"]


def compute_after_upsert() -> bool:
    return bool(tk.config.get("ckanext.urbanaudit.indicators.compute_after_upsert"))


def quality_recompute_on_update() -> bool:
    return tk.config["ckanext.urbanaudit.quality.recompute_on_update"]


def steward_link_allow() -> tuple[str, ...]:
    """The non-public hosts a link a steward typed may reach: the link check, the content check, xloader's load and
    the previews' proxies read such links (the harvesters' configured sources have their own list, http.allow)."""
    return tuple(tk.config["ckanext.urbanaudit.quality.link_check_allow"] or ())


def link_check_settings() -> dict:
    """Keyword arguments of quality.linkcheck.Settings from the configuration."""
    return {
        "allow": steward_link_allow(),
        "timeout": float(tk.config["ckanext.urbanaudit.quality.link_check_timeout"]),
        "max_bytes": int(tk.config["ckanext.urbanaudit.quality.link_check_max_bytes"]),
        "max_redirects": int(tk.config["ckanext.urbanaudit.quality.link_check_max_redirects"]),
        "deadline": float(tk.config["ckanext.urbanaudit.quality.link_check_deadline"]),
    }


def link_recheck_hours() -> int:
    return int(tk.config["ckanext.urbanaudit.quality.link_recheck_hours"])


def inventory_import_batch_rows() -> int:
    """Rows of an imported questionnaire written and committed together."""
    return max(1, int(tk.config["ckanext.urbanaudit.inventory.import_batch_rows"]))


def inventory_max_upload_bytes() -> int:
    """The largest questionnaire file the inventory import reads, in bytes."""
    return int(tk.config["ckanext.urbanaudit.inventory.max_upload_bytes"])


def audit_team_organization() -> str:
    """Name of the organization whose members are the analytic team (they review and approve values)."""
    return tk.config["ckanext.urbanaudit.audit.team_organization"]


def audit_change_threshold() -> float:
    """Default year-over-year change (percent) beyond which a submitted value is flagged for review."""
    return float(tk.config["ckanext.urbanaudit.audit.change_threshold"])


def audit_default_due() -> str:
    """Default due day ("MM-DD", in the year after the reporting year) of an indicator without its own."""
    return tk.config["ckanext.urbanaudit.audit.default_due"]


def qol_min_themes() -> int:
    """ISO 37120 themes that must have a score before the quality-of-life composite is shown."""
    return int(tk.config["ckanext.urbanaudit.qol.min_themes"])


def qol_min_core_share() -> float:
    """Share (0-1) of the ISO 37120:2014 core indicators that must have counted values for the composite."""
    return float(tk.config["ckanext.urbanaudit.qol.min_core_share"])


def qol_count_flags() -> list[str]:
    """Flag classes (partial, provisional, estimated) whose values count in the scaled values and the composite."""
    return [str(f) for f in tk.aslist(tk.config["ckanext.urbanaudit.qol.count_flags"] or ())]


def qol_min_reference_cities() -> int:
    """Portal cities with a counted value in the period needed before an indicator's value is scaled."""
    return int(tk.config["ckanext.urbanaudit.qol.min_reference_cities"])


def site_id() -> str:
    """CKAN's ``ckan.site_id``: keeps the keys of several sites apart in a shared Redis."""
    return tk.config["ckan.site_id"]


def requests_anonymous() -> bool:
    """Anonymous visitors may file data requests."""
    return tk.asbool(tk.config["ckanext.urbanaudit.requests.anonymous"])


def requests_rate_limit() -> tuple[int, int]:
    """Data requests allowed per window: (count, seconds) from ``count/seconds``."""
    count, _, seconds = str(tk.config["ckanext.urbanaudit.requests.rate_limit"]).partition("/")
    return int(count), int(seconds or 3600)


def comments_moderation() -> bool:
    """Comments wait for a moderator's approval before they are public."""
    return tk.asbool(tk.config["ckanext.urbanaudit.comments.moderation"])


def comments_rate_limit() -> tuple[int, int]:
    """At most this many comments (first) per window of seconds (second) from one user; 0 comments: no limit."""
    count, _, seconds = str(tk.config["ckanext.urbanaudit.comments.rate_limit"]).partition("/")
    return int(count.strip() or 0), int(seconds.strip() or 3600)


def guide_text(slug: str, lang: str) -> str:
    """A sysadmin's Markdown text of a guide page in a language ("" when the shipped default is used)."""
    return str(tk.config.get(f"ckanext.urbanaudit.guide.{slug}.{lang}") or "")


def content_check_on_save() -> bool:
    return tk.asbool(tk.config["ckanext.urbanaudit.contents.check_on_save"])


def content_check_settings() -> dict:
    """Limits of the content check of one file (ckanext.urbanaudit.contents.jobs)."""
    return {"max_bytes": int(tk.config["ckanext.urbanaudit.contents.max_bytes"]),
            "deadline": float(tk.config["ckanext.urbanaudit.contents.deadline"]),
            "max_rows": int(tk.config["ckanext.urbanaudit.contents.max_rows"])}
