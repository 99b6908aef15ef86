"""The ground every platform fake stands on.

A fake is a small, stateful imitation of one platform's HTTP API: it remembers blocks, hidden
comments, time-outs and bans, answers with the platform's real error shapes and rate-limit
responses, and counts every request so tests can prove an effect was applied exactly once.

It is served on a real local socket (`with fake.serve() as base_url:`), so the code under test uses
its ordinary HTTP client — githubkit, slack-sdk, httpx — and a worker in another process (the fault
tests kill and restart one) reaches the same fake. It can also act as an httpx transport in-process.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handler = Callable[..., httpx.Response]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Injected:
    """A response the fake gives instead of handling matching requests, `times` times."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    method: str | None = None
    path: str | None = None  # a regular expression matched against the path


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    mutates: bool


class FakePlatform:
    """Subclasses register routes in `__init__` with `self.route(method, path_regex, handler)`.

    A handler gets `(call, **path_groups)` and returns an httpx.Response (use `self.reply`). Requests
    with no route get a 404 in the subclass's error shape (`not_found`).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.injected: list[Injected] = []
        self._routes: list[_Route] = []
        self._handled: list[tuple[Call, _Route]] = []
        self.hold: threading.Event | None = None  # set by tests to stall requests (the fault tests)
        self.arrived = threading.Event()

    # Routes and replies -------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler, *, mutates: bool | None = None) -> None:
        self._routes.append(
            _Route(method.upper(), re.compile(f"^{pattern}$"), handler, mutates if mutates is not None else method.upper() != "GET")
        )

    @staticmethod
    def reply(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        if isinstance(body, (bytes, str)):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    def not_found(self, call: Call) -> httpx.Response:
        return self.reply(404, {"message": "Not Found"})

    def rate_limited(self, retry_after: float = 1.0) -> Injected:
        """The platform's own rate-limit answer; subclasses give the real shape and headers."""
        return Injected(429, {"message": "rate limited"}, {"Retry-After": str(int(retry_after))})

    # Faults -------------------------------------------------------------------------------------

    def inject(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        with self.lock:
            self.injected.append(Injected(status, body, headers or {}, times, method, path))

    def inject_rate_limit(self, *, times: int = 1, retry_after: float = 1.0, method: str | None = None, path: str | None = None) -> None:
        item = self.rate_limited(retry_after)
        item.times, item.method, item.path = times, method, path
        with self.lock:
            self.injected.append(item)

    def _take_injected(self, call: Call) -> Injected | None:
        for item in self.injected:
            if item.method and item.method.upper() != call.method:
                continue
            if item.path and not re.search(item.path, call.path):
                continue
            item.times -= 1
            if item.times <= 0:
                self.injected.remove(item)
            return item
        return None

    # Counting -----------------------------------------------------------------------------------

    def mutations(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """The state-changing requests that were handled (not the injected failures), optionally filtered."""
        with self.lock:
            return [
                call
                for call, route in self._handled
                if route.mutates and (method is None or call.method == method.upper()) and (path is None or re.search(path, call.path))
            ]

    # Dispatch -----------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        call = Call(
            method=request.method.upper(),
            path=request.url.path,
            query=dict(request.url.params),
            headers={key.lower(): value for key, value in request.headers.items()},
            body=request.read(),
        )
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(timeout=60)
        with self.lock:
            self.calls.append(call)
            injected = self._take_injected(call)
            if injected is not None:
                return self.reply(injected.status, injected.body, injected.headers)
            for route in self._routes:
                if route.method != call.method:
                    continue
                match = route.pattern.match(call.path)
                if match:
                    response = route.handler(call, **match.groupdict())
                    self._handled.append((call, route))
                    return response
            return self.not_found(call)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the fake on 127.0.0.1 at a free port; yields the base URL (no trailing slash)."""
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each kept-alive request waits ~40 ms for a delayed ACK

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}"
                request = httpx.Request(self.command, url, headers=list(self.headers.items()), content=body)
                response = fake.handle(request)
                payload = response.content
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        server.daemon_threads = True
        # A short poll interval: shutdown waits for the loop's next poll, at every test's end.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            if self.hold is not None:
                self.hold.set()
            server.shutdown()
            server.server_close()
