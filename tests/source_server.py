"""A real HTTP server on 127.0.0.1 that stands where the outside world would be.

It replays recorded responses from ../shared/fixtures. Routes are registered
per test (or once, by demo.sources for the offline demo):
``server.route(path, handler)`` where the handler gets the parsed query (dict
of lists) and returns (status, content type, body bytes). Used by the tests
and the demo only; production harvesters talk to the live APIs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

# ../shared beside the project root (read-only in CI); URBANAUDIT_SHARED overrides it
# (needed when the package is not run from a source checkout).
SHARED = Path(os.environ.get("URBANAUDIT_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
FIXTURES = SHARED / "fixtures"

Handler = Callable[[dict[str, list[str]]], tuple[int, str, bytes]]
PostHandler = Callable[[dict[str, list[str]], bytes], tuple[int, str, bytes]]


def fixture_path(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.is_file():
        raise FileNotFoundError(f"missing recorded fixture {path}")
    return path


def load_json(relative: str):
    return json.loads(fixture_path(relative).read_text("utf-8"))


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-answer (a browser cancelling a map tile it no longer shows) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SourceServer:
    def __init__(self, port: int = 0, not_found: bytes = b'{"error": "not found"}') -> None:
        """``port`` 0 = any free port (tests); the demo uses a fixed one. ``not_found``: the 404 body."""
        self.routes: dict[str, Handler] = {}
        self.post_routes: dict[str, PostHandler] = {}
        self.raw_routes: dict[str, Callable[[str], tuple[int, str | dict, bytes]]] = {}  # get the query as sent
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []  # request headers, in the order of self.requests
        self.etags = False  # when True: answers carry an ETag and If-None-Match gets 304
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append("POST " + self.path)
                server.headers.append(dict(self.headers.items()))
                payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                handler = server.post_routes.get(parts.path)
                if handler is None:
                    self._respond(404, "application/json", not_found)
                else:
                    self._respond(*handler(parse_qs(parts.query), payload))

            def do_HEAD(self) -> None:
                self.head_only = True
                self.do_GET()

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(self.path)
                server.headers.append(dict(self.headers.items()))
                handler = server.routes.get(parts.path)
                if parts.path in server.raw_routes:
                    status, ctype, body = server.raw_routes[parts.path](parts.query)
                elif handler is None:
                    status, ctype, body = 404, "application/json", not_found
                else:
                    status, ctype, body = handler(parse_qs(parts.query))
                self._respond(status, ctype, body)

            def _respond(self, status, ctype, body) -> None:
                extra = {}
                if isinstance(ctype, dict):  # a handler may give headers: {"Content-Type": ..., "Retry-After": ...}
                    extra, ctype = ctype, ctype.get("Content-Type", "application/json")
                if server.etags and status == 200:
                    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                    extra["ETag"] = etag
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for name, value in extra.items():
                    if name != "Content-Type":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not getattr(self, "head_only", False):
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", port), _Handler)
        # A short poll so that stop() returns at once: shutdown() waits for serve_forever's next poll (0.5 s
        # by default), which every test using the server paid at teardown.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def route_post(self, path: str, handler: PostHandler) -> None:
        """A POST route: the handler gets the parsed query and the request body."""
        self.post_routes[path] = handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


MODIFIED_SINCE = re.compile(r"metadata_modified:\[(\S+?)Z? TO \*\]")


def ckan_package_search(packages: list[dict]) -> Handler:
    """CKAN's package_search over ``packages`` with ``rows``/``start`` paging, honouring a filter query's
    ``metadata_modified:[<ISO time>Z TO *]`` as CKAN's Solr does (other filters are ignored)."""

    def handler(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        rows = int(query.get("rows", ["10"])[0])
        start = int(query.get("start", ["0"])[0])
        since = MODIFIED_SINCE.search(query.get("fq", [""])[0])
        selected = [p for p in packages if since is None or str(p.get("metadata_modified", "")) >= since.group(1)]
        page = selected[start : start + rows]
        body = {"success": True, "result": {"count": len(selected), "results": page}}
        return 200, "application/json", json.dumps(body).encode("utf-8")

    return handler


def bdl_paged(url: str, results: Callable[[dict[str, list[str]]], list], **envelope) -> Handler:
    """A GUS BDL list answer around real ``results``: the recorded pyBDL samples keep only the results, so the
    paging envelope of the live API (totalRecords, page, pageSize, links.first/self/next/last) is built here,
    honouring the request's ``page`` (from 0) and ``page-size``."""

    def handler(query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        rows = results(query)
        size = int(query.get("page-size", ["10"])[0])
        page = int(query.get("page", ["0"])[0])
        last = max(0, (len(rows) - 1) // size)
        others = [(k, v) for k, values in query.items() if k not in ("page", "page-size") for v in values]

        def link(number: int) -> str:
            return url + "?" + urlencode([*others, ("page", number), ("page-size", size)])

        links = {"first": link(0), "self": link(page), "last": link(last)}
        if page < last:
            links["next"] = link(page + 1)
        body = {**envelope, "totalRecords": len(rows), "page": page, "pageSize": size, "links": links,
                "results": rows[page * size:(page + 1) * size]}
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")

    return handler
