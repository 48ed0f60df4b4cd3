"""The static FAQ website: gathering, pages, diagrams and the "check my situation" form.

Templates and assets stay in the top-level ``site/`` folder. May import ``explain.views``,
``explain.search``, ``explain.io`` and ``engine``.
"""
