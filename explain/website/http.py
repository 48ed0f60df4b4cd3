"""HTTP hardening around the ASGI app of ``rothkb serve``: what uvicorn and Starlette leave open.

- :class:`Guard` (ASGI middleware, outermost): security headers on every response, a 4xx for
  paths with control characters or over :data:`MAX_PATH`, one log line per request (method,
  path, status, duration; never a body), and a JSON 500 instead of a traceback.
- :class:`Protocol` (uvicorn's h11 protocol): a deadline for each request head, so a client that
  connects and sends nothing, or trickles its headers, is disconnected; a cap on open connections
  (the over-limit one gets 503 at once); security headers and JSON on uvicorn's own 400.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["Guard", "Protocol", "SECURITY_HEADERS", "MAX_PATH", "ENV_HEAD_TIMEOUT", "is_api", "safe_text", "raw_response"]

#: Longest accepted path, in bytes (the site's longest is under 100).
MAX_PATH = 2048
#: Environment variable with the seconds a client has to send a whole request head (default 10).
ENV_HEAD_TIMEOUT = "ROTHKB_SERVE_HEAD_TIMEOUT"
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_NAMES = {name for name, _ in SECURITY_HEADERS} | {b"server"}
LOG = logging.getLogger("rothkb.serve")


def is_api(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (errors there are JSON, elsewhere HTML)."""
    return path.startswith("/api/") or path == "/healthz"


def safe_text(text: str, limit: int = 200) -> str:
    """``text`` for a log line: control characters escaped, cut at ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def _error(status: int, message: str) -> bytes:
    return (json.dumps({"error": {"field": "", "message": message}}) + "\n").encode()


def raw_response(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP/1.1 response that closes the connection, for answers given below the app."""
    body = _error(status, message)
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}", "connection: close"]
    head += [f"{k.decode()}: {v.decode()}" for k, v in SECURITY_HEADERS]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Guard:
    """The outermost ASGI middleware (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [0]

        async def send_secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        path = scope.get("path", "")
        try:
            if len(scope.get("raw_path") or b"") > MAX_PATH or len(path) > MAX_PATH:
                await _respond(send_secured, 414, f"the path is too long (at most {MAX_PATH:,} bytes)")
            elif not path.isprintable():
                await _respond(send_secured, 400, "the path contains control characters")
            else:
                await self.app(scope, receive, send_secured)
        except Exception as exc:  # a bug: one log line, and a 500 if nothing was sent yet
            what = f"{type(exc).__name__}: {safe_text(str(exc))}"
            LOG.error("internal error on %s %s: %s", safe_text(scope.get("method", ""), 10), safe_text(path), what)
            if not status[0]:
                await _respond(send_secured, 500, "internal error; it has been logged")
        finally:
            took = (time.perf_counter() - start) * 1000
            LOG.info("%s %s %s %.1fms", safe_text(scope.get("method", ""), 10), safe_text(path), status[0] or "-", took)


async def _respond(send: Any, status: int, message: str) -> None:
    body = _error(status, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers.append((b"connection", b"close"))  # a malformed request: do not wait for another on this connection
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head deadline and a connection cap (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The cap is applied to connections here; uvicorn's own check (per request) is turned off so
        # that the last allowed connection is not refused.
        self.max_connections, self.limit_concurrency = self.limit_concurrency, None
        self.head_timeout = float(os.environ.get(ENV_HEAD_TIMEOUT) or 10)
        self.head_timer: Any = None
        self.rejected = False

    def _reject(self, response: bytes) -> None:
        """Answer and close gracefully: shut our side, read (and drop) what the client still sends for
        a second, then close; closing at once with unread input would reset the connection, and the
        client would lose the answer.
        """
        self.rejected = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(1.0, self.transport.close)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            self._reject(raw_response(503, "Service Unavailable", "too many connections; try again shortly"))
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if not self.rejected:
            super().data_received(data)

    def _arm(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        self.head_timer = self.loop.call_later(self.head_timeout, self._head_expired)

    def _head_expired(self) -> None:
        self.head_timer = None
        if self.transport.is_closing() or self.rejected or (self.cycle is not None and not self.cycle.response_complete):
            return  # closed already, or a request is being answered (its body has its own deadline)
        self._reject(raw_response(408, "Request Timeout", f"no complete request within {self.head_timeout:g} s"))

    def handle_events(self) -> None:
        cycle = self.cycle
        try:
            super().handle_events()
        except Exception:  # noqa: BLE001 - a request head h11 accepts but uvicorn cannot decode
            self.send_400_response("Invalid HTTP request received.")
            return
        if self.cycle is not cycle and self.head_timer is not None:
            self.head_timer.cancel()  # a whole request head arrived
            self.head_timer = None

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._arm()  # the next request head has the same deadline (keep-alive closes idle ones sooner)
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing() and not self.rejected:
            self._reject(raw_response(400, "Bad Request", "malformed HTTP request (request line, headers or Content-Length)"))
