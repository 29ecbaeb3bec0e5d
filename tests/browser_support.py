"""What the browser tests share: the test app served over HTTP on 127.0.0.1 (werkzeug in a thread), headless
Chromium (Debian's chromium + chromedriver) driven by selenium, page loading with a screenshot in
tests/screenshots/, the browser console's errors, and axe-core (pinned in tests/browser/package-lock.json,
installed by scripts/setup.sh) run on a page with the WCAG 2.0/2.1 A and AA rules.

The fixtures are registered for the whole suite by tests/conftest.py (pytest_plugins)."""
from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib import jobs
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # one line per asset would bury a failure's report
        pass


@pytest.fixture
def server(app, monkeypatch):
    """The test app's WSGI application served by werkzeug in a thread (its site URL is the server's)."""
    # RQ keeps its Redis connection per thread and CKAN connects once, when the first queue is made: make it here,
    # in the test's thread, or a job enqueued by a page served in the server's thread leaves the test's thread
    # without a connection for every later worker of the session
    jobs.get_queue()
    httpd = make_server("127.0.0.1", 0, app.app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{httpd.server_port}"
    monkeypatch.setitem(tk.config, "ckan.site_url", url)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; each test starts with no cookies and the desktop window size."""
    profile = tempfile.mkdtemp(prefix="ua-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1280,1600", "--lang=pl"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    """The module's browser, reset for one test: cookies of the last test's server gone, console log read."""
    browser.set_window_size(1280, 1600)
    yield browser
    browser.delete_all_cookies()
    browser.get_log("browser")


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def wait_loaded(driver, ready: str = "footer", replacing=None) -> None:
    """Wait for the document to be complete and to hold an element matching `ready`. After a click or a key that
    loads another page, pass the old page's <html> element as `replacing` (or use `page_change`): the old page,
    still complete and with its own footer, would otherwise satisfy the wait before the new one arrives."""
    if replacing is not None:
        WebDriverWait(driver, 20).until(expected_conditions.staleness_of(replacing))
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))


@contextlib.contextmanager
def page_change(driver, ready: str = "footer"):
    """``with page_change(driver): link.click()``: the block loads another page; on leaving, the old page is gone
    and the new one loaded (see wait_loaded)."""
    old = driver.find_element(By.TAG_NAME, "html")
    yield
    wait_loaded(driver, ready, replacing=old)


def open_page(driver, url: str, name: str, ready: str = "footer") -> None:
    """Load url, wait for the document and for an element matching `ready`, save a screenshot `name`.png."""
    driver.get(url)
    wait_loaded(driver, ready)
    screenshot(driver, name)


def login(driver, server: str, user: str, password: str) -> None:
    """Log ``user`` in through CKAN's real login form (cookies of an earlier user dropped first)."""
    driver.delete_all_cookies()
    open_page(driver, f"{server}/user/login", f"login-{user}")
    driver.find_element(By.ID, "field-login").send_keys(user)
    with page_change(driver):
        driver.find_element(By.ID, "field-password").send_keys(password, Keys.ENTER)


def axe_violations(driver, impacts=SERIOUS) -> list[dict]:
    """Run axe-core on the loaded page with the WCAG 2.0/2.1 A and AA rules; the violations of the given impacts."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/setup.sh (npm ci in tests/browser)")
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done({error: String(e)}));", WCAG_AA)
    if isinstance(result, dict):
        pytest.fail(f"axe-core failed on {driver.current_url}: {result['error']}")
    return [v for v in result if v["impact"] in impacts]


def describe(url: str, violations: list[dict]) -> str:
    """axe-core's violations, readable: rule id, impact, help text and URL, the elements (CSS target) and why."""
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            why = (node.get("failureSummary") or "").replace("\n", " ")[:300]
            lines.append(f"      {' '.join(map(str, node['target']))} — {why}")
        if len(v["nodes"]) > 8:
            lines.append(f"      … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
