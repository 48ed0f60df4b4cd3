"""``rothkb serve``: the site, the "check my situation" form, limits, escaping and concurrency."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from engine import load_knowledge
from explain.apps.serve import MAX_BODY, make_server

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def server():
    srv, cleanup = make_server(load_knowledge(), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    thread.join(5)
    cleanup()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8"), dict(resp.getheaders())
    finally:
        conn.close()


def post(port: int, fields: dict, ctype: str = FORM):
    body = urlencode(fields).encode() if ctype == FORM else json.dumps(fields).encode()
    return request(port, "POST", "/check", body, {"Content-Type": ctype})


def test_serves_the_site_and_the_form(server):
    status, html, headers = request(server, "GET", "/")
    assert status == 200 and "Check my situation" in html and headers["X-Content-Type-Options"] == "nosniff"
    status, html, _ = request(server, "GET", "/check")
    assert status == 200 and html.count("<fieldset") >= 5 and 'name="magi"' in html and 'type="date"' in html
    assert "<legend>You and your income</legend>" in html and "<legend>What do you want to do?</legend>" in html
    assert request(server, "GET", "/faq/spouse-ira-pro-rata.html")[0] == 200
    assert request(server, "GET", "/assets/style.css")[2]["Content-Type"].startswith("text/css")
    assert request(server, "GET", "/../../etc/passwd")[0] == 404
    assert request(server, "GET", "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert request(server, "GET", "/.rothkb-site")[0] == 404


def test_submission_returns_the_explanation(server):
    status, html, _ = post(
        server,
        {
            "tax_year": "2025",
            "filing_status": "single",
            "magi": "$210,000",
            "compensation": "200000",
            "rollover_ira_balance": "94,000",
            "conversion_amount": "6000",
            "plans_backdoor_roth": "yes",
            "hsa_eligible": "",
        },
    )
    assert status == 200, html
    assert "Your explanation for 2025" in html and "To do: File Form 8606 with your return</h4>" in html
    # Rule ids only in the folded full view, each linked to its rule page.
    brief, folded = html.split('<details class="full-detail">')
    assert "no-pretax-ira-by-dec31" not in brief and "backdoor-roth-needed" not in brief
    assert '<a href="rules/backdoor-roth-needed.html"><code>backdoor-roth-needed</code></a>' in folded
    assert "<code>no-pretax-ira-by-dec31</code>" in folded
    status, html, _ = post(server, {"tax_year": 2025, "magi": 120000, "compensation": 120000}, "application/json")
    assert status == 200 and "Your explanation for 2025" in html


def test_bad_values_are_explained_and_escaped(server):
    status, html, _ = post(server, {"tax_year": "2025", "magi": "<script>alert(1)</script>", "magii": "5"})
    assert status == 400
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Modified adjusted gross income for Roth IRA purposes: expected an amount" in html and "magii" in html
    status, html, _ = post(server, {"conversions": "2024; 5000"})
    assert status == 400 and "year, taxable, nontaxable" in html
    status, html, _ = post(server, {"plans_backdoor_roth": "maybe"})
    assert status == 400 and "expected yes, no or blank" in html


def test_oversized_and_malformed_submissions(server):
    status, html, _ = request(server, "POST", "/check", b"a=" + b"x" * (MAX_BODY + 1), {"Content-Type": FORM})
    assert status == 413 and "too large" in html
    status, html, _ = request(server, "POST", "/check", b"a=%zz&&&=", {"Content-Type": FORM})
    assert status == 400 and "malformed" in html
    status, html, _ = request(server, "POST", "/check", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and "JSON is malformed" in html
    status, html, _ = request(server, "POST", "/check", b"x", {"Content-Type": "text/plain"})
    assert status == 400 and "expected a form" in html
    status, html, _ = request(server, "POST", "/check", b"\xff\xfe", {"Content-Type": FORM})
    assert status == 400 and "UTF-8" in html
    assert request(server, "POST", "/elsewhere", b"a=1", {"Content-Type": FORM})[0] == 404


def test_200_concurrent_requests_match_sequential_answers(server):
    situations = [
        {
            "tax_year": str(2023 + i % 4),
            "filing_status": ("single", "married_filing_jointly")[i % 2],
            "magi": str(100000 + 1500 * i),
            "compensation": str(90000 + 1000 * i),
            "traditional_ira_balance": str((i % 5) * 10000),
            "conversion_amount": str(6000 + i % 3 * 500),
            "nondeductible_contribution": "6000",
            "plans_backdoor_roth": ("yes", "no")[i % 3 == 0],
        }
        for i in range(200)
    ]
    sequential = [post(server, s) for s in situations]
    assert all(status == 200 for status, _, _ in sequential)
    assert len({body for _, body, _ in sequential}) > 50  # the situations really differ
    barrier = threading.Barrier(50, timeout=30)

    def fire(i: int):
        if i < 50:
            barrier.wait()  # the first 50 start at exactly the same moment
        return post(server, situations[i])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=200) as pool:
        concurrent = list(pool.map(fire, range(200)))
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"200 concurrent requests took {elapsed:.1f} s"
    for i, ((status, body, _), (_, expected, _)) in enumerate(zip(concurrent, sequential, strict=True)):
        assert status == 200, f"request {i}: {status}"
        assert body == expected, f"request {i} differs from its sequential answer"


def test_serve_binds_loopback_by_default():
    from explain.cli import build_parser

    args = build_parser("serve").parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8000
