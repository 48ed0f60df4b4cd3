"""The README's two set-up commands are the ones CI and users run."""

from __future__ import annotations

import re

from tests.conftest import EXAMPLE, ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    main_job, test_job = _commands()
    assert main_job.endswith(f"rothkb explain {EXAMPLE.relative_to(ROOT)}")
    assert test_job.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test_job
    # The linters run in CI before the tests, after the same install step.
    assert any(line.endswith("&& .ci/lint") for line in ci[:-1])


def test_the_bundled_example_named_by_the_readme_explains(cli):
    result = cli("explain", EXAMPLE)
    assert result.code == 0
    assert "## What to do" in result.out and "[^irc-408-d-2]:" in result.out
