"""The portal under the production WSGI server `make demo` and the docker image use: gunicorn with several worker
processes serving ``ckanext.urbanaudit.wsgi``, and the home page's cache shared by them through Redis."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
import requests
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    suite_ini = Path(tk.config["__file__"]).resolve()
    text = re.sub(r"^use = config:(?!/)(\S+)", lambda m: f"use = config:{suite_ini.parent / m[1]}",
                  suite_ini.read_text("utf-8"), flags=re.M)
    ini = tmp_path / "cached.ini"   # the suite's ini with the home page's cache on
    ini.write_text(re.sub(r"^ckanext\.urbanaudit\.home\.cache_seconds = .*$",
                          "ckanext.urbanaudit.home.cache_seconds = 300", text, flags=re.M), "utf-8")
    env = dict(os.environ, CKAN_INI=str(ini))
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"),
                               "ckanext.urbanaudit.wsgi:make_application()", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                if requests.get(f"{base}/api/3/action/status_show", timeout=5).ok:
                    break
            except requests.RequestException:  # refused, or slow while the workers build the app
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_the_portal_answers_through_gunicorn_workers_and_its_home_cache_is_in_redis(gunicorn):
    key = f"{tk.config['ckan.site_id']}:urbanaudit:home:pl"
    redis = connect_to_redis()
    redis.delete(key)
    pages = [requests.get(f"{gunicorn}/", timeout=60) for _ in range(4)]
    assert all(p.status_code == 200 and "Portal" in p.text for p in pages)
    assert pages[0].headers["Server"].startswith("gunicorn")
    # the cache one worker wrote is in Redis, where the other workers (and this test's process) read it
    assert redis.exists(key) and 0 < redis.ttl(key) <= 300


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_a_whole_catalogue_dump_through_gunicorn_gives_its_place_back_once_sent(gunicorn):
    factories.Dataset(name="rejestr-drzew", title="Rejestr drzew", owner_org=factories.Organization()["id"])
    place = f"{tk.config['ckan.site_id']}:urbanaudit:dcat-dump:0"  # one dump at a time (the default)
    redis = connect_to_redis()
    redis.delete(place)
    for _ in range(2):  # the second is answered: the first gave its place back once sent
        response = requests.get(f"{gunicorn}/catalog/all.ttl", timeout=60)
        assert response.status_code == 200 and "Rejestr drzew" in response.text
        for _ in range(50):  # the worker closes the answer just after its last bytes
            if redis.get(place) is None:
                break
            time.sleep(0.1)
        assert redis.get(place) is None
