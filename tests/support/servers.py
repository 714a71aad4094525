"""Small real HTTP servers on 127.0.0.1 for the crawler tests, each in a thread."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer
from typing import TypeVar

Server = TypeVar("Server", bound=BaseServer)
Route = tuple[int, dict[str, str], bytes]


@contextlib.contextmanager
def serving(server: Server) -> Iterator[Server]:
    # A short poll interval, so shutting down takes milliseconds, not half a second.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def page(html: str) -> Route:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()


def redirect(location: str, status: int = 302) -> Route:
    return status, {"Location": location, "Content-Type": "text/html"}, b""


def status(code: int) -> Route:
    return code, {"Content-Type": "text/plain"}, f"HTTP {code}".encode()


class TinySite(ThreadingHTTPServer):
    """Answers ``routes`` (path with query -> status, headers, body), 404 otherwise, and
    records every request: method, path, Host header and arrival time."""

    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[dict[str, object]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "host": self.headers.get("Host"),
                        "user_agent": self.headers.get("User-Agent"),
                        "at": time.time(),
                    }
                )
                code, headers, body = site.routes.get(self.path, status(404))
                self.send_response(code)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_PATCH = do_GET  # the Execution API stand-in of the naming tests

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def paths(self) -> list[str]:
        return [str(request["path"]) for request in self.requests]
