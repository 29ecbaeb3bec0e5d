"""The browser tests' own machinery (item 19 of issue 13): waiting for the page a click loads, not for the page
being replaced; a storage folder of the session's own, so no cache of an earlier run is read."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ckan.plugins.toolkit as tk
import pytest
from selenium.webdriver.common.by import By

from ckanext.urbanaudit.danegovpl import feed
from tests.browser_support import open_page, page_change

PAGES = {
    "/first": '<html><body><a id="next" href="/second">next</a><footer>first</footer></body></html>',
    "/second": '<html><body><p id="second">second</p><footer>second</footer></body></html>',
}


class _SlowSecondPage(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/second":
            time.sleep(1.5)  # a page that takes a while to arrive, as a form save does
        body = PAGES[self.path].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SlowSecondPage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()


def test_item_19_after_a_click_the_wait_is_for_the_new_page_not_the_old_one(page, slow_site):
    open_page(page, f"{slow_site}/first", "support-first")
    # the old page is complete and has its footer: a wait for those alone returns before the new page arrives
    with page_change(page):
        page.find_element(By.ID, "next").click()
    assert page.find_elements(By.ID, "second"), page.current_url
    assert page.current_url.endswith("/second")


def test_item_19_each_test_session_has_a_fresh_storage_folder(_fresh_storage_path, tmp_path_factory):
    """test.ini's ckan.storage_path (a fixed folder under /tmp) is replaced by one of this session, under pytest's
    temporary folder, so the dane.gov.pl feed cache of an earlier run (built by older code) is never read."""
    storage = tk.config["ckan.storage_path"]
    assert storage == str(_fresh_storage_path)
    assert _fresh_storage_path.is_relative_to(tmp_path_factory.getbasetemp())
    assert feed.cache_dir().is_relative_to(_fresh_storage_path)
