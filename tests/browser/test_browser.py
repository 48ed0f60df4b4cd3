"""The site in headless Chromium (Debian ``chromium`` driven by Playwright): every internal link,
search, the "check my situation" form, and reading without JavaScript.

Outside CI the tests skip when /usr/bin/chromium (or Playwright) is absent; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.serving import running

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Skip when Chromium or Playwright is missing, except under ``CI=true``, where that is a failure."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url():
    with running() as srv:  # a real ``rothkb serve`` process
        yield srv.url


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


# Breadth-first crawl run inside the page: fetch every same-origin link, parse it with the
# browser's own DOMParser, and report links that fail or point at a missing #id. Doing it in one
# evaluate() keeps ~220 pages to a second or two (a goto per page costs ~150 ms here).
CRAWL = """async (start) => {
  const origin = new URL(start).origin;
  const seen = new Set([start]), queue = [start], ids = {}, wanted = [], broken = [];
  while (queue.length) {
    const batch = queue.splice(0, 16);
    await Promise.all(batch.map(async (url) => {
      const resp = await fetch(url);
      if (!resp.ok) { broken.push(url + " -> HTTP " + resp.status); return; }
      if (!(resp.headers.get("content-type") || "").includes("html")) { return; }
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      ids[url] = Array.from(doc.querySelectorAll("[id]"), (e) => e.id);
      for (const el of doc.querySelectorAll("a[href], link[href], script[src], img[src]")) {
        const target = new URL(el.getAttribute("href") || el.getAttribute("src"), url);
        if (target.origin !== origin) { continue; }
        const hash = target.hash.slice(1);
        target.hash = "";
        if (hash) { wanted.push([url, target.href, decodeURIComponent(hash)]); }
        if (!seen.has(target.href)) { seen.add(target.href); queue.push(target.href); }
      }
    }));
  }
  for (const [src, tgt, hash] of wanted) {
    if (ids[tgt] && !ids[tgt].includes(hash)) { broken.push(src + " -> " + tgt + "#" + hash); }
  }
  return {pages: seen.size, broken: broken};
}"""


def test_every_internal_link_works(page, base_url):
    page.goto(base_url)
    result = page.evaluate(CRAWL, base_url)
    assert not result["broken"], "\n".join(result["broken"][:20])
    assert result["pages"] > 150


def test_navigation_by_clicking(page, base_url):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base_url)
    for name in ("Myths", "Flowchart", "Rules", "Limits by year", "Sources", "Glossary", "Check my situation", "FAQ"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("h1").count() == 1, page.url
    page.locator("ul.faq-list a").first.click()
    page.get_by_role("link", name="Sources").first.wait_for()
    page.locator(".rule-status a").first.click()
    assert "/rules/" in page.url and page.locator("h1").inner_text()
    page.locator("section[aria-labelledby=rule-sources] a").first.click()
    assert "/sources/" in page.url
    assert not errors, errors


def test_search_from_the_header(page, base_url):
    page.goto(base_url + "index.html")
    page.get_by_label("Search questions and rules").fill("my husband has a big IRA, does pro rata apply?")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search.html?q=*")
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert "spouse-ira-pro-rata" in first.get_attribute("href")
    page.locator("#search-q").fill("passport renewal cookies")
    page.locator("#search-page-form button").click()
    page.wait_for_function("document.getElementById('search-status').textContent.includes('Nothing')")
    assert page.locator("#search-results li").count() == 0


def test_check_my_situation_form(page, base_url):
    page.goto(base_url + "check")
    assert page.locator("#f-tax_year").input_value() == "2026"  # preset to the planning year
    page.get_by_label("Which tax year are you planning for?", exact=True).select_option("2025")
    page.locator("#f-filing_status").select_option("single")
    page.locator("#f-magi").fill("$210,000")
    page.locator("#f-compensation").fill("200,000")
    page.locator("#f-rollover_ira_balance").fill("94000")
    page.locator("#f-conversion_amount").fill("6000")
    page.locator("#f-plans_backdoor_roth").select_option("yes")
    page.get_by_role("button", name="Explain my situation").click()
    page.wait_for_selector("#explanation")
    assert page.locator("h1").inner_text() == "Your explanation for 2025"
    text = page.locator("#explanation").inner_text()
    assert "with a MAGI of $210,000" in text and "What to do" in text
    assert page.locator("a[href='rules/backdoor-roth-needed.html']").count() >= 1
    page.goto(base_url + "check")
    page.locator("#f-magi").fill("lots")
    page.get_by_role("button", name="Explain my situation").click()
    alert = page.locator(".errors")
    alert.wait_for()
    assert "Modified adjusted gross income" in alert.inner_text() and page.locator("#f-magi").input_value() == "lots"


def test_check_form_gates_keeps_answers_and_checks_again(page, base_url):
    page.goto(base_url + "check")
    assert page.locator("#gated-plan").is_hidden() and page.locator("#gated-hsa").is_hidden()
    page.locator("#f-has_401k").select_option("yes")
    assert page.locator("#gated-plan").is_visible() and page.locator("#f-current_plan_accepts_roll_ins").is_visible()
    page.locator("input[name=goal][value=withdraw]").check()
    assert page.locator("#group-plan").is_hidden() and page.locator("#group-withdrawals").is_visible()
    page.locator("input[name=goal][value=backdoor]").check()
    assert page.locator("#group-plan").is_visible() and page.locator("#group-withdrawals").is_hidden()
    page.locator("#f-filing_status").select_option("single")
    page.locator("#f-magi").fill("240k")
    page.locator("#f-compensation").fill("250,000")
    page.locator("#f-age").fill("41")
    for kind in ("traditional", "sep", "simple"):
        page.locator(f"#f-{kind}_ira_balance").fill("0")
    page.locator("#f-rollover_ira_balance").fill("60000")
    page.locator("#f-current_plan_accepts_roll_ins").select_option("yes")
    page.get_by_role("button", name="Explain my situation").click()
    page.wait_for_selector("#explanation")
    assert page.locator("a[href='rules/no-pretax-ira-by-dec31.html']").count() >= 1
    assert page.locator("a[href='rules/roll-pretax-ira-into-401k.html']").count() >= 1
    # The result keeps every answer in the form above the explanation.
    assert page.locator("#f-magi").input_value() == "240k"
    assert page.locator("#f-rollover_ira_balance").input_value() == "60000"
    assert page.locator("input[name=goal][value=backdoor]").is_checked()
    assert page.locator("#gated-plan").is_visible() and page.locator("#gated-hsa").is_hidden()
    # Change one answer and check again: a plan that does not take roll-ins.
    page.locator("#f-current_plan_accepts_roll_ins").select_option("no")
    page.get_by_role("button", name="Explain my situation").click()
    page.wait_for_selector("#explanation")
    assert page.locator("a[href='rules/convert-pretax-ira-instead.html']").count() >= 1
    assert page.locator("a[href='rules/roll-pretax-ira-into-401k.html']").count() == 0
    assert page.locator("#f-magi").input_value() == "240k"


def test_check_form_submits_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "check")
    assert page.locator("#f-current_plan_accepts_roll_ins").is_visible()  # no script: every question shows
    page.locator("#f-magi").fill("100000")
    page.locator("#f-compensation").fill("100000")
    page.get_by_role("button", name="Explain my situation").click()
    page.wait_for_selector("#explanation")
    assert "Your explanation for 2026" in page.locator("h1").inner_text()
    context.close()


def test_readable_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "faq/conversion-five-year-clock-each.html")
    assert page.locator("h1").inner_text().startswith("Does each Roth conversion")
    assert page.locator(".explanation").inner_text().strip()
    assert page.locator("svg.timeline title").count() == 1
    page.goto(base_url + "search.html")
    assert "needs JavaScript" in page.locator("noscript").inner_text() or page.locator("noscript").count() == 1
    context.close()


def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        require_browser()
