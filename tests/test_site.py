"""``rothkb site build``: pages, links, accessibility basics, reproducibility, robustness."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from explain.cli import main

EPOCH = "1767225600"  # 2026-01-01


class Page(HTMLParser):
    """Links, ids, headings and accessibility facts of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False
        self.text: list[str] = []
        #: Text a reader sees without unfolding anything (outside <details>, <script>, <style>, <title>).
        self.visible: list[str] = []
        self._folded = 0
        self._hidden = 0
        self._main = 0
        #: The visible text inside <main> (the page's own content, without header, footer and navigation).
        self.main: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        key = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action"}.get(tag)
        if key and key in a:
            self.links.append(a[key])
        self._in_title = tag == "title" and not self.title
        self._folded += tag == "details"
        self._hidden += tag in ("script", "style", "title", "svg")
        self._main += tag == "main"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        self._folded -= tag == "details"
        self._hidden -= tag in ("script", "style", "title", "svg")
        self._main -= tag == "main"

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)
        if not self._folded and not self._hidden:
            self.visible.append(data)
            if self._main:
                self.main.append(data)

    def words(self) -> list[str]:
        return " ".join(self.visible).split()


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def build(out: Path, *extra: str) -> int:
    return main(["site", "build", "--out", str(out), *extra])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("site") / "_site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        start = time.perf_counter()
        assert build(out) == 0
        return out, time.perf_counter() - start


def test_build_is_fast_and_covers_the_faq(site):
    out, _ = site  # build time is measured in benchmarks/, not asserted here (CONTRACT: no timings in tests)
    info = json.loads((out / "build.json").read_text())
    assert info["faq"] >= 60 and info["faq_examples_executed"] >= 60
    assert info["build_date"] == "2026-01-01"
    faq_pages = sorted((out / "faq").glob("*.html"))
    assert len(faq_pages) == info["faq"]
    executed = [p for p in faq_pages if 'class="explanation"' in p.read_text()]
    assert len(executed) == info["faq_examples_executed"] >= 60
    sample = (out / "faq" / "spouse-ira-pro-rata.html").read_text()
    assert "Rules behind this answer" in sample and "Worked example" in sample and 'href="#cite-' in sample
    assert '<time datetime="2026-11-28">' in sample and "applies to this example" in sample and "fired on" not in sample


def test_faq_pages_are_short_unfolded_and_navigable(site):
    out, _ = site
    long = []
    for path in sorted((out / "faq").glob("*.html")):
        page = parse(path)
        html = path.read_text()
        content, whole = len(" ".join(page.main).split()), len(page.words())
        # "about 600": the longest is 662 (a long answer, three limits, a warning that names the
        # assumptions its figure rests on, CONTRACT §7.1, and eight rules behind the answer)
        if content > 680 or whole > 800:
            long.append(f"{path.name}: {content} words of content, {whole} with header, navigation and footer")
        assert 'aria-label="Breadcrumb"' in html and 'aria-label="On this page"' in html, path.name
        assert '<details class="full">' in html or "could not be run" in html, path.name
        assert "Not tax advice." in html.split("<main", 1)[0], path.name
    assert not long, "\n".join(long)
    mid = (out / "faq" / "old-rollover-ira-pro-rata.html").read_text()
    assert 'rel="prev"' in mid and 'rel="next"' in mid and 'href="../topics/pro-rata.html"' in mid
    assert 'class="callout callout-warning"' in mid and 'class="callout callout-action"' in mid
    assert ">Form 8606 instructions</a>" in mid  # a short source label, the full title in its title attribute


def test_no_placeholder_identifier_or_none_in_visible_text(site):
    out, _ = site
    from engine import load_knowledge

    k = load_knowledge().knowledge
    names = {*k.facts, *k.parameters, *k.values}
    ids = {r.id for r in k.rules} | {str(m["id"]) for m in k.myths}
    bad = []
    for path in sorted(out.rglob("*.html")):
        words = " ".join(parse(path).visible)
        for token in set(re.findall(r"[{]?[A-Za-z0-9_-]+[}]?", words)):
            if token.startswith("{") or token in ("None", "importance") or token in ids or (token in names and "_" in token):
                bad.append(f"{path.relative_to(out)}: {token}")
    assert not bad, "\n".join(bad[:30])


def test_no_broken_internal_link(site):
    out, _ = site
    pages = {p: parse(p) for p in out.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            if path.name == "404.html" and link.startswith("/"):
                link = link.lstrip("/")  # served at any depth, its links start at the site root
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(out)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in pages[target].ids:
                broken.append(f"{path.relative_to(out)} -> {link} (no such id)")
    assert not broken, "\n".join(broken[:20])
    assert len(pages) > 150


def test_every_page_is_titled_versioned_and_accessible(site):
    out, _ = site
    from engine import load_knowledge

    version = load_knowledge().version
    for path in out.rglob("*.html"):
        html = path.read_text()
        page = parse(path)
        name = path.relative_to(out)
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">'), name
        assert page.title.strip().endswith("| rothkb"), name
        assert sum(t == "h1" for t, _ in page.tags) == 1, name
        assert version[:12] in html and "built 2026-01-01" in html, name
        labelled = {a.get("for") for t, a in page.tags if t == "label"}
        for tag, attrs in page.tags:
            if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                assert attrs.get("id") in labelled, f"{name}: unlabelled {tag} {attrs}"
            if tag == "img":
                assert attrs.get("alt"), f"{name}: image without alt"
            if tag == "svg":
                assert attrs.get("aria-labelledby"), f"{name}: svg without a title"


def test_rule_source_parameter_glossary_and_myth_pages(site):
    out, _ = site
    from engine import load_knowledge

    k = load_knowledge().knowledge
    for rule in k.rules:
        text = (out / "rules" / f"{rule.id}.html").read_text()
        assert "When it applies" in text and "Tested" in text and "FAQ answers" in text
    for sid in k.sources:
        assert "Rules citing it" in (out / "sources" / f"{sid}.html").read_text()
    params = (out / "parameters.html").read_text()
    for year in (2023, 2024, 2025, 2026):
        assert f'<section id="{year}"' in params and f'href="#{year}"' in params
    assert "$7,000" in params and 'href="sources/notice-2024-80.html"' in params and ">Notice 2024-80</a>" in params
    assert "Cost-of-Living</a>" not in params  # the full notice title is not repeated in every cell
    section = params.split('<section id="2025"', 1)[1].split("</section>", 1)[0]
    order = [m for m in re.findall(r'href="#param-([a-z_0-9]+)"', section)]
    assert order[:4] == ["ira_limit", "roth_phaseout_start", "roth_phaseout_end", "elective_deferral_limit"]
    rule = (out / "rules" / "no-pretax-ira-by-dec31.html").read_text()
    assert '<em class="slot">your pre-tax IRA money on December 31</em>' in rule and "You have to move pre-tax IRA money" in rule
    glossary = (out / "glossary.html").read_text()
    assert all(f'id="fact-{name}"' in glossary for name in k.facts)
    myths = (out / "myths.html").read_text()
    assert myths.count('class="myth"') == len(k.myths) and "Correction" in myths


def test_pictures_diagrams_and_timeline(site):
    out, _ = site
    for name in ("backdoor", "mega-backdoor", "withdrawals", "hsa"):
        page = (out / "diagrams" / f"{name}.html").read_text()
        svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
        assert int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1)) <= 350, name  # fits a 390 px phone
        assert f'<title id="dg-{name}-title">' in svg and "at least modified AGI" not in page
    flow = (out / "diagrams" / "backdoor.html").read_text()
    assert 'href="../rules/backdoor-roth-needed.html"' in flow and "Is your MAGI at or below the start" in flow
    timeline = (out / "faq" / "conversion-five-year-clock-each.html").read_text()
    assert 'class="timeline"' in timeline and "2024 conversion" in timeline


def test_search_index(site):
    out, _ = site
    text = (out / "search-index.js").read_text()
    assert text.startswith("window.ROTHKB_SEARCH = ") and text.endswith(";\n")
    index = json.loads(text.removeprefix("window.ROTHKB_SEARCH = ").removesuffix(";\n"))
    urls = {d["id"] for d in index["docs"]}
    assert all((out / u).is_file() for u in urls)
    assert sum(u.startswith("faq/") for u in urls) >= 60 and any(u.startswith("rules/") for u in urls)
    assert index["synonyms"]["husband"] == "spouse" and all(d["topic"] and d["text"] for d in index["docs"])
    assert (out / "assets" / "vendor" / "minisearch-7.2.0.js").is_file()


def test_static_hosting_files(site, tmp_path, monkeypatch):
    out, _ = site
    assert "Page not found" in (out / "404.html").read_text() and not (out / "sitemap.xml").exists()
    assert 'rel="canonical"' not in (out / "index.html").read_text()
    for path in out.rglob("*.html"):
        assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'" in path.read_text()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert build(tmp_path / "pub", "--base-url", "https://faq.example.org/roth") == 0
    sitemap = (tmp_path / "pub" / "sitemap.xml").read_text()
    assert "<loc>https://faq.example.org/roth/faq/spouse-ira-pro-rata.html</loc>" in sitemap and "404.html" not in sitemap
    faq = (tmp_path / "pub" / "faq" / "spouse-ira-pro-rata.html").read_text()
    assert '<link rel="canonical" href="https://faq.example.org/roth/faq/spouse-ira-pro-rata.html">' in faq
    assert 'href="https://faq.example.org/roth/index.html"' in (tmp_path / "pub" / "404.html").read_text()


def test_builds_are_reproducible(site, tmp_path, monkeypatch):
    out, _ = site
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = tmp_path / "again"
    assert build(again) == 0
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_refuses_foreign_folder_and_bad_epoch(cli, tmp_path, monkeypatch):
    (tmp_path / "mine.txt").write_text("keep me")
    result = cli("site", "build", "--out", tmp_path)
    assert result.code == 2 and "not made by 'rothkb site build'" in result.err
    assert (tmp_path / "mine.txt").exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = cli("site", "build", "--out", tmp_path / "new")
    assert result.code == 2 and "SOURCE_DATE_EPOCH" in result.err
    assert cli("site").code == 2


def test_broken_example_is_reported_not_fatal(cli, kb_copy, tmp_path):
    (kb_copy / "faq").mkdir()
    entry = {
        "id": "broken-example",
        "topic": "steps",
        "question": "What if an example is wrong?",
        "aliases": [],
        "answer": "It is shown on the page.",
        "rules": ["no-such-rule", "file-form-8606"],
        "sources": [],
        "example": {"description": "Bad fact name.", "facts": {"tax_year": 2025, "magii": 1}},
    }
    (kb_copy / "faq" / "x.yaml").write_text(yaml.safe_dump({"faq": [entry]}))
    result = cli("--knowledge", kb_copy, "site", "build", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert "faq.broken-example.example: could not run" in result.err and "magii" in result.err
    page = (tmp_path / "out" / "faq" / "broken-example.html").read_text()
    assert "The example could not be run" in page and "not yet written as a rule" in page


def test_check_refuses_raw_html_unsafe_links_and_bad_review_dates(cli, kb_copy):
    (kb_copy / "faq").mkdir()
    path = kb_copy / "faq" / "hsa.yaml"
    text = (Path(__file__).parents[1] / "knowledge" / "faq" / "hsa.yaml").read_text()
    text = text.replace("    reviewed: 2026-11-28\n", "    reviewed: 2999-01-01\n", 1)
    text = text.replace("    reviewed: 2026-11-28\n", "    reviewed: 2026-02-30\n", 1)
    text = text.replace(
        "      It can clear a small pre-tax balance.",
        "      It can <b onclick=x>clear</b> a [small](javascript:alert(1)) balance.",
        1,
    )
    path.write_text(text)
    result = cli("--knowledge", kb_copy, "check")
    assert result.code == 1
    lines = result.err.splitlines() + result.out.splitlines()
    line_no = next(n for n, line in enumerate(text.splitlines(), 1) if "<b onclick" in line)
    assert any(f"hsa.yaml:{line_no}:" in x and "raw HTML" in x and ".answer" in x for x in lines), lines
    assert any(f"hsa.yaml:{line_no}:" in x and "link scheme 'javascript:'" in x for x in lines), lines
    assert any("reviewed" in x and "2999-01-01 is in the future" in x for x in lines), lines
    assert any("reviewed" in x and "expected a real date" in x and "2026-02-30" in x for x in lines), lines


def test_the_bundled_knowledge_builds_without_warnings(tmp_path, capfd):
    # A diagram that asks about a fact its rules do not read is reported as a warning; the
    # bundled site must have none (a reader would follow a question that decides nothing).
    assert build(tmp_path / "_site") == 0
    out, err = capfd.readouterr()
    assert "0 warning(s)" in out + err and "warning:" not in out + err
