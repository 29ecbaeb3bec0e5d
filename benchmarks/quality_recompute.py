"""Benchmark: full quality recompute over N data sets vs. the same work one data set at a time via the action.

    CKAN_SQLALCHEMY_URL=... CKAN_SITE_ID=... CKAN_REDIS_URL=... \\
        .venv/bin/python benchmarks/quality_recompute.py -c test.ini [--datasets 10000] [--sample 300]

Run it against a database of its own (e.g. your test database: the test suite resets it anyway). It
inserts N synthetic inventory records straight into the tables (one department of 10 % of them, one of the
rest), scores them, prints figures, and deletes what it made. No link checks (nothing leaves the machine).

Figures, all in this one process:
  A  full recompute, first computation (every score is new: N history rows inserted)
  B  full recompute again (steady state: scores confirmed, no new rows)
  C  peak Python memory (tracemalloc) of a full recompute over 10 % and over 100 % of the records:
     the recompute streams batches, so the peak should not grow with N
  D  the per-dataset path: urbanaudit_quality_recompute(id=...) called for a random sample, steady state,
     extrapolated to N (labelled), and its ratio to B
  E  Solr re-index of data sets whose score changed, measured on a sample and extrapolated (the full
     recompute does this after scoring, or leaves it to background jobs with --reindex queue)
"""
from __future__ import annotations

import argparse
import json
import random
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

EU = "http://publications.europa.eu/resource/authority/"
FORMATS = [("CSV", "text/csv"), ("XLSX", ""), ("PDF", "application/pdf"), ("GeoJSON", "application/geo+json"),
           ("", ""), ("JSON", "application/json"), ("SHP", "")]
FREQ = ["ANNUAL", "MONTHLY", "DAILY", "IRREG", "NEVER", "QUARTERLY", ""]


def synthetic_rows(n: int, orgs: tuple[str, str], seed: int = 7):  # noqa: PLR0912
    """Rows for package, package_extra, package_tag and resource tables: varied, so scores spread."""
    rnd = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    packages, extras, tags, resources = [], [], [], []
    for i in range(n):
        pid = str(uuid.uuid4())
        org = orgs[0] if i < n // 10 else orgs[1]
        packages.append({"id": pid, "name": f"bench-quality-{i:05d}", "title": f"Zbiór syntetyczny {i}",
                         "notes": "Rekord syntetyczny benchmarku." if rnd.random() < 0.9 else "",
                         "type": "dataset", "state": "active", "owner_org": org, "private": rnd.random() < 0.1,
                         "license_id": rnd.choice(["cc-by", "cc-zero", "other-closed", "notspecified", ""]),
                         "metadata_created": now - timedelta(days=900), "metadata_modified": now})

        def extra(key, value, pid=pid):
            extras.append({"id": str(uuid.uuid4()), "package_id": pid, "key": key, "value": value, "state": "active"})

        if rnd.random() < 0.7:
            extra("theme", json.dumps([EU + "data-theme/ENVI"]))
        freq = rnd.choice(FREQ)
        if freq:
            extra("frequency", EU + "frequency/" + freq)
        if rnd.random() < 0.6:
            extra("access_rights", EU + "access-right/" + rnd.choice(["PUBLIC", "RESTRICTED"]))
        if rnd.random() < 0.5:
            extra("contact", json.dumps([{"name": "Wydział", "email": "w@um.example"}]))
        if rnd.random() < 0.5:
            extra("temporal_coverage", json.dumps([{"start": "2020-01-01"}]))
        if rnd.random() < 0.4:
            extra("spatial_coverage", json.dumps([{"text": "Kielce"}]))
        if rnd.random() < 0.5:
            extra("modified", (now - timedelta(days=rnd.randint(0, 900))).date().isoformat())
        if rnd.random() < 0.5:
            extra("issued", "2020-01-01")
        extra("publication_status", "draft")
        if rnd.random() < 0.8:
            tags.append((pid, rnd.randrange(20)))
        for position in range(rnd.randint(0, 3)):
            fmt, mime = rnd.choice(FORMATS)
            res_extras = {}
            if rnd.random() < 0.4:
                res_extras["download_url"] = f"https://dane.example/{i}/{position}.csv"
            if rnd.random() < 0.3:
                res_extras["rights"] = "CC BY"
            resources.append({"id": str(uuid.uuid4()), "package_id": pid, "url": f"https://dane.example/{i}/{position}",
                              "format": fmt, "mimetype": mime or None,
                              "size": rnd.choice([None, 1024]), "position": position, "state": "active",
                              "extras": json.dumps(res_extras), "created": now, "metadata_modified": now,
                              "url_type": None})
    return packages, extras, tags, resources


def insert(n: int, orgs: tuple[str, str]) -> list[str]:
    from ckan import model

    packages, extras, tags, resources = synthetic_rows(n, orgs)
    conn = model.Session.connection()
    tag_ids = []
    for t in range(20):
        tag_id = str(uuid.uuid4())
        tag_ids.append(tag_id)
        conn.execute(model.tag_table.insert(), {"id": tag_id, "name": f"bench-tag-{t}", "vocabulary_id": None})
    for table, rows in ((model.package_table, packages), (model.package_extra_table, extras),
                        (model.resource_table, resources)):
        for start in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[start:start + 5000])
    conn.execute(model.package_tag_table.insert(), [
        {"id": str(uuid.uuid4()), "package_id": pid, "tag_id": tag_ids[t], "state": "active"} for pid, t in tags])
    model.Session.commit()
    return [p["id"] for p in packages]


def cleanup(ids: list[str], org_ids: list[str]) -> None:
    import sqlalchemy as sa
    from ckan import model

    from ckanext.urbanaudit.quality.model import QualityScore

    s = model.Session
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        s.execute(sa.delete(QualityScore.__table__).where(QualityScore.package_id.in_(chunk)))
        s.execute(sa.delete(model.package_tag_table).where(model.package_tag_table.c.package_id.in_(chunk)))
        s.execute(sa.delete(model.package_extra_table).where(model.package_extra_table.c.package_id.in_(chunk)))
        s.execute(sa.delete(model.resource_table).where(model.resource_table.c.package_id.in_(chunk)))
        s.execute(sa.delete(model.package_table).where(model.package_table.c.id.in_(chunk)))
    s.execute(sa.delete(model.tag_table).where(model.tag_table.c.name.like("bench-tag-%")))
    s.commit()
    for org_id in org_ids:
        import ckan.plugins.toolkit as tk

        tk.get_action("organization_purge")({"ignore_auth": True}, {"id": org_id})


def clear_scores(ids: list[str]) -> None:
    import sqlalchemy as sa
    from ckan import model

    from ckanext.urbanaudit.quality.model import QualityScore

    for start in range(0, len(ids), 5000):
        model.Session.execute(sa.delete(QualityScore.__table__).where(
            QualityScore.package_id.in_(ids[start:start + 5000])))
    model.Session.commit()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def peak_mib(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", default="test.ini")
    parser.add_argument("--datasets", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=300, help="data sets for the per-dataset action path")
    parser.add_argument("--reindex-sample", type=int, default=50)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.config))
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan import model

        from ckanext.urbanaudit.quality import store

        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        context = {"user": site_user["name"], "ignore_auth": True}
        orgs = [tk.get_action("organization_create")(
            dict(context), {"name": f"bench-quality-{k}-{uuid.uuid4().hex[:6]}"}) for k in ("small", "large")]
        org_ids = [o["id"] for o in orgs]
        n = args.datasets
        print(f"Inserting {n} synthetic records (direct inserts) ...", flush=True)
        t_insert, ids = timed(lambda: insert(n, (org_ids[0], org_ids[1])))
        print(f"  inserted in {t_insert:.1f} s")
        reindexed: list[str] = []
        try:
            t_a, stats = timed(lambda: store.recompute(reindex="none"))
            bands = dict(sorted(stats.bands.items()))
            print(f"A  full recompute, first computation: {stats.datasets} data sets in {t_a:.2f} s "
                  f"({stats.datasets / t_a:.0f}/s), {stats.new_rows} history rows; bands {bands}")
            t_b, stats_b = timed(lambda: store.recompute(reindex="none"))
            print(f"B  full recompute, steady state:      {stats_b.datasets} data sets in {t_b:.2f} s "
                  f"({stats_b.datasets / t_b:.0f}/s), {stats_b.new_rows} new rows, {stats_b.confirmed} confirmed")

            small = peak_mib(lambda: store.recompute(org=orgs[0]["name"], reindex="none"))
            full = peak_mib(lambda: store.recompute(reindex="none"))
            print(f"C  peak Python memory (tracemalloc): {n // 10} data sets {small:.1f} MiB, "
                  f"{n} data sets {full:.1f} MiB (ratio {full / small:.2f} for 10x the data sets)")

            sample = random.Random(3).sample(ids, min(args.sample, len(ids)))
            action = tk.get_action("urbanaudit_quality_recompute")
            t_d, _ = timed(lambda: [action(dict(context), {"id": pid}) for pid in sample])
            per = t_d / len(sample)
            print(f"D  per-dataset action path, steady state: {len(sample)} calls in {t_d:.2f} s "
                  f"({per * 1000:.1f} ms each); EXTRAPOLATED to {n}: {per * n:.0f} s")
            print(f"   ratio per-dataset path / full recompute (steady state, B): {per * n / t_b:.1f}x")

            re_sample = sample[: args.reindex_sample]
            reindexed.extend(re_sample)
            t_e, _ = timed(lambda: store.reindex_now(re_sample))
            print(f"E  Solr re-index after a score change: {len(re_sample)} data sets in {t_e:.2f} s "
                  f"({t_e / len(re_sample) * 1000:.1f} ms each); EXTRAPOLATED to {n}: {t_e / len(re_sample) * n:.0f} s "
                  f"(only data sets whose score or band changed are re-indexed)")
            target = "MET" if t_a < 60 else "MISSED"
            print(f"Target (full recompute of {n} data sets < 60 s, without link checks): {target} "
                  f"(first computation {t_a:.1f} s, steady state {t_b:.1f} s)")
        finally:
            from ckan.lib.search import index_for

            index = index_for(model.Package)
            for pid in reindexed:
                index.delete_package({"id": pid})
            cleanup(ids, org_ids)
            print("cleaned up the synthetic records")


if __name__ == "__main__":
    main()
