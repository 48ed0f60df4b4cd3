"""``rothkb site build``: pages, links, accessibility basics, reproducibility, robustness."""

from __future__ import annotations

import json
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

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        key = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action"}.get(tag)
        if key and key in a:
            self.links.append(a[key])
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def build(out: Path, *extra: str) -> int:
    return main([*extra, "site", "build", "--out", str(out)])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("site") / "_site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        start = time.perf_counter()
        assert build(out) == 0
        return out, time.perf_counter() - start


def test_build_is_fast_and_covers_the_faq(site):
    out, seconds = site
    assert seconds < 5, f"site build took {seconds:.2f} s"
    info = json.loads((out / "build.json").read_text())
    assert info["faq"] >= 60 and info["faq_examples_executed"] >= 60
    assert info["build_date"] == "2026-01-01"
    faq_pages = sorted((out / "faq").glob("*.html"))
    assert len(faq_pages) == info["faq"]
    executed = [p for p in faq_pages if 'class="explanation"' in p.read_text()]
    assert len(executed) == info["faq_examples_executed"] >= 60
    sample = (out / "faq" / "spouse-ira-pro-rata.html").read_text()
    assert "Rules behind this answer" in sample and "Worked example" in sample and 'href="#cite-' in sample


def test_no_broken_internal_link(site):
    out, _ = site
    pages = {p: parse(p) for p in out.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        for link in page.links:
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
        assert "When it applies" in text and "Scenario tests" in text and "FAQ answers" in text
    for sid in k.sources:
        assert "Rules citing it" in (out / "sources" / f"{sid}.html").read_text()
    params = (out / "parameters.html").read_text()
    for year in (2023, 2024, 2025, 2026):
        assert f'<th scope="col">{year}</th>' in params
    assert "$7,000" in params and 'href="sources/notice-2024-80.html"' in params
    glossary = (out / "glossary.html").read_text()
    assert all(f'id="fact-{name}"' in glossary for name in k.facts)
    myths = (out / "myths.html").read_text()
    assert myths.count('class="myth"') == len(k.myths) and "Correction" in myths


def test_pictures_flowchart_and_timeline(site):
    out, _ = site
    flow = (out / "flowchart.html").read_text()
    assert "<svg" in flow and 'href="rules/backdoor-roth-needed.html"' in flow and '<title id="flow-title">' in flow
    timeline = (out / "faq" / "conversion-five-year-clock-each.html").read_text()
    assert 'class="timeline"' in timeline and "2024 conversion" in timeline


def test_search_index(site):
    out, _ = site
    index = json.loads((out / "search-index.json").read_text())
    urls = {d["url"] for d in index["docs"]}
    assert all((out / u).is_file() for u in urls)
    assert sum(u.startswith("faq/") for u in urls) >= 60 and any(u.startswith("rules/") for u in urls)
    assert index["synonyms"]["husband"] == "spouse" and index["docs"][0]["shorts"]


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
