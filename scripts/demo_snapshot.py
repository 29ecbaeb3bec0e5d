#!/usr/bin/env python3
"""Answers of a fixed list of public API actions and pages of a running demo, written to a folder
so that two runs (before and after a refactoring) can be compared with ``diff -r``.

    python scripts/demo_snapshot.py OUT_DIR [--base http://127.0.0.1:5000]

What changes on its own between runs is blanked: timestamps, CSRF tokens, the webassets' cache
busters, the ``Date``-like values of the feed. Everything else must be identical.
Uses only the standard library, so it runs outside the virtualenv too.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

INDICATOR = "EUROSTAT:urb_cpop1:DE1001V"
ACTIONS: list[tuple[str, dict]] = [
    ("package_search", {"q": "*:*", "rows": 1000, "sort": "name asc"}),
    ("package_search", {"fq": "dataset_type:dataset", "rows": 100, "sort": "name asc",
                        "facet.field": '["organization","vocab_iso37120_theme"]'}),
    ("organization_list", {"all_fields": "true"}),
    ("urbanaudit_city_list", {}),
    ("urbanaudit_city_show", {"id": "2661011"}),
    ("urbanaudit_city_show", {"id": "lublin"}),
    ("urbanaudit_indicator_list", {}),
    ("urbanaudit_indicator_list", {"theme": "13", "limit": 20}),
    ("urbanaudit_indicator_list", {"limit": "x"}),
    ("urbanaudit_indicator_show", {"id": INDICATOR, "city": "kielce"}),
    ("urbanaudit_indicator_show", {"id": "UA:population_change"}),
    ("urbanaudit_indicator_show", {"id": "NO:such"}),
    ("urbanaudit_indicator_values", {"indicator_code": INDICATOR}),
    ("urbanaudit_indicator_values", {"indicator_code": INDICATOR, "city": "kielce,lublin", "limit": 5}),
    ("urbanaudit_gaps", {}),
    ("urbanaudit_quality_list", {}),
    ("urbanaudit_quality_list", {"limit": 5, "offset": 2}),
    ("current_package_list_with_resources", {}),
    ("urbanaudit_danegovpl_report", {}),
    ("urbanaudit_inventory_import", {}),
    ("urbanaudit_indicator_compute", {}),
]
PAGES = [
    "/", "/en/", "/dataset/", "/dataset/?q=kielce", "/indicator", "/indicator?theme=13", "/en/indicator",
    f"/indicator/{INDICATOR}", f"/indicator/{INDICATOR}?city=lublin", f"/indicator/{INDICATOR}?format=csv",
    f"/indicator/{INDICATOR}?format=json", "/city", "/city/2661011", "/en/city/2661011", "/gaps", "/en/gaps",
    "/dla-badaczy", "/quality", "/quality.csv", "/inventory/", "/inventory/import", "/inventory/export.xlsx",
    "/catalog.ttl", "/catalog.rdf", "/dane-gov-pl.xml", "/dane-gov-pl.md5", "/dane-gov-pl", "/organization/",
]
BLANK = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<timestamp>"),
    (re.compile(r'(name="_csrf_token"[^>]*value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="_csrf_token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r"(/webassets/[^\"']+?)-[0-9a-f]{8,}(\.(js|css))"), r"\1-<hash>\2"),
    (re.compile(r'("?generated"?\s*[:=]\s*")[^"]*'), r"\1<generated>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<md5>"),
    (re.compile(r"\bN[0-9a-f]{32}\b"), "<bnode>"),
]


def _normalise(text: str) -> str:
    for pattern, repl in BLANK:
        text = pattern.sub(repl, text)
    return text


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _name(i: int, label: str) -> str:
    return f"{i:02d}_" + re.sub(r"[^A-Za-z0-9._-]+", "_", label)[:120]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, (action, params) in enumerate(ACTIONS):
        url = f"{args.base}/api/3/action/{action}?{urllib.parse.urlencode(params)}"
        status, ctype, body = _get(url)
        try:
            data = json.loads(body)
            if isinstance(data, dict):
                data.pop("help", None)
            text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        except ValueError:
            text = body.decode("utf-8", "replace")
        (out / f"api_{_name(i, action + '_' + urllib.parse.urlencode(params))}.txt").write_text(
            f"{status} {ctype}\n{_normalise(text)}\n", "utf-8")
    for i, page in enumerate(PAGES):
        status, ctype, body = _get(args.base + page)
        text = f"<{len(body)} bytes of binary>" if "spreadsheet" in ctype else body.decode("utf-8", "replace")
        (out / f"page_{_name(i, page)}.txt").write_text(f"{status} {ctype}\n{_normalise(text)}\n", "utf-8")
    print(f"{len(ACTIONS)} API calls and {len(PAGES)} pages written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
