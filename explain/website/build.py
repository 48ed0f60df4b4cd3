"""``rothkb site build``: the static FAQ website, generated from the knowledge.

The build runs in three phases (gather and check, render into memory, write), so a problem
in one page never leaves half a site behind. Templates and assets live in ``site/`` at the
root of the repository. The build date comes from ``SOURCE_DATE_EPOCH`` when it is set, so
two builds of the same knowledge are byte-for-byte identical.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from engine import KnowledgeBase
from engine.errors import UsageError
from engine.trace.formatting import format_value
from explain.views.sentences import label
from explain.website.pages import render_pages

__all__ = ["build_site", "get_env", "build_date", "normalise_base_url", "SITE_DIR", "BuildResult"]


def _site_dir() -> Path:
    """``site/``: package data in a wheel (``explain/website/site``), the top-level folder in a checkout."""
    bundled = resources.files("explain.website") / "site"
    if isinstance(bundled, Path) and bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "site"


#: Templates (``site/templates``) and static assets (``site/assets``).
SITE_DIR = _site_dir()
#: A file that marks a folder as a generated site, so a rebuild may empty it.
MARKER = ".rothkb-site"


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    pages: int
    faq: int
    executed: int
    warnings: list[str]
    seconds: float


def get_env(site_dir: Path = SITE_DIR) -> jinja2.Environment:
    """The one Jinja environment of the site: strict about undefined names, HTML-escaping by default."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(site_dir / "templates")),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(("html", "j2", "xml"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a template edited in the middle of a build is not useful
    )
    env.filters["fmt"] = format_value
    env.filters["label"] = label
    # Authored descriptions sometimes name another fact (birth_date): say it in words on the page.
    env.filters["words"] = lambda text: re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", lambda m: label(m.group(0)), str(text))
    return env


def build_date(now: float | None = None) -> str:
    """The build date (UTC, ISO): ``SOURCE_DATE_EPOCH`` when set, else today.

    Raises:
        UsageError: when ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.

    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            now = float(int(epoch))
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH: expected a whole number of seconds but received {epoch!r}") from None
    stamp = dt.datetime.fromtimestamp(time.time() if now is None else now, tz=dt.UTC)
    return stamp.date().isoformat()


def _prepare(out: Path) -> Path:
    """Check ``out`` may be replaced; return an empty staging folder beside it (same file system)."""
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out}: exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise UsageError(f"{out}: folder is not empty and was not made by 'rothkb site build'; choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_synced(target: Path, data: bytes) -> None:
    with open(target, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _swap_in(stage: Path, out: Path) -> None:
    """Put the finished site in place: the old one stays whole until the new one is complete."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "site")
    os.replace(stage, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def normalise_base_url(url: str | None) -> str:
    """The ``--base-url`` with one trailing slash; empty when not given.

    Raises:
        UsageError: when it is not an http(s) address.

    """
    if not url:
        return ""
    if not url.startswith(("https://", "http://")) or any(c in url for c in " \"'<>"):
        raise UsageError(f"--base-url: expected an address such as https://example.org/faq/ but received {url!r}")
    return url.rstrip("/") + "/"


def build_site(
    kb: KnowledgeBase, out: Path, with_check: bool = False, warn: Any = None, base_url: str | None = None
) -> BuildResult:
    """Build the whole site into ``out`` (emptied first if it is an earlier build).

    Args:
        kb: The knowledge base.
        out: Output folder.
        with_check: Link the "check my situation" page (only ``rothkb serve`` provides it).
        warn: Called with each warning (default: collect only).
        base_url: Where the site will be published; gives canonical links and ``sitemap.xml``
            (both need absolute addresses, so neither is written without it).

    Raises:
        UsageError: when ``out`` cannot be used or a template fails.

    """
    start = time.perf_counter()
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn:
            warn(message)

    common = {
        "version": kb.version,
        "short_version": kb.version[:12],
        "build_date": build_date(),
        "with_check": with_check,
        "base_url": normalise_base_url(base_url),
    }
    pages = render_pages(get_env(), kb, common, note)  # phases 1 and 2: nothing written yet
    stage = _prepare(out)
    try:  # built in a staging folder, fsync'd, then renamed: a crash never leaves half a site
        for rel, text in sorted(pages.items()):
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_synced(target, text.encode("utf-8"))
        shutil.copytree(SITE_DIR / "assets", stage / "assets")
        _write_synced(stage / MARKER, b"generated by rothkb site build\n")
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes it 0700
        _swap_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    info = json.loads(pages["build.json"])
    return BuildResult(
        out,
        sum(r.endswith(".html") for r in pages),
        info["faq"],
        info["faq_examples_executed"],
        warnings,
        time.perf_counter() - start,
    )
