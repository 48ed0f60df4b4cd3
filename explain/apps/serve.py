"""``rothkb serve``: the FAQ site plus a "check my situation" page, on the standard library's
threading HTTP server (``KnowledgeBase.explain`` is thread-safe).

Binds 127.0.0.1 by default. A submission larger than 64 KiB is refused with 413 before it is
read; a malformed one gets 400 with a message; every value a user typed is HTML-escaped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from engine import KnowledgeBase, load_knowledge
from engine.errors import InputError, RothkbError, UsageError
from explain.website.build import build_date, build_site, get_env
from explain.website.form import SubmissionError, form_context, form_groups, parse_form, problem_messages, submitted_goal
from explain.website.gather import explanation_html
from explain.website.pages import FACT_GROUPS

__all__ = ["configure", "make_server", "MAX_BODY"]

#: Largest accepted submission, in bytes.
MAX_BODY = 64 * 1024
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    ),
}


class _App:
    """What every request needs: the knowledge, the built site and the templates."""

    def __init__(self, kb: KnowledgeBase, site: Path) -> None:
        self.kb, self.site, self.env = kb, site.resolve(), get_env()
        self.common = {
            "version": kb.version,
            "short_version": kb.version[:12],
            "build_date": build_date(),
            "with_check": True,
            "root": "",
            "kb": kb.knowledge,
            "groups": form_groups(kb, FACT_GROUPS),
        }

    def page(self, template: str, **ctx: Any) -> bytes:
        return self.env.get_template(template).render(self.common, **ctx).encode("utf-8")

    def check(self, values: dict[str, Any] | None = None, errors: list[str] | None = None, goal: str = "") -> bytes:
        ctx = form_context(self.kb, dict(values or {}, **({"goal": goal} if goal else {})), errors)
        return self.page("check.html.j2", title="Check my situation", **ctx)

    def explain(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        try:
            raw = parse_form(self.kb, body, content_type)
        except SubmissionError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(errors=[str(exc)])
        try:
            exp = self.kb.explain(raw, "form")
        except InputError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(raw, problem_messages(self.kb, exc), submitted_goal(body))
        except RothkbError as exc:
            return HTTPStatus.BAD_REQUEST, self.check(raw, [exc.format_message()])
        except Exception as exc:  # noqa: BLE001 - a bug in the rules: say so, keep serving
            return HTTPStatus.INTERNAL_SERVER_ERROR, self.page(
                "message.html.j2",
                title="500 Internal error",
                message=f"The rules engine failed on these facts ({type(exc).__name__}: {exc}). Please report it.",
            )
        ctx = form_context(self.kb, dict(raw, goal=submitted_goal(body)))
        return HTTPStatus.OK, self.page(
            "check_result.html.j2", title="Your explanation", exp=exp, explanation=explanation_html(exp, self.kb), **ctx
        )


class _Handler(BaseHTTPRequestHandler):
    app: _App
    server_version = "rothkb"
    quiet = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        if not self.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in _HEADERS.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        body = self.app.page("message.html.j2", title=f"{status} {HTTPStatus(status).phrase}", message=message)
        self._send(status, body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = unquote(urlsplit(self.path).path)
        if path in ("/check", "/check/"):
            self._send(HTTPStatus.OK, self.app.check())
            return
        target = (self.app.site / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.app.site) or not target.is_file() or target.name.startswith("."):
            self._error(HTTPStatus.NOT_FOUND, f"There is no page at {path}.")
            return
        self._send(HTTPStatus.OK, target.read_bytes(), _TYPES.get(target.suffix, "application/octet-stream"))

    do_HEAD = do_GET  # noqa: N815

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path not in ("/check", "/check/"):
            self._error(HTTPStatus.NOT_FOUND, "Only the check my situation form accepts submissions (POST /check).")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            self._error(HTTPStatus.BAD_REQUEST, "The submission has no valid Content-Length.")
            return
        if int(length) > MAX_BODY:
            self.close_connection = True  # the body is not read: do not reuse the connection
            self._error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The submission is too large ({int(length):,} bytes; at most {MAX_BODY:,})."
            )
            return
        body = self.rfile.read(int(length))
        status, page = self.app.explain(body, self.headers.get("Content-Type", ""))
        self._send(status, page)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: Room for a burst of simultaneous connections (the default listen backlog is 5).
    request_queue_size = 256


def make_server(
    kb: KnowledgeBase, host: str = "127.0.0.1", port: int = 8000, site: Path | None = None
) -> tuple[ThreadingHTTPServer, Any]:
    """A ready server (not yet serving) and a cleanup function; ``port=0`` picks a free port.

    Args:
        kb: The knowledge base.
        host: Address to bind.
        port: Port to bind.
        site: A site built by :func:`~explain.site_build.build_site` with ``with_check=True``
            (default: built now into a temporary folder, removed by the cleanup function).

    """
    tmp = None
    if site is None:
        tmp = tempfile.TemporaryDirectory(prefix="rothkb-site-")
        site = Path(tmp.name) / "site"
        build_site(kb, site, with_check=True)
    handler = type("Handler", (_Handler,), {"app": _App(kb, site)})
    server = _Server((host, port), handler)

    def cleanup() -> None:
        server.server_close()
        if tmp is not None:
            tmp.cleanup()

    return server, cleanup


def cmd_serve(args: argparse.Namespace) -> int:
    """``rothkb serve [--host 127.0.0.1] [--port 8000]``."""
    kb = load_knowledge(args.knowledge)
    try:
        server, cleanup = make_server(kb, args.host, args.port)
    except OSError as exc:
        raise UsageError(f"rothkb serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = server.server_address[:2]
    print(f"rothkb serve: http://{escape(str(host))}:{port}/ (check my situation: /check); Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("rothkb serve: stopped", file=sys.stderr)
    finally:
        cleanup()
    return 0


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb serve``; returns its handler."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    return cmd_serve
