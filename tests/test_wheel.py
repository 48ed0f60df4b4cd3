"""The built wheel works outside the checkout: installed in a fresh virtualenv, run from a temporary folder.

Marked ``wheel`` (``pytest -m wheel`` runs only this; it is part of the default suite). The
dependencies come from this virtualenv through a ``.pth`` line, so the test needs no network and no
index; the checkout itself is not on the fresh interpreter's path (the editable install's own
``.pth`` lives in this virtualenv and is not processed there), which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from engine import load_knowledge
from tests.conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh virtualenv with the wheel of this checkout installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("rothkb-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_rothkb_test_deps.pth").write_text("".join(d + "\n" for d in sorted(deps)))
    return tmp / "venv" / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / "rothkb"), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_the_wheel_runs_anywhere(installed, tmp_path, cli):
    where = subprocess.run(
        [str(installed / "python"), "-c", "import engine, explain.website.build as b; print(engine.__file__); print(b.SITE_DIR)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.split()
    assert all(str(installed.parent) in p and str(ROOT) not in p for p in where), where
    shutil.copy(EXAMPLE, tmp_path / "facts.yaml")

    version = run(installed, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("rothkb 0.") and str(installed.parent) in version.stdout
    assert f"(knowledge {load_knowledge().version}, " in version.stdout

    explained = run(installed, tmp_path, "explain", "facts.yaml", "--format", "json")
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout == cli("explain", EXAMPLE, "--format", "json").out
    assert json.loads(explained.stdout)["figures"]["taxable_conversion"] == 5640

    checked = run(installed, tmp_path, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run(installed, tmp_path, "test")
    assert tested.returncode == 0 and "passed" in (tested.stdout + tested.stderr), tested.stdout[-2000:] + tested.stderr
    asked = run(installed, tmp_path, "ask", "does my spouse's IRA count for pro rata?", "--format", "json")
    assert asked.returncode == 0 and json.loads(asked.stdout)["covered"] is True, asked.stderr

    built = run(installed, tmp_path, "site", "build", "--out", "site")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "assets" / "style.css").is_file()
    assert len(list((tmp_path / "site").rglob("*.html"))) > 150
