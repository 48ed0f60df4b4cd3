"""Lexical search shared by ``rothkb ask`` and the site's search index: tokens, synonyms, BM25.

Everything is computed by hand from the knowledge (no network, no model): a question is split
into words, each word is folded to a canonical term (synonyms, a light stemmer), and documents
are ranked with Okapi BM25 over weighted fields. It imports nothing from rothkb: views, the
answer package and the site builder import it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from explain.search.vocabulary import ANCHORS, PHRASES, STOPWORDS, SYNONYMS

__all__ = [
    "terms",
    "Bm25",
    "Doc",
    "Ranker",
    "STOPWORDS",
    "SYNONYMS",
    "PHRASES",
    "ANCHORS",
    "OFF_TOPIC",
    "is_covered",
    "MIN_SCORE",
    "MIN_SHARE",
    "MIN_MARGIN",
]

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s")


def _stem(word: str) -> str:
    if word in SYNONYMS:
        return SYNONYMS[word]
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                base += "y"
            elif suffix in ("ing", "ed") and len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # putting -> put, planned -> plan
            return SYNONYMS.get(base, base)
    return word


def terms(text: str) -> list[str]:
    """Canonical search terms of a text (stopwords dropped, synonyms and phrases folded).

    Examples:
        >>> terms("Can my wife do a mega back-door Roth with after tax 401(k) money?")
        ['spouse', 'megabackdoor', 'roth', 'aftertax', '401k', 'money']

    """
    text = text.lower().replace("’", "'")
    for pattern, repl in PHRASES:
        text = re.sub(pattern, repl, text)
    out: list[str] = []
    for word in re.findall(r"[a-z0-9][a-z0-9&'-]*", text):
        word = word.strip("'-")
        if word.endswith("'s"):
            word = word[:-2]
        if not word or word in STOPWORDS:
            continue
        folded = _stem(word) if word in SYNONYMS else _stem(word.replace("-", ""))
        out += [t for t in folded.split() if t not in STOPWORDS]
    return out


@dataclass
class Doc:
    """A searchable document: an id and weighted text fields."""

    id: str
    fields: list[tuple[str, float]]
    tf: Counter = field(default_factory=Counter)
    length: float = 0.0


class Bm25:
    """Okapi BM25 over weighted fields (a field of weight 3 counts its terms three times)."""

    def __init__(self, docs: list[Doc], k1: float = 1.2, b: float = 0.6) -> None:
        self.docs, self.k1, self.b = docs, k1, b
        df: Counter = Counter()
        for doc in docs:
            doc.tf = Counter()
            for text, weight in doc.fields:
                for term in terms(text):
                    doc.tf[term] += weight  # type: ignore[assignment]  # weighted counts are floats
            doc.length = sum(doc.tf.values())
            df.update(doc.tf.keys())
        self.avg = sum(d.length for d in docs) / max(len(docs), 1)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        #: idf of a term no document contains (a word the knowledge base never uses).
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    def score(self, query_terms: list[str], doc: Doc) -> float:
        """BM25 score of one document for already-folded query terms."""
        total = 0.0
        for term in set(query_terms):
            tf = doc.tf.get(term, 0.0)
            if tf:
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * doc.length / self.avg))
                total += self.idf[term] * norm
        return total

    def coverage(self, query_terms: list[str], doc: Doc) -> float:
        """Share of the query's idf weight that the document contains (0..1)."""
        unique = set(query_terms)
        weight = sum(self.idf.get(t, self.unseen_idf) for t in unique)
        found = sum(self.idf[t] for t in unique if doc.tf.get(t))
        return found / weight if weight else 0.0

    def rank(self, query: str) -> list[tuple[Doc, float, float]]:
        """Documents with a positive score, best first: ``(doc, score, coverage)``."""
        q = terms(query)
        scored = [(d, self.score(q, d), self.coverage(q, d)) for d in self.docs]
        return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0].id))


class Ranker:
    """FAQ ranking: the best single short text (question or one alias) plus a share of the full-entry BM25.

    A question that matches one alias closely is a strong signal that a long answer mentioning many
    words is not, so short texts get their own index and the full entry only breaks ties.
    """

    def __init__(self, docs: list[Doc], shorts: dict[str, list[str]], weight: float = 0.5) -> None:
        self.full = Bm25(docs)
        self.weight = weight
        self.short = Bm25([Doc(f"{d.id}#{i}", [(text, 1.0)]) for d in docs for i, text in enumerate(shorts.get(d.id, ()))], b=0.5)
        self._owner = {s.id: s.id.rsplit("#", 1)[0] for s in self.short.docs}

    def rank(self, query: str) -> list[tuple[Doc, float, float]]:
        """Entries with a positive score, best first: ``(doc, score, coverage of the query)``."""
        q = terms(query)
        best: dict[str, float] = {}
        for s in self.short.docs:
            owner = self._owner[s.id]
            best[owner] = max(best.get(owner, 0.0), self.short.score(q, s))
        scored = [
            (d, best.get(d.id, 0.0) + self.weight * self.full.score(q, d), self.full.coverage(q, d)) for d in self.full.docs
        ]
        return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0].id))

    def anchored(self, query: str, doc: Doc) -> bool:
        """True when the query and the document share a subject term (see :data:`ANCHORS`)."""
        return any(t in ANCHORS and doc.tf.get(t) for t in terms(query))


#: Subjects next to rothkb's that it does not cover: a question about one of them is refused even
#: when it also names an IRA ("Can I hold bitcoin in my Roth IRA?"), unless the best entry itself
#: talks about it.
OFF_TOPIC = re.compile(
    r"\b(?:crypto\w*|bitcoin|ethereum|solana|dogecoin|nfts?|529s?|mortgages?|refinanc\w*|"
    r"standard deduction|itemi[sz]\w*|capital gains?|child tax credit|dependents?|life insurance|"
    r"annuit(?:y|ies)|gift tax|estate tax|estate plan\w*|home office|real estate|rental propert\w*|"
    r"credit (?:card|score)s?|car loans?|stock picks?|which (?:stocks?|funds?|etfs?)|gold|silver|"
    r"medicare|medicaid|fafsa|tuition|sales tax|property tax|ev credit|electric vehicle|"
    r"social security (?:benefits?|income|taxable)|pensions? (?:buyout|annuity|lump)|"
    r"best (?:funds?|etfs?|investments?|stocks?)|what (?:should|to) i invest in|"
    r"which (?:\w+ )?(?:funds?|stocks?|etfs?|investments?)|(?:what|which) should i (?:buy|hold|invest)|"
    r"asset allocation|"
    r"401k loans?|hardship withdrawals?|401k[^.?!]{0,40}\b(?:house|home|car|tuition)|"
    r"(?:house|home|car)\b[^.?!]{0,40}\b401k)\b"
)

#: A best match needs at least this score ...
MIN_SCORE = 5.0
#: ... and the best matches (the first three) must hold this share of the question's subject terms ...
MIN_SHARE = 0.6
#: ... or lead the second match by this factor.
MIN_MARGIN = 1.5


#: Terms that name the subject of a question (besides :data:`ANCHORS`): coverage counts only these,
#: so everyday words ("last month", "sitting around") neither help nor hurt.
SUBJECT = ANCHORS | frozenset(
    """
magi limit spouse joint separate tax taxable penalty withdraw earnings compensation employer match
deferral legal deadline extension excess recharacterize dec31 steptransaction selfemployed software
mistake annual fiveyear direct hsa hdhp testing transfer old leave plan income qualified ordering
withholding monthly lump limit phase bracket brokerage taxable deduct deduction married divorce
""".split()
)


def is_covered(ranker: Ranker, query: str, ranked: list[tuple[Doc, float, float]], min_score: float = MIN_SCORE) -> bool:
    """Whether the best match answers the question.

    Only the question's *domain terms* count, the terms the knowledge base itself uses, so rare
    filler ("my CPA seems nervous") cannot push a clear best match below the bar. The best match
    must score at least :data:`MIN_SCORE` and share a subject term with the question
    (:meth:`Ranker.anchored`); then either the best three matches hold :data:`MIN_SHARE` of the
    question's :data:`SUBJECT` terms (the knowledge base covers what it is about), or the best match
    leads the runner-up by :data:`MIN_MARGIN`. A question about an :data:`OFF_TOPIC` subject is
    refused.

    Examples:
        >>> texts = {"a": "is the backdoor roth legal", "b": "hsa limit for a family", "c": "roth conversion five year rule"}
        >>> r = Ranker([Doc(i, [(t, 3.0)]) for i, t in texts.items()], {i: [t] for i, t in texts.items()})
        >>> q = "Is the backdoor Roth legal? My CPA seems nervous"
        >>> is_covered(r, q, r.rank(q), min_score=1.0)
        True
        >>> q = "Should I put bitcoin in my backdoor Roth?"
        >>> is_covered(r, q, r.rank(q), min_score=1.0)
        False

    """
    if not ranked:
        return False
    best, score, _ = ranked[0]
    if score < min_score or not ranker.anchored(query, best):
        return False
    lowered = query.lower()
    for m in OFF_TOPIC.finditer(lowered):
        if not any(m.group(0) in text.lower() for text, _ in best.fields):
            return False
    domain = {t for t in terms(query) if t in SUBJECT and t in ranker.full.idf}
    weight = sum(ranker.full.idf[t] for t in domain)
    close = [doc for doc, _, _ in ranked[:3]]
    share = sum(ranker.full.idf[t] for t in domain if any(d.tf.get(t) for d in close)) / weight if weight else 1.0
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return share >= MIN_SHARE or second == 0.0 or score / second >= MIN_MARGIN
