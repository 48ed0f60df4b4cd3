"""``rothkb serve`` as a real process on loopback: the site, the form, the JSON API, limits and timeouts."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import jsonschema
import pytest
import yaml

from engine import load_knowledge
from explain.website.api import MAX_BODY
from tests.conftest import KNOWLEDGE
from tests.serving import request, running

FORM = "application/x-www-form-urlencoded"
JSON = {"Content-Type": "application/json"}
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


@pytest.fixture(scope="module")
def server():
    with running() as srv:
        yield srv


def post(port: int, fields: dict, ctype: str = FORM):
    body = urlencode(fields).encode() if ctype == FORM else json.dumps(fields).encode()
    return request(port, "POST", "/check", body, {"Content-Type": ctype})


def api(port: int, path: str, doc) -> tuple[int, str, dict]:
    return request(port, "POST", path, json.dumps(doc).encode(), JSON)


def situations(n: int) -> list[dict]:
    """``n`` different situations across years, filing statuses, balances and plans."""
    examples = [yaml.safe_load(p.read_text()) for p in sorted((KNOWLEDGE / "examples").glob("*.yaml"))]
    out = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()} for e in examples]
    for i in range(n - len(out)):
        facts = {
            "tax_year": 2023 + i % 4,
            "filing_status": ("single", "married_filing_jointly", "married_filing_separately", "head_of_household")[i % 4],
            "magi": 60000 + 9000 * i,
            "compensation": 50000 + 7000 * i,
            "traditional_ira_balance": (i % 5) * 12000,
            "nondeductible_contribution": 6000 + (i % 3) * 500,
            "conversion_amount": 6000 + (i % 3) * 500,
            "plans_backdoor_roth": i % 3 != 0,
        }
        if i % 4 == 2:
            facts.update(lived_with_spouse=i % 8 == 2, has_401k=True, elective_deferrals=20000, plan_allows_after_tax=True)
        if i % 5 == 1:
            facts.update(hsa_eligible=True, hsa_coverage="family", hsa_contributions=1000 * i)
        if i % 6 == 3:
            facts.update(conversions=[{"year": 2021, "taxable": 0, "nontaxable": 6000}], planned_withdrawal_amount=5000)
        out.append(facts)
    return out


def test_serves_the_site_and_the_form(server):
    status, html, headers = request(server.port, "GET", "/")
    assert status == 200 and "Check my situation" in html and headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers and "date" in headers
    status, html, _ = request(server.port, "GET", "/check")
    assert status == 200 and html.count("<fieldset") >= 5 and 'name="magi"' in html and 'type="date"' in html
    assert "<legend>You and your income</legend>" in html and "<legend>What do you want to do?</legend>" in html
    assert request(server.port, "GET", "/faq/spouse-ira-pro-rata.html")[0] == 200
    assert request(server.port, "GET", "/assets/style.css")[2]["content-type"].startswith("text/css")
    assert request(server.port, "HEAD", "/index.html")[0] == 200
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.rothkb-site", "/nothing-here.html"):
        status, html, headers = request(server.port, "GET", path)
        assert status == 404 and "There is no page" in html and all(h in headers for h in SECURITY), path
    assert 'href="../../assets/style.css"' in request(server.port, "GET", "/no/such/page.html")[1]  # styled at any depth


def test_submission_returns_the_explanation(server):
    fields = {
        "tax_year": "2025",
        "filing_status": "single",
        "magi": "$210,000",
        "compensation": "200000",
        "rollover_ira_balance": "94,000",
        "conversion_amount": "6000",
        "plans_backdoor_roth": "yes",
        "hsa_eligible": "",
    }
    status, html, _ = post(server.port, fields)
    assert status == 200, html
    assert "Your explanation for 2025" in html and "To do: File Form 8606 with your return</h4>" in html
    # Rule ids only in the folded full view, each linked to its rule page.
    brief, folded = html.split('<details class="full-detail">')
    assert "no-pretax-ira-by-dec31" not in brief and "backdoor-roth-needed" not in brief
    assert '<a href="rules/backdoor-roth-needed.html"><code>backdoor-roth-needed</code></a>' in folded
    assert "<code>no-pretax-ira-by-dec31</code>" in folded
    status, html, _ = post(server.port, {"tax_year": 2025, "magi": 120000, "compensation": 120000}, "application/json")
    assert status == 200 and "Your explanation for 2025" in html


def test_bad_form_values_are_explained_and_escaped(server):
    status, html, _ = post(server.port, {"tax_year": "2025", "magi": "<script>alert(1)</script>", "magii": "5"})
    assert status == 400
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Modified adjusted gross income for Roth IRA purposes: expected an amount" in html and "magii" in html
    status, html, _ = post(server.port, {"conversions": "2024; 5000"})
    assert status == 400 and "year, taxable, nontaxable" in html
    status, html, _ = request(server.port, "POST", "/check", b"a=" + b"x" * (MAX_BODY + 1), {"Content-Type": FORM})
    assert status == 413 and "too large" in html
    status, html, _ = request(server.port, "POST", "/check", b"\xff\xfe", {"Content-Type": FORM})
    assert status == 400 and "UTF-8" in html


def test_api_explain_is_byte_for_byte_the_cli(server, cli, tmp_path):
    cases = situations(24)
    assert len({json.dumps(c, sort_keys=True) for c in cases}) == 24
    fired = set()
    for i, facts in enumerate(cases):
        path = tmp_path / f"facts{i}.json"
        path.write_text(json.dumps(facts))
        expected = cli("explain", path, "--format", "json")
        status, body, headers = api(server.port, "/api/v1/explain", facts)
        assert expected.code == 0 and status == 200, body
        assert headers["content-type"] == "application/json"
        assert body == expected.out, f"situation {i} differs from rothkb explain --format json"
        fired.update(json.loads(body)["fired"])
    assert len(fired) > 15  # the situations exercise many different rules
    # A refused value: 400, the field, and the same message as the CLI's.
    status, body, _ = api(server.port, "/api/v1/explain", {"tax_year": 2025, "magi": -5})
    assert status == 400 and json.loads(body)["error"] == {"field": "magi", "message": "money cannot be negative, found -5"}
    status, body, _ = api(server.port, "/api/v1/explain", {"tax_year": 2025, "magii": 5})
    assert status == 400 and json.loads(body)["error"]["field"] == "magii" and "did you mean 'magi'" in body


def test_api_ask_is_the_cli(server, cli, tmp_path):
    facts = situations(4)[3]
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    questions = [("does my spouse's IRA affect my backdoor Roth?", False), ("pro rata rule", True), ("cookies", False)]
    for question, with_facts in questions:
        args = ["ask", question, "--format", "json"] + (["--facts", tmp_path / "facts.json"] if with_facts else [])
        expected = cli(*args)
        doc = {"question": question, "facts": facts} if with_facts else {"question": question}
        status, body, _ = api(server.port, "/api/v1/ask", doc)
        assert expected.code == 0 and status == 200 and body == expected.out, question
    assert json.loads(body)["covered"] is False
    for doc, field in [({}, "question"), ({"question": ""}, "question"), ({"question": "x", "fact": {}}, "fact")]:
        status, body, _ = api(server.port, "/api/v1/ask", doc)
        assert status == 400 and json.loads(body)["error"]["field"] == field, doc
    status, body, _ = api(server.port, "/api/v1/ask", {"question": "pro rata", "facts": {"tax_year": 2025, "magi": "lots"}})
    assert status == 400 and json.loads(body)["error"]["field"] == "magi"


def test_healthz_and_openapi(server):
    status, body, _ = request(server.port, "GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "knowledge_version": load_knowledge().version}
    status, body, _ = request(server.port, "GET", "/api/v1/openapi.json")
    spec = json.loads(body)
    assert status == 200 and spec["openapi"].startswith("3.") and set(spec["paths"]) >= {"/api/v1/explain", "/api/v1/ask"}
    facts = spec["components"]["schemas"]["Facts"]
    assert facts["required"] == ["tax_year"] and facts["properties"]["filing_status"]["enum"][0] == "single"
    assert set(facts["properties"]) == set(load_knowledge().knowledge.facts)
    validator = jsonschema.Draft202012Validator(facts)
    for case in situations(6):
        validator.validate(case)
    assert not validator.is_valid({"magi": 1}) and not validator.is_valid({"tax_year": 2025, "filing_status": "single-ish"})


def _raw(port: int, data: bytes, timeout: float = 20) -> bytes:
    """Send raw bytes, read until the server closes: the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _post_raw(body: bytes, ctype: bytes = b"application/json", path: bytes = b"/api/v1/explain") -> bytes:
    head = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + ctype
    return head + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body


MALFORMED = {
    "a list for a scalar fact": (_post_raw(b'{"tax_year": 2025, "magi": [1, 2]}'), 400, "found a list"),
    "a list for the facts": (_post_raw(b"[1, 2]"), 400, "found a list"),
    "nesting of 1,000": (_post_raw(b"[" * 1000 + b"]" * 1000), 400, "nested more than"),
    "nesting of 30,000": (_post_raw(b"[" * 30000 + b"]" * 30000), 400, "nested more than"),
    "objects nested 10,000 deep": (_post_raw(b'{"a":' * 10000 + b"1" + b"}" * 10000), 400, "nested more than"),
    "a 4,300-digit integer": (_post_raw(b'{"tax_year": 2025, "magi": ' + b"9" * 4300 + b"}"), 400, "too large"),
    "a 5,000-digit integer": (_post_raw(b'{"tax_year": 2025, "magi": ' + b"9" * 5000 + b"}"), 400, "amount is too large"),
    "duplicate keys": (_post_raw(b'{"tax_year": 2025, "tax_year": 2024}'), 400, "duplicate key 'tax_year'"),
    "NaN": (_post_raw(b'{"tax_year": 2025, "magi": NaN}'), 400, "not a JSON number"),
    "not JSON": (_post_raw(b"{not json"), 400, "malformed JSON"),
    "empty body": (_post_raw(b""), 400, "empty"),
    "not UTF-8": (_post_raw(b'{"magi": "\xff"}'), 400, "UTF-8"),
    "text/plain": (_post_raw(b"{}", b"text/plain"), 415, "application/json"),
    "a body over the limit": (_post_raw(b'{"a": "' + b"x" * MAX_BODY + b'"}'), 413, "too large"),
    "ask with a list": (_post_raw(b'["pro rata"]', path=b"/api/v1/ask"), 400, "found a list"),
    "%00 in the path": (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "control characters"),
    "%00 in an API path": (b"POST /api/v1/explain%00 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400, "control"),
    "a long path": (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "too long"),
    "a very long path": (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "too long"),
    "a long file name": (b"GET /" + b"a" * 300 + b".html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "no page"),
    "Content-Length: \u00b2": (b"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n{}", 400, "malf"),
    "Content-Length: -1": (b"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", 400, "malformed"),
    "two Content-Lengths": (b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "malf"),
    "a non-ASCII path": (b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed"),
    "TLS on the HTTP port": (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 400, "malformed"),
    "GET on a POST endpoint": (b"GET /api/v1/explain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "not allowed"),
    "an unknown endpoint": (b"GET /api/v2/explain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "no API endpoint"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_every_malformed_request_gets_a_4xx(server, name):
    data, status, words = MALFORMED[name]
    answer = _raw(server.port, data)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").lower().split("\r\n")
    assert lines[0].startswith(f"http/1.1 {status} "), answer[:300]
    assert all(any(line.startswith(h + ":") for line in lines) for h in SECURITY), head
    assert not any(line.startswith("server:") for line in lines)
    assert words.lower() in body.decode("utf-8", "replace").lower(), body[:300]
    assert b"Traceback" not in answer
    if lines[0].split()[1] != "404" or b"/api/" in data[:30]:
        assert json.loads(body)["error"]["message"]
    assert request(server.port, "GET", "/healthz")[0] == 200  # still serving


def test_one_log_line_per_request_without_bodies(server):
    marker = "secret-marker-7d1f"
    api(server.port, "/api/v1/explain", {"tax_year": 2025, "filing_status": marker})
    request(server.port, "GET", "/healthz?who=" + marker)
    time.sleep(0.5)
    log = server.log_text()
    assert marker not in log
    assert re.search(r"POST /api/v1/explain 400 [0-9.]+ms$", log, re.M)
    assert re.search(r"GET /healthz 200 [0-9.]+ms$", log, re.M)
    assert "Traceback" not in log


def test_200_concurrent_requests_match_sequential_answers(server):
    cases = situations(200)
    sequential = [api(server.port, "/api/v1/explain", c) for c in cases]
    assert all(status == 200 for status, _, _ in sequential)
    assert len({body for _, body, _ in sequential}) > 150  # the situations really differ
    barrier = threading.Barrier(50, timeout=30)

    def fire(i: int):
        if i < 50:
            barrier.wait()  # the first 50 start at exactly the same moment
        return api(server.port, "/api/v1/explain", cases[i])

    with ThreadPoolExecutor(max_workers=200) as pool:
        concurrent = list(pool.map(fire, range(200)))
    for i, ((status, body, _), (_, expected, _)) in enumerate(zip(concurrent, sequential, strict=True)):
        assert status == 200, f"request {i}: {status}"
        assert body == expected, f"request {i} differs from its sequential answer"


def _response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length bytes of body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_idle_and_slow_clients_are_disconnected_while_others_are_served():
    args = ("--timeout-keep-alive", "1", "--timeout-head", "2", "--limit-concurrency", "6")
    with running(*args) as srv, contextlib.ExitStack() as stack:

        def connect() -> socket.socket:
            return stack.enter_context(socket.create_connection(("127.0.0.1", srv.port), timeout=30))

        idle = connect()  # connects, sends nothing
        slow = connect()  # trickles a request head
        slow.sendall(b"GET / HTTP/1.1\r\n")
        kept = connect()  # one request, then idle
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _response(kept).startswith(b"HTTP/1.1 200")
        extra = [connect() for _ in range(3)]
        over = _raw(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # the 7th connection
        assert over.startswith(b"HTTP/1.1 503") and b"too many connections" in over
        start = time.monotonic()
        for _ in range(3):
            slow.sendall(b"X-Slow: 1\r\n")
            time.sleep(0.5)
        for sock in extra:
            sock.close()
        served = [request(srv.port, "POST", "/api/v1/explain", b'{"tax_year": 2025}', JSON)[0] for _ in range(5)]
        assert served == [200] * 5  # others are served while the idle ones wait
        assert kept.recv(65536) == b""  # keep-alive timeout: closed
        assert idle.recv(65536).startswith(b"HTTP/1.1 408")  # no request head in time
        assert slow.recv(65536).startswith(b"HTTP/1.1 408")
        assert time.monotonic() - start < 30


def test_two_workers_with_an_authors_knowledge(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "kb")
    with open(tmp_path / "kb" / "facts.yaml", "a", encoding="utf-8") as handle:
        handle.write("# an author's edit\n")
    version = load_knowledge(tmp_path / "kb").version
    assert version != load_knowledge().version
    with running("--workers", "2", knowledge=tmp_path / "kb") as srv:
        cases = situations(40)
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(lambda c: api(srv.port, "/api/v1/explain", c), cases))
        for (status, body, _), case in zip(answers, cases, strict=True):
            assert status == 200 and json.loads(body)["tax_year"] == case["tax_year"]
            assert json.loads(body)["knowledge_version"] == version
        time.sleep(0.3)
        pids = set(re.findall(r"\[(\d+)\] Started server process", srv.log_text()))
        assert len(pids) == 2, srv.log_text()
    assert srv.process.returncode == 0  # SIGTERM: a graceful stop (and the temporary site removed)


def test_serve_binds_loopback_by_default_and_checks_its_options(cli):
    from explain.cli import build_parser

    args = build_parser("serve").parse_args(["serve"])
    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8000, 1)
    result = cli("serve", "--workers", "0")
    assert result.code == 2 and "--workers must be at least 1" in result.err
