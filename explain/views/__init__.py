"""Stage 6: pure views of one explanation (Markdown, HTML, JSON) and the plain-English phrases.

No I/O and no knowledge lookups beyond what is passed in. May import ``engine`` only (never
``explain.apps``, ``explain.website``, ``explain.cli`` or ``explain.io``).
"""
