"""A fault-injecting HTTP proxy on 127.0.0.1, shared by the MLflow and forge fault tests.

The real clients (MLflow's REST client, PyGithub, python-gitlab) talk to the proxy; the proxy
forwards to an upstream (a real ``mlflow server`` or the local GitHub/GitLab fakes) except for
the requests a test chose to break:

- ``status(500)``, ``status(429)``, ``status(429, retry_after="1")``: answered by the proxy, never
  forwarded (the server refused: nothing happened upstream);
- ``CLOSE``: the connection is closed before any answer, the request not forwarded;
- ``HANG``: the request is read and never answered (the connection stays open);
- ``DRIP``: the request is answered ``200`` with a body that never ends, one byte every 0.2 s
  (a per-read timeout never fires: only a deadline for the whole run stops it);
- ``LOST_ANSWER``, ``TRUNCATED_ANSWER``, ``HUNG_ANSWER``: the request IS forwarded (a comment is
  created upstream) and then its answer is lost: the connection closed before a byte, closed half
  way through the answer, or never answered.

A rule breaks the next ``times`` requests matching a method and a path regex (``times=None``:
every one). Every request is recorded (method, path, query, body, the fault applied, when), and
each fault applied is counted per proxy and in :data:`INJECTED` for the whole test session (the
terminal summary prints it). Answers from upstream are relayed whole with their URLs rewritten to
the proxy's address (PyGithub follows the URLs it is given).
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import BinaryIO, Literal
from urllib.parse import urlsplit

FaultKind = Literal[
    "status", "close", "hang", "drip", "lost_answer", "truncated_answer", "hung_answer"
]

INJECTED: Counter[str] = Counter()
"""Faults applied in this test session, by label (``500``, ``429+Retry-After``, ``hang``…)."""
RELAYED: Counter[str] = Counter()
"""Requests forwarded to an upstream in this session (``ok``) — the retries that got through."""

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "upgrade",
    "content-length",
    "content-encoding",
}


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int | None = None
    retry_after: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "status":
            return f"{self.status}" + ("+Retry-After" if self.retry_after is not None else "")
        return self.kind

    @property
    def forwarded(self) -> bool:
        """Whether the request reaches upstream (its effect happens) before the answer is lost."""
        return self.kind in ("lost_answer", "truncated_answer", "hung_answer")


def status(code: int, *, retry_after: str | None = None) -> Fault:
    """Answer ``code`` (with ``Retry-After`` when given) instead of forwarding."""
    return Fault("status", code, retry_after)


CLOSE = Fault("close")
HANG = Fault("hang")
DRIP = Fault("drip")
LOST_ANSWER = Fault("lost_answer")
TRUNCATED_ANSWER = Fault("truncated_answer")
HUNG_ANSWER = Fault("hung_answer")


@dataclass
class _Rule:
    fault: Fault
    method: str | None
    path: re.Pattern[str] | None
    times: int | None

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.fullmatch(path) is not None


@dataclass(frozen=True)
class Seen:
    """One request as the proxy received it."""

    method: str
    path: str
    query: str
    body: bytes
    fault: str | None
    """The label of the fault applied, None when forwarded and answered normally."""
    at: float
    """``time.monotonic()`` when the request was read."""


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class FaultProxy:
    """The proxy in front of ``upstream`` (``http://127.0.0.1:PORT``); see the module docstring."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.requests: list[Seen] = []
        self.injected: Counter[str] = Counter()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- the test's side ---------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Apply ``fault`` to the next ``times`` requests (None: all) matching method and path."""
        with self._lock:
            self._rules.append(
                _Rule(fault, method, re.compile(path) if path is not None else None, times)
            )

    def clear(self) -> None:
        """Forget the rules not used up yet (the upstream is healthy again)."""
        with self._lock:
            self._rules.clear()

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        """The recorded requests matching ``method`` and the regex ``path`` (full match)."""
        pattern = re.compile(path) if path is not None else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (pattern is None or pattern.fullmatch(r.path))
        ]

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    @property
    def faults(self) -> int:
        return sum(self.injected.values())

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for connection in list(self._connections):
                _shut(connection)

    # --- the proxy's side --------------------------------------------------------------------

    def _serve(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
        reader = connection.makefile("rb")
        try:
            while not self._stopping.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                if not self._answer(connection, request):
                    return
        except OSError:
            return
        finally:
            reader.close()
            with self._lock:
                self._connections.discard(connection)
            _shut(connection)

    def _answer(self, connection: socket.socket, request: _Request) -> bool:
        """Answer one request; False when the connection must end."""
        split = urlsplit(request.target)
        fault = self._take(request.method, split.path)
        with self._lock:
            self.requests.append(
                Seen(
                    request.method,
                    split.path,
                    split.query,
                    request.body,
                    fault.label if fault else None,
                    time.monotonic(),
                )
            )
        if fault is None:
            connection.sendall(self._forward(request))
            RELAYED["ok"] += 1
            return (request.header("Connection") or "").lower() != "close"
        if fault.kind == "status":
            connection.sendall(_injected_answer(fault))
            return True
        if fault.kind == "close":
            return False
        if fault.kind == "hang":
            self._hang(connection)
            return False
        if fault.kind == "drip":
            self._drip(connection)
            return False
        answer = self._forward(request)  # the effect happens upstream; the answer is lost
        if fault.kind == "truncated_answer":
            head, _, body = answer.partition(b"\r\n\r\n")
            connection.sendall(head + b"\r\n\r\n" + body[: len(body) // 2] if body else head[:10])
        elif fault.kind == "hung_answer":
            self._hang(connection)
        return False

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                    self.injected[rule.fault.label] += 1
                    INJECTED[rule.fault.label] += 1
                    return rule.fault
        return None

    def _hang(self, connection: socket.socket) -> None:
        """Say nothing until the client gives up (closes) or the proxy stops."""
        while not self._stopping.is_set():
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable:
                try:
                    if not connection.recv(65536):
                        return
                except OSError:
                    return

    def _drip(self, connection: socket.socket) -> None:
        """A 200 whose JSON body trickles in, a space every 0.2 s, until the client leaves."""
        try:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            connection.sendall(b"Content-Length: 100000000\r\n\r\n{")
            while not self._stopping.wait(0.2):
                connection.sendall(b" ")
        except OSError:
            return

    def _forward(self, request: _Request) -> bytes:
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            headers = {
                k: v
                for k, v in request.headers
                if k.lower() not in _HOP_BY_HOP and k.lower() not in ("host", "accept-encoding")
            }
            headers["Host"] = f"{self.upstream_host}:{self.upstream_port}"
            upstream.request(request.method, request.target, request.body or None, headers)
            answer = upstream.getresponse()
            body = self._rewrite(answer.read())
            lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
            for key, value in answer.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    lines.append(
                        f"{key}: {self._rewrite(value.encode('latin-1')).decode('latin-1')}"
                    )
            if request.method == "HEAD" or answer.status in (204, 304):
                body = b""
            else:
                lines.append(f"Content-Length: {len(body)}")
            lines.append("Connection: keep-alive")
            return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        finally:
            upstream.close()

    def _rewrite(self, data: bytes) -> bytes:
        """Upstream's own URLs pointed at the proxy (answers name their server's address)."""
        for host in (self.upstream_host, "localhost", "127.0.0.1"):
            data = data.replace(
                f"//{host}:{self.upstream_port}".encode(), f"//127.0.0.1:{self.port}".encode()
            )
        return data


def _read_request(reader: BinaryIO) -> _Request | None:
    readline = reader.readline
    line = readline(65537)
    while line in (b"\r\n", b"\n"):  # tolerate stray blank lines between requests
        line = readline(65537)
    if not line:
        return None
    method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        raw = readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        key, _, value = raw.decode("latin-1").partition(":")
        headers.append((key.strip(), value.strip()))
    request = _Request(method, target, version, headers, b"")
    if (request.header("Transfer-Encoding") or "").lower() == "chunked":
        raise OSError("chunked request bodies are not supported by the fault proxy")
    length = int(request.header("Content-Length") or 0)
    request.body = reader.read(length) if length else b""
    return request


def _injected_answer(fault: Fault) -> bytes:
    body = (
        f'{{"message": "{fault.status} injected by the fault proxy", '
        f'"error_code": "TEMPORARILY_UNAVAILABLE"}}'
    ).encode()
    reason = http.client.responses.get(fault.status or 500, "Error")
    lines = [
        f"HTTP/1.1 {fault.status} {reason}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if fault.retry_after is not None:
        lines.append(f"Retry-After: {fault.retry_after}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _shut(connection: socket.socket) -> None:
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A started :class:`FaultProxy` in front of ``upstream``, stopped afterwards."""
    proxy = FaultProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@dataclass
class Stopwatch:
    """Wall time of a block (``with Stopwatch() as watch: ...; watch.seconds``)."""

    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.started
