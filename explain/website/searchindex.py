"""The site's search index: documents for MiniSearch (vendored in ``site/assets/vendor``).

The index is written as a script (``search-index.js``) rather than JSON so that search also
works when the site is opened from disk (``file://``), where browsers refuse ``fetch``. The
same synonyms and stopwords as ``rothkb ask`` are shipped with it; the ranking itself is
MiniSearch's BM25 combined as ``rothkb ask`` does: the best short text of an entry (its
question or one alias) plus a share of the whole entry, so one alias that says the query
outweighs an entry that mentions the words in passing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine import KnowledgeBase
from explain.search import PHRASES, STOPWORDS, SYNONYMS
from explain.website.gather import FaqPage, plain_text

__all__ = ["search_documents", "search_index_js", "SITE_PHRASES"]

#: Kinds of IRA named by two words. "Rollover IRA" is an account, not any rollover near the word
#: IRA: the phrase also gives one joined term, so an entry about the account outranks one about
#: an IRA-to-HSA rollover. Both words stay in the text, so "rollover" alone still finds it.
SITE_PHRASES = tuple(
    (rf"\b{kind}[\s-]+iras?\b", f" {kind}ira {kind} ira ") for kind in ("rollover", "inherited", "sep", "simple")
)


def _topic_name(topic: str, names: dict[str, str]) -> str:
    return names.get(topic, topic.replace("-", " ").capitalize())


def search_documents(kb: KnowledgeBase, faq: list[FaqPage], topic_names: dict[str, str]) -> list[dict[str, Any]]:
    """One document per FAQ entry and per rule: url, title, topic, aliases and plain text."""
    descriptions = kb.descriptions()
    docs = [
        {
            "id": f"faq/{p.id}.html",
            "kind": "Question",
            "title": p.question,
            "topic": _topic_name(p.topic, topic_names),
            "aliases": " · ".join(p.aliases),
            "text": plain_text(p.answer),
        }
        for p in faq
    ]
    for rule in kb.knowledge.rules:
        advice = re.sub(
            r"\{([a-z_0-9]+)\}", lambda m: "your " + descriptions.get(m.group(1), m.group(1)).split(",")[0].lower(), rule.advice
        )
        docs.append(
            {
                "id": f"rules/{rule.id}.html",
                "kind": "Rule",
                "title": rule.title,
                "topic": _topic_name(rule.topic, topic_names),
                "aliases": "",
                "text": f"{advice} {rule.because}",
            }
        )
    return docs


def search_index_js(kb: KnowledgeBase, faq: list[FaqPage], topic_names: dict[str, str]) -> str:
    """``search-index.js``: ``window.ROTHKB_SEARCH = {...}``, deterministic (sorted keys, no dates)."""
    data = {
        "version": kb.version,
        "docs": search_documents(kb, faq, topic_names),
        "phrases": [[pattern, replacement] for pattern, replacement in (*SITE_PHRASES, *PHRASES)],
        "synonyms": dict(sorted(SYNONYMS.items())),
        "stopwords": sorted(STOPWORDS),
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</" would end a script element if the file were ever inlined; keep it inert anyway.
    return "window.ROTHKB_SEARCH = " + text.replace("</", "<\\/") + ";\n"
