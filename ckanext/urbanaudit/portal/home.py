"""What the home page shows: EU themes with counts, the latest, best-described and most-used data sets,
and the headline indicators of the portal's city with their trends.

Every list is read as the visitor may see it (package_search and ``urbanaudit_city_show`` with the
visitor's context; the most used among the public, active data sets only): private data sets and private
indicators never show to those outside their department.

"Most used" is measured honestly with what the portal records: CKAN 2.11 keeps no page views or downloads,
so the home page ranks the public data sets by how many of the city's indicators take their values from them
(``source_ref`` of a value, or of an input of a computed value) and says so.

The summary for anonymous visitors is kept in CKAN's Redis for ``ckanext.urbanaudit.home.cache_seconds``, one
entry per site and language shared by every web worker (a production server runs several processes: a cache per
process would be built once per worker and go stale apart), and rebuilt sooner when a data set or an indicator
value changes (the newest modification time of each is checked on every request: two indexed ``max()`` queries
instead of four Solr searches and the city's dashboard). Redis down: the page is built, not cached.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import ckan.plugins.toolkit as tk
import redis
import sqlalchemy as sa
from ckan import model
from ckan.lib.redis import connect_to_redis

from ckanext.urbanaudit import config, vocabularies
from ckanext.urbanaudit.indicators import report as indicator_report

MOST_USED = 5
log = logging.getLogger(__name__)


def _key(lang: str) -> str:
    return f"{config.site_id()}:urbanaudit:home:{lang}"


def summary(user: str | None, lang: str) -> dict[str, Any]:
    """The home page's data for ``user`` (None: an anonymous visitor) in ``lang`` (pl/en)."""
    ttl = config.home_cache_seconds()
    if user or ttl <= 0:
        return build(user, lang)
    stamp = json.dumps(_fingerprint(), default=str)
    try:
        connection = connect_to_redis()
        hit = connection.get(_key(lang))
    except redis.RedisError as error:
        log.warning("home page cache unavailable: %s", error)
        return build(None, lang)
    if hit:
        cached = json.loads(hit)
        if cached["stamp"] == stamp:
            return cached["data"]
    # what a template reads comes back from JSON as it went in: the summary holds JSON types only (dates as ISO
    # text, as package_search gives them)
    data = json.loads(json.dumps(build(None, lang), default=str))
    try:
        connection.set(_key(lang), json.dumps({"stamp": stamp, "data": data}), ex=ttl)
    except redis.RedisError as error:
        log.warning("home page cache unavailable: %s", error)
    return data


def clear_cache() -> None:
    try:
        connect_to_redis().delete(*(_key(lang) for lang in ("pl", "en")))
    except redis.RedisError as error:
        log.warning("home page cache unavailable: %s", error)


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever a data set is created, edited or deleted or an indicator value is stored."""
    datasets = model.Session.execute(sa.select(sa.func.max(model.Package.metadata_modified),
                                               sa.func.count(model.Package.id))).one()
    return (*datasets, indicator_report.last_change(), config.city())


def build(user: str | None, lang: str) -> dict[str, Any]:
    context = {"user": user or ""}
    search = tk.get_action("package_search")
    # one search gives the count, the themes' counts and the latest records
    faceted = search(dict(context), {"fq": "+dataset_type:dataset", "rows": 5, "sort": "metadata_modified desc",
                                     "facet.field": ["vocab_theme"], "facet.limit": 50})
    counts = faceted["facets"].get("vocab_theme", {})
    themes = [{"value": c["value"], "label": c["label"].get(lang) or c["label"]["pl"],
               "code": c["value"].rsplit("/", 1)[-1], "count": counts.get(c["value"], 0)}
              for c in vocabularies.choices("data-theme")]
    best = search(dict(context), {"fq": "+dataset_type:dataset +quality_score:[* TO *]", "rows": 5,
                                  "sort": "quality_score desc, metadata_modified desc"})
    city = city_headline(context, config.home_headline_indicators())
    most_used = _most_used(city["city"]["teryt"]) if city["city"] else []
    return {"total": faceted["count"], "themes": themes, "latest": faceted["results"], "best": best["results"],
            "city": city, "most_used": most_used}


def city_headline(context: dict, limit: int) -> dict[str, Any]:
    """The portal's city and up to ``limit`` headline indicators: the leading indicator of each theme first
    (those with a trend before those without), then the next of each theme."""
    try:
        dashboard = tk.get_action("urbanaudit_city_show")(dict(context), {"targets": False})
    except tk.ObjectNotFound:
        return {"city": None, "indicators": [], "with_values": 0}
    rounds = [sorted(t["indicators"], key=lambda e: e["trend"] is None) for t in dashboard["themes"]]
    picked: list[dict] = []
    depth = max((len(r) for r in rounds), default=0)
    for i in range(depth):
        picked += [r[i] for r in rounds if i < len(r)]
    return {"city": dashboard["city"], "indicators": picked[:limit],
            "with_values": dashboard["composite"]["indicators_with_values"]}


def _most_used(teryt: str) -> list[dict]:
    # public, active data sets only (what every visitor may read), by the fields the page shows
    return [{"package": {"id": r.id, "name": r.name, "title": r.title}, "indicators": r.indicators}
            for r in indicator_report.most_used_sources(teryt, MOST_USED)]
