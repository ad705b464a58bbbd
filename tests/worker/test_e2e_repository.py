"""End to end: a build into a repository holding every awkward kind of file git knows."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from emulators.github import SeedFile
from emulators.model import ToolCall, Turn
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack

pytestmark = pytest.mark.docker
TRIGGER = "build me"
SUBMODULE_COMMIT = "2" * 40
REPO_TEST = """import os
import subprocess

from pkg.alias import VALUE


def test_imports_through_a_symlink():
    assert VALUE == 7 and os.path.islink("pkg/alias.py")


def test_runs_an_executable_script():
    assert subprocess.run(["./bin/check.sh"], capture_output=True, text=True).stdout == "ok\\n"


def test_reads_a_large_fixture():
    assert os.path.getsize("data/big.bin") == 2 * 1024 * 1024


def test_reads_a_non_utf8_file():
    with open("latin1.txt", "rb") as handle:
        assert handle.read() == b"Caf\\xe9\\n"


def test_writes_an_ignored_build_output():
    os.makedirs("build", exist_ok=True)
    with open("build/out.log", "w") as handle:
        handle.write("built\\n")
"""
NEW_SCRIPT = "printf '#!/bin/sh\\necho new\\n' > bin/new.sh && chmod +x bin/new.sh"


def awkward_repository() -> dict[str, SeedFile | bytes | str]:
    return {
        "pkg/__init__.py": "",
        "pkg/real.py": "VALUE = 7\n",
        "pkg/alias.py": SeedFile.symlink("real.py"),
        "bin/check.sh": SeedFile.executable("#!/bin/sh\necho ok\n"),
        "data/big.bin": random.Random(3).randbytes(2 * 1024 * 1024),
        "latin1.txt": b"Caf\xe9\n",
        "vendor/lib": SeedFile.submodule(SUBMODULE_COMMIT),
        ".gitignore": "build/\n",
        "test_repo.py": REPO_TEST,
    }


def build_turns() -> list[Turn]:
    """Write calc and its test, make a new executable, finish: the submodule is named."""
    return [script.plan(expect=f"vendor/lib (commit {SUBMODULE_COMMIT})"),
            Turn.tool_calls([script.write("calc.py", script.CALC),
                             script.write("test_calc.py", script.CALC_TEST),
                             ToolCall("run_command", {"command": NEW_SCRIPT})]),
            Turn.tool_calls([script.finish()])]


def test_the_pull_request_changes_only_what_the_build_meant_to(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(build_turns())
    kiln.emulator.push(OWNER, REPO, "main", awkward_repository(), "awkward files")
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction",
                                      "calc.sub(a, b) should return a - b.", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)
    body = kiln.wait_for_state(number, "done", timeout=180.0)
    assert "7 passed" in body
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    base = kiln.emulator.entries(OWNER, REPO, "main")
    head = kiln.emulator.entries(OWNER, REPO, pull.head_ref)
    changed = {path for path in {*base, *head} if base.get(path) != head.get(path)}
    assert changed == {"calc.py", "test_calc.py", "bin/new.sh"}
    assert head["bin/new.sh"] == SeedFile.executable("#!/bin/sh\necho new\n")
    assert head["pkg/alias.py"] == SeedFile.symlink("real.py")
    assert "build/ (ignored by .gitignore)" in (pull.body or "")
    kiln.model.assert_done()
