"""Knowledge folders that a careless or hostile author could hand to `rothkb check`.

Each case puts one hostile file into a copy of the bundled knowledge and requires one located
line naming that file, exit 1, no traceback, and nothing of the file's content echoed back.
Cases that need a real filesystem object (a link, a pipe, a device) live here rather than in
the patch corpus of ``tests/knowledge_errors/``. Each run is a real process under a timeout,
so a loader that follows ``/dev/zero`` or waits on a pipe fails the test instead of hanging.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_process

SECRET = "sk-live-7f3a9c-do-not-print"
OUTSIDE = "is a link to a file outside the knowledge folder; copy the file in instead"
NOT_REGULAR = "not a regular file (a device, pipe or folder); knowledge files are plain YAML files"


def _secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "credentials"
    secret.write_text(f"api_key: {SECRET}\n", encoding="utf-8")
    return secret


def _link_to_secret(kb: Path, tmp_path: Path) -> Path:
    target = kb / "rules" / "zz-linked.yaml"
    target.symlink_to(_secret_file(tmp_path))
    return target


def _link_to_dev_zero(kb: Path, tmp_path: Path) -> Path:
    target = kb / "rules" / "zz-zero.yaml"
    target.symlink_to("/dev/zero")
    return target


def _fifo(kb: Path, tmp_path: Path) -> Path:
    target = kb / "rules" / "zz-pipe.yaml"
    os.mkfifo(target)
    return target


def _folder(kb: Path, tmp_path: Path) -> Path:
    target = kb / "rules" / "zz-folder.yaml"
    target.mkdir()
    return target


def _relative_link_up_and_out(kb: Path, tmp_path: Path) -> Path:
    _secret_file(tmp_path)
    target = kb / "rules" / "zz-up.yaml"
    target.symlink_to(Path("..") / ".." / "credentials")  # a relative link climbing out
    return target


CASES = {
    "link-to-credentials": (_link_to_secret, OUTSIDE),
    "link-to-dev-zero": (_link_to_dev_zero, OUTSIDE),
    "named-pipe": (_fifo, NOT_REGULAR),
    "folder-named-yaml": (_folder, NOT_REGULAR),
    "relative-link-out": (_relative_link_up_and_out, OUTSIDE),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_refused_with_one_located_line(case, kb_copy, tmp_path):
    make, message = CASES[case]
    hostile = make(kb_copy, tmp_path)
    done = run_process("check", str(kb_copy))
    err = done.stderr.decode()
    wanted = f"{kb_copy.name}/{hostile.relative_to(kb_copy)}: {message}"
    assert done.returncode == 1, err
    assert "Traceback" not in err
    assert SECRET not in err
    assert [line for line in err.splitlines() if str(hostile.name) in line] == [wanted]


def test_a_link_inside_the_folder_is_read(kb_copy, cli):
    # A link that stays inside the folder is an ordinary file: no refusal, only its content's errors.
    (kb_copy / "rules" / "zz-inside.yaml").symlink_to(Path("..") / "myths.yaml")
    result = cli("check", kb_copy)
    assert OUTSIDE not in result.err
    assert f"{kb_copy.name}/rules/zz-inside.yaml:" in result.err


@pytest.mark.parametrize(
    ("content", "shape"),
    [
        (f"{SECRET}\n", "text (27 characters)"),
        (f"- {SECRET}\n- two\n- three\n", "a list of 3 items"),
        (f"'{SECRET}\n\n  second line'\n", "text (2 lines)"),
        ("42\n", "a number"),
    ],
)
def test_a_non_mapping_document_is_described_never_quoted(kb_copy, cli, content, shape):
    (kb_copy / "myths.yaml").write_text(content, encoding="utf-8")
    result = cli("check", kb_copy)
    assert result.code == 1
    assert f"{kb_copy.name}/myths.yaml:1:1: expected a mapping of names to entries, found {shape}" in result.err.splitlines()
    assert SECRET not in result.err


def test_scenario_tests_refuse_a_link_out_of_their_folder(kb_copy, tmp_path):
    (kb_copy / "tests" / "zz-linked.yaml").symlink_to(_secret_file(tmp_path))
    done = run_process("test", str(kb_copy / "tests"))
    err = done.stderr.decode() + done.stdout.decode()
    assert done.returncode == 1, err
    assert SECRET not in err
    assert f"tests/zz-linked.yaml: {OUTSIDE}" in err
