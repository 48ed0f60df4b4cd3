"""The site in headless Chromium (Debian ``chromium`` driven by Playwright): every internal link,
search, the "check my situation" form, and reading without JavaScript.

Outside CI the tests skip when /usr/bin/chromium (or Playwright) is absent; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from engine import load_knowledge
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
    for name in ("Myths", "Diagrams", "Rules", "Limits by year", "Sources", "Glossary", "Check my situation", "Questions"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("h1").count() == 1, page.url
    page.locator("ul.topics a").nth(2).click()
    assert "/topics/pro-rata.html" in page.url
    page.locator("ul.faq-list a").first.click()
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    assert crumbs.get_by_role("link", name="The pro-rata rule and existing IRAs").count() == 1
    first = page.url
    page.get_by_role("navigation", name="More in this topic").locator("a[rel=next]").click()
    page.get_by_role("navigation", name="More in this topic").locator("a[rel=prev]").click()
    assert page.url == first
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="Worked example").click()
    assert page.url.endswith("#example")
    page.locator("details.full > summary").click()
    assert page.locator("details.full .explanation").is_visible()
    page.locator(".rule-status a").first.click()
    assert "/rules/" in page.url and page.locator("h1").inner_text()
    page.locator("section[aria-labelledby=rule-sources] a").first.click()
    assert "/sources/" in page.url
    assert not errors, errors


def test_search_from_the_header(page, base_url):
    page.goto(base_url + "rules/index.html")
    page.get_by_label("Search questions and rules").fill("my husband has a big IRA, does pro rata apply?")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search.html?q=*")
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert "spouse-ira-pro-rata" in first.get_attribute("href")
    result = page.locator("#search-results li").first
    assert "Married couples" in result.locator(".meta").inner_text() and len(result.locator(".snippet").inner_text()) > 40
    page.locator("#search-q").fill("rollover ira")
    page.locator("#search-page-form button").click()
    page.wait_for_function("document.getElementById('search-status').textContent.includes('rollover ira')")
    top = page.locator("#search-results li .meta").all_inner_texts()[:3]
    assert not any("HSA" in t for t in top), top
    assert "old-rollover-ira-pro-rata" in page.locator("#search-results li a").first.get_attribute("href")
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
    assert "conversion" in page.locator(".answer").inner_text()
    page.locator("details.full > summary").click()  # folding works without JavaScript
    assert page.locator("details.full .explanation").inner_text().strip()
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


WIDE_PAGES = (
    "index.html",
    "faq/old-rollover-ira-pro-rata.html",
    "faq/conversion-five-year-clock-each.html",
    "topics/mega-backdoor.html",
    "diagrams/backdoor.html",
    "diagrams/mega-backdoor.html",
    "diagrams/withdrawals.html",
    "diagrams/hsa.html",
    "parameters.html",
    "rules/no-pretax-ira-by-dec31.html",
    "rules/index.html",
    "sources/notice-2024-80.html",
    "myths.html",
    "glossary.html",
    "search.html?q=form 8606",
    "check",
    "404.html",
)


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_is_wider_than_the_screen_and_diagrams_fit(browser, base_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = []
    for path in WIDE_PAGES:
        page.goto(base_url + path)
        if page.evaluate("document.documentElement.scrollWidth") > width:
            wide.append(f"{path}: {page.evaluate('document.documentElement.scrollWidth')} px")
        for box in page.locator("svg.flowchart").all():
            if box.bounding_box()["width"] > width - 20:  # the whole diagram is on screen, with the page margins
                wide.append(f"{path}: diagram {box.bounding_box()['width']} px")
    context.close()
    assert not wide, wide


def test_limits_year_links_show_that_year(page, base_url):
    page.goto(base_url + "parameters.html#2024")
    assert page.locator("section[id='2024']").is_visible() and not page.locator("section[id='2026']").is_visible()
    assert "$7,000" in page.locator("section[id='2024'] .card").first.inner_text()
    page.goto(base_url + "parameters.html")
    assert page.locator("section.year.default").is_visible()


def test_search_works_from_disk(browser, tmp_path):
    from explain.website.build import build_site

    build_site(load_knowledge(), tmp_path / "site")
    context = browser.new_context()
    page = context.new_page()
    page.goto((tmp_path / "site" / "search.html").as_uri() + "?q=rollover%20ira")
    page.locator("#search-results li a").first.wait_for()
    assert "old-rollover-ira-pro-rata" in page.locator("#search-results li a").first.get_attribute("href")
    context.close()


@pytest.mark.parametrize(
    "path", ["index.html", "faq/old-rollover-ira-pro-rata.html", "rules/no-pretax-ira-by-dec31.html", "parameters.html", "check"]
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_scan(browser, base_url, path, scheme):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    page.goto(base_url + path)
    results = Axe().run(page)
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)
