"""A real ``rothkb serve`` process on a free loopback port, for the server and browser tests."""

from __future__ import annotations

import contextlib
import http.client
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30):
    """``(status, body text, headers)`` of one request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8"), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


@contextlib.contextmanager
def running(*args: str, knowledge: Path | None = None, startup: float = 60) -> Iterator[Server]:
    """Start ``rothkb [--knowledge DIR] serve --port 0 ARGS``, wait until /healthz answers, stop it at the end."""
    global_args = ["--knowledge", str(knowledge)] if knowledge else []
    with tempfile.TemporaryDirectory(prefix="rothkb-serve-test-") as tmp:
        log = Path(tmp) / "server.log"
        with open(log, "wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "explain.cli", *global_args, "serve", "--port", "0", *args],
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=tmp,
            )
        try:
            assert process.stdout is not None
            line = process.stdout.readline().decode()
            assert line.startswith("rothkb serve: http://127.0.0.1:"), line + log.read_text()
            port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
            deadline = time.monotonic() + startup
            while True:
                try:
                    if request(port, "GET", "/healthz", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            yield Server(f"http://127.0.0.1:{port}/", port, process, log)
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            if process.stdout:
                process.stdout.close()
