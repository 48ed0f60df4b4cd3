"""One module per command group. Applications never import each other.

May import ``explain.website``, ``explain.views``, ``explain.search``, ``explain.io`` and ``engine``.
"""
