"""Stage 4: one situation → a ``RunResult`` (derived values, firing order, statuses, leaf results).

Owns derived values and the three-valued pass (``evaluate``), statuses of condition trees
(``status``) and simulated answers (``whatif``). May import ``engine.compile`` and below; never
``engine.trace``.
"""
