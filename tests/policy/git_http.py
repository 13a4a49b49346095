"""A real git server over HTTP on 127.0.0.x for the tests: ``git http-backend`` behind a small
CGI bridge that records every request (method, path, headers).

It can require a token (401 without the expected ``Authorization`` header) or redirect every
request to another server, to test where credentials go.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class GitHttpServer:
    """``url_of(name)`` serves the bare repository ``root/name``."""

    root: Path
    host: str
    port: int = 0
    requests: list[SeenRequest] = field(default_factory=list)
    token: str | None = None
    """When set, every request must carry ``Authorization: Basic base64(user:token)``."""
    redirect_to: str | None = None
    """When set, every request is answered with a 302 to this base URL plus the same path."""

    def url_of(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}"

    def headers_seen(self) -> list[str]:
        return [f"{k}: {v}" for request in self.requests for k, v in request.headers.items()]


def _handler(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            server.requests.append(SeenRequest(self.command, self.path, dict(self.headers)))
            if server.redirect_to is not None:
                self.send_response(302)
                self.send_header("Location", server.redirect_to + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if server.token is not None and not self._authorised(server.token):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="policies"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._cgi()

        def _authorised(self, token: str) -> bool:
            given = self.headers.get("Authorization", "")
            if not given.startswith("Basic "):
                return False
            decoded = base64.b64decode(given[len("Basic ") :]).decode()
            return decoded.partition(":")[2] == token

        def _cgi(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            env = {
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": self.client_address[0],
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            }
            completed = subprocess.run(
                ["git", "http-backend"], input=body, capture_output=True, env=env, check=False
            )
            head, _, payload = completed.stdout.partition(b"\r\n\r\n")
            status = 200
            headers: list[tuple[str, str]] = []
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve_git(root: Path, host: str = "127.0.0.1") -> Iterator[GitHttpServer]:
    """Serve the bare repositories under ``root`` on ``host`` until the block ends."""
    server = GitHttpServer(root, host)
    httpd = ThreadingHTTPServer((host, 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
