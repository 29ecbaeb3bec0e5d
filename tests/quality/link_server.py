"""A 127.0.0.1 server with the behaviours link checks meet (HEAD refused, ranges, redirects, 404)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"id;gatunek\n" + b"1;lipa\n" * 5000  # 35 kB


class LinkServer:
    """127.0.0.1 server with the behaviours link checks meet: HEAD refused, ranges, redirects, 404."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, headers, body=b""):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(body)

            def _route(self):
                outer.requests.append((self.command, self.path))
                path = self.path
                if path == "/ok.csv":
                    return self._send(200, {"Content-Type": "text/csv; charset=utf-8",
                                            "Content-Length": str(len(BODY))}, BODY)
                if path == "/nohead.csv":
                    if self.command == "HEAD":
                        return self._send(405, {"Content-Length": "0"})
                    first, last = self.headers["Range"].split("=")[1].split("-")
                    chunk = BODY[int(first):int(last) + 1]
                    end = int(first) + len(chunk) - 1
                    return self._send(206, {"Content-Type": "text/csv", "Content-Length": str(len(chunk)),
                                            "Content-Range": f"bytes {first}-{end}/{len(BODY)}"}, chunk)
                if path.startswith("/redirect?to="):
                    return self._send(302, {"Location": path.split("=", 1)[1], "Content-Length": "0"})
                return self._send(404, {"Content-Type": "text/plain", "Content-Length": "9"}, b"not found")

            do_GET = _route
            do_HEAD = _route

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
