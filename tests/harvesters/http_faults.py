"""A 127.0.0.1 server whose answers misbehave the way a hostile or broken source does: it writes raw bytes,
so it can also trickle an answer, cut it short or reset the connection (tests/source_server.py answers only
whole responses)."""
from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Behaviour = Callable[[BaseHTTPRequestHandler, dict[str, list[str]]], None]


def send(handler: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes, *, length: bool = True,
         headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    else:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    handler.wfile.write(body)


def answer(status: int, ctype: str, body: bytes, **options) -> Behaviour:
    return lambda handler, query: send(handler, status, ctype, body, **options)


def redirect(location: str) -> Behaviour:
    return lambda handler, query: send(handler, 302, "text/plain", b"", headers={"Location": location})


def reset(handler: BaseHTTPRequestHandler, query: dict) -> None:
    """The connection is reset (RST) before any answer."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def _drip(handler: BaseHTTPRequestHandler, first: bytes, byte: bytes, count: int, every: float) -> None:
    """Write ``first``, then ``byte`` ``count`` times, one every ``every`` seconds (until the client leaves)."""
    try:
        handler.wfile.write(first)
        for _ in range(count):
            handler.wfile.write(byte)
            handler.wfile.flush()
            time.sleep(every)
    except OSError:
        pass


def trickle(seconds: float = 20, every: float = 0.2) -> Behaviour:
    """A 200 answer whose body comes one byte at a time, for ``seconds``: never a read timeout."""

    def behaviour(handler: BaseHTTPRequestHandler, query: dict) -> None:
        total = int(seconds / every)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        _drip(handler, b"", b" ", total, every)

    return behaviour


def slow_headers(seconds: float = 20, every: float = 0.2) -> Behaviour:
    """The status line and then one header byte at a time, for ``seconds``: never a read timeout, never a
    complete answer (HEAD or GET)."""

    def behaviour(handler: BaseHTTPRequestHandler, query: dict) -> None:
        handler.close_connection = True
        _drip(handler, b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", int(seconds / every), every)

    return behaviour


def sleep_then(seconds: float, then: Behaviour) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler, query: dict) -> None:
        time.sleep(seconds)
        with contextlib.suppress(OSError):
            then(handler, query)

    return behaviour


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                outer.requests.append(self.path)
                behaviour = outer.routes.get(parts.path)
                if behaviour is None:
                    send(self, 404, "application/json", b'{"error": "not found"}')
                else:
                    behaviour(self, parse_qs(parts.query))

            do_HEAD = do_GET

            def finish(self) -> None:
                with contextlib.suppress(OSError):
                    super().finish()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def route(self, path: str, behaviour: Behaviour) -> None:
        self.routes[path] = behaviour

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
