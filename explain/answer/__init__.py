"""Answering a free-text question: read the facts it states, rank the FAQ, run the engine, lead with the figure.

Owns the question reader (``read``, with ``amounts``, ``cues`` and ``statements``), the lead
figure (``figures``) and the answer (``ask``), used by
``rothkb ask`` and by the JSON API. May import ``explain.views``, ``explain.search`` and ``engine``;
it sits beside ``explain.website`` and imports neither it nor any application.
"""

from explain.answer.ask import Answer, ask

__all__ = ["Answer", "ask"]
