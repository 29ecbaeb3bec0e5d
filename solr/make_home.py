"""Write a Solr home with one core, ``ckan``, for an embedded Solr 9.

Usage: python solr/make_home.py SOLR_HOME

The core's schema is the ``schema.xml`` shipped in the installed ``ckan``
package, plus the float fields that ckanext-spatial's ``solr-bbox`` backend
indexes.  The schema file is copied (never linked) and read by the classic
schema factory, so Solr does not rename or rewrite it.  Running the script
again rewrites the configuration and keeps the index data.
"""
from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

LUCENE_MATCH_VERSION = "9.12"  # Solr 9.10.1 ships Lucene 9.12.x

# ckanext-spatial, solr-bbox backend: the fields its index_dataset() writes
SPATIAL_FIELDS = "\n".join(
    f'    <field name="{name}" type="float" indexed="true" stored="true"/>'
    for name in ("bbox_area", "maxx", "maxy", "minx", "miny")
)

SOLRCONFIG = f"""<?xml version="1.0" encoding="UTF-8"?>
<config>
  <luceneMatchVersion>{LUCENE_MATCH_VERSION}</luceneMatchVersion>
  <dataDir>${{solr.data.dir:}}</dataDir>
  <schemaFactory class="ClassicIndexSchemaFactory"/>
  <updateHandler class="solr.DirectUpdateHandler2">
    <updateLog><str name="dir">${{solr.ulog.dir:}}</str></updateLog>
    <!-- as Solr's _default configset: a durable hard commit every 15 s without opening a searcher, so that a
         client may make its updates visible with a cheap soft commit (ckanext.urbanaudit.indexing does) -->
    <autoCommit><maxTime>${{solr.autoCommit.maxTime:15000}}</maxTime><openSearcher>false</openSearcher></autoCommit>
    <autoSoftCommit><maxTime>${{solr.autoSoftCommit.maxTime:1000}}</maxTime></autoSoftCommit>
  </updateHandler>
  <query>
    <maxBooleanClauses>1024</maxBooleanClauses>
  </query>
  <requestHandler name="/select" class="solr.SearchHandler">
    <lst name="defaults">
      <str name="echoParams">explicit</str>
      <int name="rows">10</int>
      <str name="df">text</str>
    </lst>
  </requestHandler>
</config>
"""


def ckan_schema() -> str:
    schema = (files("ckan") / "config" / "solr" / "schema.xml").read_text("utf-8")
    if 'name="bbox_area"' not in schema:
        schema = schema.replace("</fields>", SPATIAL_FIELDS + "\n</fields>", 1)
    return schema


def write_home(home: Path) -> None:
    conf = home / "ckan" / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (home / "solr.xml").write_text("<solr></solr>\n", "utf-8")
    (home / "ckan" / "core.properties").write_text("name=ckan\n", "utf-8")
    (conf / "solrconfig.xml").write_text(SOLRCONFIG, "utf-8")
    (conf / "schema.xml").write_text(ckan_schema(), "utf-8")
    for name in ("synonyms.txt", "protwords.txt", "stopwords.txt"):
        (conf / name).touch()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_home(Path(sys.argv[1]))
