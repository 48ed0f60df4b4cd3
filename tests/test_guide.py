"""The authoring guide (knowledge/README.md) cannot rot: its walkthrough is replayed here.

Fenced blocks of the walkthrough are steps, in order:

- ```` ```yaml file="PATH" ```` writes PATH; with ``after="LINE"`` the block is inserted right
  after the first line equal to LINE instead;
- ```` ```console ```` holds ``$ rothkb ...`` commands, each followed by lines its output
  (stdout and stderr) must contain, in order; ``...`` in an expected line matches anything.

Commands run in a temporary folder holding a copy of the bundled knowledge, with
``--knowledge knowledge`` added, so the guide's commands work on the copy unchanged.
"""

from __future__ import annotations

import re
import shlex
import shutil

from tests.conftest import KNOWLEDGE

GUIDE = KNOWLEDGE / "README.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def walkthrough_blocks() -> list[tuple[str, dict[str, str], str]]:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## Walkthrough")
    end = text.index("\n## ", start + 10)
    return [(lang, dict(re.findall(r'(\w+)="([^"]*)"', attrs)), body) for lang, attrs, body in FENCE.findall(text[start:end])]


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split("...")))


def test_walkthrough_has_every_step():
    blocks = walkthrough_blocks()
    files = [attrs.get("file") for lang, attrs, _ in blocks if lang == "yaml"]
    assert files == [
        "knowledge/facts.yaml",
        "knowledge/sources.yaml",
        "knowledge/rules/deadlines.yaml",
        "knowledge/tests/deadlines.yaml",
        "me.yaml",
    ]
    commands = [line for lang, _, body in blocks if lang == "console" for line in body.splitlines() if line[:2] == "$ "]
    assert [c.split()[1:3] for c in commands] == [
        ["rothkb", "check"],
        ["rothkb", "test"],
        ["rothkb", "test"],
        ["rothkb", "show"],
        ["rothkb", "explain"],
    ]


def test_following_the_guide_adds_a_rule_and_its_test_that_pass(tmp_path, monkeypatch, cli):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=shutil.ignore_patterns("faq", "*.md"))
    monkeypatch.chdir(tmp_path)
    ran = []
    for lang, attrs, body in walkthrough_blocks():
        if lang == "yaml":
            target = tmp_path / attrs["file"]
            if "after" in attrs:
                lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
                at = lines.index(attrs["after"] + "\n") + 1
                target.write_text("".join(lines[:at]) + body + "".join(lines[at:]), encoding="utf-8")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body, encoding="utf-8")
            continue
        assert lang == "console", f"unexpected block {lang}"
        steps: list[tuple[list[str], list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((shlex.split(line[2:]), []))
            elif line.strip():
                steps[-1][1].append(line)
        for command, expected in steps:
            assert command[0] == "rothkb"
            result = cli("--knowledge", "knowledge", *command[1:])
            output = result.out + result.err
            assert result.code == 0, f"{' '.join(command)} exited {result.code}:\n{output}"
            lines = output.splitlines()
            position = 0
            for wanted in expected:
                pattern = _pattern(wanted)
                while position < len(lines) and not pattern.fullmatch(lines[position]):
                    position += 1
                assert position < len(lines), f"{' '.join(command)}: no line {wanted!r} in:\n{output}"
                position += 1
            ran.append(command[1])
    assert ran == ["check", "test", "test", "show", "explain"]


def test_a_misspelt_fact_in_the_guide_rule_is_reported_as_the_guide_says(tmp_path, monkeypatch, cli):
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge", ignore=shutil.ignore_patterns("faq", "*.md"))
    monkeypatch.chdir(tmp_path)
    for lang, attrs, body in walkthrough_blocks():
        if lang == "yaml" and "after" in attrs:
            target = tmp_path / attrs["file"]
            target.write_text(target.read_text().replace(attrs["after"] + "\n", attrs["after"] + "\n" + body, 1))
        elif lang == "yaml" and attrs["file"].startswith("knowledge/"):
            (tmp_path / attrs["file"]).write_text(
                body.replace("- contributing_between_jan_and_apr ==", "- contributing_between_jan_and_ap ==")
            )
    result = cli("check", "knowledge")
    assert result.code == 1
    quoted = re.search(r"line such as\n`([^`]+)`", GUIDE.read_text(encoding="utf-8")).group(1)
    assert quoted in result.err.splitlines()
