"""Typed getters for the extension's configuration (defaults live in config_declaration.yaml)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def city() -> str:
    return tk.config["ckanext.urbanaudit.city"]


def synthetic_banner() -> bool:
    return tk.config["ckanext.urbanaudit.synthetic_banner"]


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
    }


def gone_records() -> str:
    return tk.config["ckanext.urbanaudit.harvest.gone_records"]


def bdl_client_id() -> str:
    return tk.config["ckanext.urbanaudit.source.bdl_client_id"]


def home_headline_indicators() -> int:
    return tk.config["ckanext.urbanaudit.home.headline_indicators"]


def home_cache_seconds() -> int:
    return tk.config["ckanext.urbanaudit.home.cache_seconds"]
