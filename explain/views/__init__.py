"""Stage 6: pure views of one explanation (Markdown, HTML, JSON) and the plain-English phrases.

``present`` decides what an explanation shows and in which order (cost, then plan order, then
importance; only the topics the facts touch); ``markdown`` and ``html`` render that one reading,
``jsonview`` the contract's JSON; ``labels`` and ``sentences`` hold the English; ``render``
keeps the names the commands import.

No I/O and no knowledge lookups beyond what is passed in. May import ``engine`` only (never
``explain.apps``, ``explain.website``, ``explain.cli`` or ``explain.io``).
"""
