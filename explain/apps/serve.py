"""``rothkb serve``: the FAQ site, the "check my situation" page and the JSON API (CONTRACT §7.3).

A Starlette app (routing, static files) served by uvicorn; ``--workers N`` starts N processes
that share one listening socket, each building the app with :func:`create_app` (uvicorn's
factory import string). Engine calls and page rendering run in the thread pool. Limits: bodies
over :data:`~explain.website.api.MAX_BODY` get 413 unread, a body has ``--timeout-body`` seconds
to arrive and a request head ``--timeout-head`` seconds, idle keep-alive connections are closed
after ``--timeout-keep-alive`` seconds, and at most ``--limit-concurrency`` connections are open
per process (see :mod:`explain.website.http`). Binds 127.0.0.1 by default: in production run it
behind a reverse proxy (README).

``POST /api/v1/ask`` calls :func:`explain.answer.ask`, as ``rothkb ask`` does.
Moving ``ask`` below the apps would rewrite the module the ask work (#15) is rebuilding; the
import is a single line to repoint when ``ask`` finds its lower home.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import tempfile
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from uvicorn.supervisors import Multiprocess

from engine import KnowledgeBase, load_knowledge
from engine.errors import UsageError
from explain.answer import ask
from explain.io import restore_collector, settle_for_many_runs
from explain.website.api import MAX_BODY, ApiError, ask_request, error_json, explain_json, openapi
from explain.website.build import build_site
from explain.website.checkpage import CheckPages
from explain.website.http import ENV_HEAD_TIMEOUT, MAX_PATH, Guard, Protocol, is_api

__all__ = ["configure", "create_app", "MAX_BODY", "ENV_KNOWLEDGE", "ENV_SITE"]

#: Environment variables through which ``cmd_serve`` configures the app in every worker process.
ENV_KNOWLEDGE, ENV_SITE, ENV_BODY_TIMEOUT = "ROTHKB_SERVE_KNOWLEDGE", "ROTHKB_SERVE_SITE", "ROTHKB_SERVE_BODY_TIMEOUT"
_JSON = "application/json"
_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s [%(process)d] %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"level": "WARNING"},
        "rothkb.serve": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


class _Static(StaticFiles):
    """The built site; dot files (the site marker) are not part of it."""

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        if any(part.startswith(".") for part in Path(path).parts):
            raise HTTPException(404)
        return path

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        # The built 404.html is for static hosts; here a missing page gets the server's own
        # message (it names the address and links to the form), so html mode must not find it.
        if path == "404.html":
            return "", None
        return super().lookup_path(path)


async def _body(request: Request) -> bytes:
    """The request body, at most :data:`MAX_BODY` bytes, arriving within the body timeout."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, f"the body is too large ({int(length):,} bytes; at most {MAX_BODY:,})")
    chunks, size = [], 0
    try:
        with anyio.fail_after(float(os.environ.get(ENV_BODY_TIMEOUT) or 10)):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise ApiError(413, f"the body is too large (at most {MAX_BODY:,} bytes)")
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, "the body did not arrive in time") from None
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before the end of the body") from None
    return b"".join(chunks)


def _require_json(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != _JSON:
        raise ApiError(415, f"expected Content-Type: application/json, found {kind[:60] or 'none'}")


def create_app(kb: KnowledgeBase | None = None, site: Path | str | None = None) -> Any:  # noqa: C901 - the routes are closures over one app state
    """The ASGI app: the built site, ``/check``, the JSON API and ``/healthz``, wrapped in :class:`Guard`.

    Args:
        kb: The knowledge base (default: ``$ROTHKB_SERVE_KNOWLEDGE``, else the bundled one).
        site: A site built with ``with_check=True`` (default: ``$ROTHKB_SERVE_SITE``, else built now
            into a temporary folder that is removed when the app shuts down).

    """
    # Made by uvicorn's factory call (``rothkb serve``), the app owns its process: it tunes the
    # garbage collector for many explanations once started (an app given a knowledge base, as
    # in tests, leaves its host process alone).
    owns_process = kb is None
    kb = kb or load_knowledge(os.environ.get(ENV_KNOWLEDGE) or None)
    tmp = None
    if site is None and not os.environ.get(ENV_SITE):
        tmp = tempfile.TemporaryDirectory(prefix="rothkb-site-")
        build_site(kb, Path(tmp.name) / "site", with_check=True)
        site = Path(tmp.name) / "site"
    pages = CheckPages(kb)
    spec = (json.dumps(openapi(kb, _version()), indent=2, ensure_ascii=False) + "\n").encode()
    health = (json.dumps({"status": "ok", "knowledge_version": kb.version}) + "\n").encode()

    async def api_explain(request: Request) -> Response:
        _require_json(request)
        body = await _body(request)
        return Response(await run_in_threadpool(explain_json, kb, body), media_type=_JSON)

    def ask_json(body: bytes) -> str:
        question, facts = ask_request(kb, body)
        return ask(kb, question, facts).to_json()

    async def api_ask(request: Request) -> Response:
        _require_json(request)
        body = await _body(request)
        return Response(await run_in_threadpool(ask_json, body), media_type=_JSON)

    async def check(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            status, html = await run_in_threadpool(pages.explain, body, request.headers.get("content-type", ""))
            return Response(html, status, media_type="text/html")
        return Response(await run_in_threadpool(pages.check), media_type="text/html")

    def failure(request: Request, status: int, message: str, field: str = "") -> Response:
        if is_api(request.url.path):
            return Response(error_json(message, field), status, media_type=_JSON)
        return Response(pages.message(status, message, request.url.path[:MAX_PATH]), status, media_type="text/html")

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if is_api(request.url.path):
            headers = {"connection": "close"} if exc.status in (408, 413) else None
            return Response(exc.body(), exc.status, headers, media_type=_JSON)
        return failure(request, exc.status, exc.message, exc.field)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {404: f"There is no page at {request.url.path[:200]}.", 405: f"{request.method} is not allowed here."}
        return failure(request, exc.status_code, messages.get(exc.status_code, exc.detail))

    async def on_crash(request: Request, exc: Exception) -> Response:
        return failure(request, 500, "internal error: the rules engine failed on this request; it has been logged")

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        before = settle_for_many_runs() if owns_process else None
        yield
        if before is not None:
            restore_collector(before)
        if tmp is not None:
            tmp.cleanup()

    def constant(body: bytes) -> Any:
        async def endpoint(request: Request) -> Response:
            return Response(body, media_type=_JSON)

        return endpoint

    api_paths = {"/api/v1/explain": "POST", "/api/v1/ask": "POST", "/api/v1/openapi.json": "GET, HEAD", "/healthz": "GET, HEAD"}

    async def api_other(request: Request) -> Response:
        allowed = api_paths.get(request.url.path)
        if allowed:
            body = error_json(f"{request.method[:10]} is not allowed here (allowed: {allowed})")
            return Response(body, 405, {"allow": allowed}, media_type=_JSON)
        return failure(request, 404, f"There is no API endpoint at {request.url.path[:200]}.")

    routes = [
        Route("/healthz", constant(health)),
        Route("/api/v1/openapi.json", constant(spec)),
        Route("/api/v1/explain", api_explain, methods=["POST"]),
        Route("/api/v1/ask", api_ask, methods=["POST"]),
        Route("/api/{rest:path}", api_other, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Route("/healthz", api_other, methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Route("/check", check, methods=["GET", "POST"]),
        Route("/check/", lambda request: RedirectResponse("../check", 308), methods=["GET", "POST"]),
        Mount("/", _Static(directory=Path(site or os.environ[ENV_SITE]), html=True)),
    ]
    handlers = {ApiError: on_api_error, HTTPException: on_http_error, Exception: on_crash}
    return Guard(Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan))


def _version() -> str:
    try:
        return metadata.version("rothkb")
    except metadata.PackageNotFoundError:
        return "unknown"


def _listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket (shared by every worker), or a one-line usage error."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        raise UsageError(f"rothkb serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def cmd_serve(args: argparse.Namespace) -> int:
    """``rothkb serve [--host 127.0.0.1] [--port 8000] [--workers N]``."""
    for name in ("workers", "limit_concurrency", "timeout_keep_alive", "timeout_head", "timeout_body"):
        if getattr(args, name) < 1:
            raise UsageError(f"rothkb serve: --{name.replace('_', '-')} must be at least 1, found {getattr(args, name)}")
    kb = load_knowledge(args.knowledge)  # an invalid knowledge base stops here (exit 1)
    sock = _listen(args.host, args.port)
    with tempfile.TemporaryDirectory(prefix="rothkb-site-") as tmp:
        build_site(kb, Path(tmp) / "site", with_check=True)
        os.environ.update(
            {
                ENV_KNOWLEDGE: str(Path(args.knowledge).resolve()) if args.knowledge else "",
                ENV_SITE: str(Path(tmp) / "site"),
                ENV_HEAD_TIMEOUT: str(args.timeout_head),
                ENV_BODY_TIMEOUT: str(args.timeout_body),
            }
        )
        config = uvicorn.Config(
            "explain.apps.serve:create_app",
            factory=True,
            http=Protocol,
            workers=args.workers,
            limit_concurrency=args.limit_concurrency,
            timeout_keep_alive=args.timeout_keep_alive,
            timeout_graceful_shutdown=5,
            server_header=False,
            access_log=False,
            log_config=_LOG_CONFIG,
        )
        host, port = sock.getsockname()[:2]
        print(f"rothkb serve: http://{host}:{port}/ (check my situation: /check; API: /api/v1/openapi.json)", flush=True)
        # uvicorn re-raises the SIGTERM it handled once it has shut down; exiting through SystemExit
        # (not the default handler, which kills the process) lets the temporary site be removed.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        if args.workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            Multiprocess(config, sockets=[sock]).run()
    return 0


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb serve``; returns its handler."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default: 1)")
    p.add_argument("--limit-concurrency", type=int, default=256, metavar="N", help="open connections per worker (default: 256)")
    p.add_argument("--timeout-keep-alive", type=int, default=5, metavar="S", help="close idle connections after S s (default: 5)")
    p.add_argument("--timeout-head", type=int, default=10, metavar="S", help="seconds to send a request head (default: 10)")
    p.add_argument("--timeout-body", type=int, default=10, metavar="S", help="seconds to send a request body (default: 10)")
    return cmd_serve
