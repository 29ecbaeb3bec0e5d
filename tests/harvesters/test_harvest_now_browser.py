"""A harvest started from ckanext-harvest's page ends "Finished", as in the demo: a sysadmin clicks "Reharvest" on
the source's admin page in headless Chromium (with CSRF protection on, as in production), and the job runs through
the processes the demo runs beside the portal (scripts/demo-run.sh): the gather and fetch consumers and
scripts/harvest-scheduler.sh (`ckan harvester run` every few seconds: it queues the requested job, then marks it
finished), started here against the test ini, with Eurostat on the local source server."""
from __future__ import annotations

import configparser
import os
import subprocess
import time
from pathlib import Path

import pytest
from ckan.tests import factories, helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from ckanext.urbanaudit.cities.city_file import load
from tests.browser_support import open_page, page_change, screenshot
from tests.source_server import fixture_path

ROOT = Path(__file__).resolve().parents[2]
CKAN = ROOT / ".venv" / "bin" / "ckan"
URB_CPOP1 = "eurostat/urb_cpop1_DE1001V_PL001C-PL058C_trimmed.json"
SOURCE = "lublin-eurostat-urban-audit"


def worker_ini(test_ini: str, tmp_path: Path, settings: dict[str, str]) -> Path:
    """The test ini with `settings` added, for processes of their own (a relative `use = config:` made absolute)."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read(test_ini, encoding="utf-8")
    use = parser.get("app:main", "use")
    if use.startswith("config:") and not os.path.isabs(use[len("config:"):]):
        parser.set("app:main", "use", "config:" + str(Path(test_ini).resolve().parent / use[len("config:"):]))
    for key, value in settings.items():
        parser.set("app:main", key, value)
    path = tmp_path / "workers.ini"
    with open(path, "w", encoding="utf-8") as f:
        parser.write(f)
    return path


@pytest.fixture
def demo_workers(request, source_server, tmp_path, session_storage_path):
    """The harvest processes of the demo, against the test database, Redis and the local source server."""
    ini = worker_ini(request.config.getoption("--ckan-ini"), tmp_path, {
        "ckanext.urbanaudit.source.eurostat_url": source_server.url,
        "ckanext.urbanaudit.http.retries": "0",
        "ckan.storage_path": str(session_storage_path),
    })
    env = dict(os.environ, VENV=str(ROOT / ".venv"), HARVEST_RUN_INTERVAL="2")
    commands = [[str(CKAN), "-c", str(ini), "harvester", "gather-consumer"],
                [str(CKAN), "-c", str(ini), "harvester", "fetch-consumer"],
                [str(ROOT / "scripts" / "harvest-scheduler.sh"), str(ini)]]
    logs = [open(tmp_path / f"worker-{n}.log", "wb") for n in range(len(commands))]  # noqa: SIM115
    processes = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                 for c, log in zip(commands, logs, strict=True)]
    try:
        yield tmp_path
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def worker_logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-3000:]}" for p in sorted(folder.glob("*.log")))


@pytest.fixture
def lublin_source(clean, source_server, ckan_config, monkeypatch):
    """Lublin's city file (its sources take their base URL from the config: the local source server), its Eurostat
    source harvested on request only (the scheduler would start a due one), the recorded urb_cpop1 answer served."""
    monkeypatch.setitem(ckan_config, "ckanext.urbanaudit.source.eurostat_url", source_server.url)
    body = fixture_path(URB_CPOP1).read_bytes()
    source_server.route("/data/urb_cpop1", lambda query: (200, "application/json", body))
    load(ROOT / "schemas" / "cities" / "lublin.yaml")
    source = helpers.call_action("harvest_source_patch", {"user": factories.Sysadmin()["name"]},
                                 id=SOURCE, frequency="MANUAL")
    assert source["frequency"] == "MANUAL" and source["url"].startswith(source_server.url)
    return source


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", True)
def test_item_24_harvest_now_from_the_harvest_page_ends_finished_with_its_counts(lublin_source, server, page,
                                                                                demo_workers):
    source = lublin_source
    factories.Sysadmin(name="admin", password="correct-horse-123")

    open_page(page, f"{server}/en/user/login", "harvest-now-0-login")
    page.find_element(By.ID, "field-login").send_keys("admin")
    with page_change(page):
        page.find_element(By.ID, "field-password").send_keys("correct-horse-123", Keys.ENTER)

    open_page(page, f"{server}/en/harvest/admin/{source['id']}", "harvest-now-1-admin")
    page.find_element(By.XPATH, "//a[normalize-space(.)='Reharvest']").click()
    confirm = WebDriverWait(page, 10).until(lambda d: [
        b for b in d.find_elements(By.CSS_SELECTOR, ".modal.show .btn-primary, .modal.in .btn-primary")
        if b.is_displayed()])
    with page_change(page):
        confirm[0].click()  # the confirm-action module posts the form, with the CSRF token
    assert "Harvest will start shortly" in page.page_source, page.current_url

    deadline = time.monotonic() + 180  # the scheduler runs every 2 s; each `ckan` process takes a few to start
    while True:
        open_page(page, f"{server}/en/harvest/{SOURCE}/job/last", "harvest-now-2-job")
        status = page.find_element(By.XPATH, "//th[normalize-space(.)='Status']/following-sibling::td").text
        if status == "Finished" or time.monotonic() > deadline:
            break
        time.sleep(2)
    screenshot(page, "harvest-now-3-finished")
    assert status == "Finished", f"job still {status!r}\n{worker_logs(demo_workers)}"
    counts = {e.get_attribute("data-diff"): e.text.split()[0]
              for e in page.find_elements(By.CSS_SELECTOR, "[data-diff]")}
    assert counts == {"error": "0", "added": "1", "updated": "0", "deleted": "0", "not modified": "0"}, (
        f"{counts}\n{page.find_element(By.TAG_NAME, 'body').text[:3000]}\n{worker_logs(demo_workers)}")
    values = helpers.call_action("urbanaudit_indicator_values", indicator_code="EUROSTAT:urb_cpop1:DE1001V",
                                 city="kielce")
    assert {r["period"]: r["value"] for r in values}["2023"] == 182295
