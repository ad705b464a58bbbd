"""The command that will judge a build's tests, fixed before the model plans anything.

`.github/kiln.yml`'s `test` wins; otherwise Kiln looks in the repository's own files, in
order: a CI workflow step that runs a recognised runner at the repository's root,
package.json's test script, pytest's configuration, a `tests/` directory of `test_*.py`.
Only when none of them gives a command does the model's plan choose (among recognised runners).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from worker.builder.origin import CONFIGURED, PLANNED, TestOrigin, derived_from
from worker.builder.runners import NotARunner, language_of, package_scripts, resolve, split

PYTEST_COMMAND = "python3 -m pytest -q"
WORKFLOWS_DIR = ".github/workflows/"
# Tools a CI step runs the runner through; in the sandbox the runner itself is on PATH.
WRAPPERS = frozenset({"poetry", "uv", "pipenv", "pdm", "hatch"})
PYTEST_SECTIONS = {"setup.cfg": "[tool:pytest]", "tox.ini": "[pytest]", "pytest.ini": ""}
CONTINUED_LINE = re.compile(r"\\\n\s*")
TEST_FILE = re.compile(r"^tests/(.+/)?test_[^/]*\.py$")


@dataclass(frozen=True)
class Derived:
    """A test command Kiln found in the repository, and the file it came from."""

    command: str
    source: str


@dataclass(frozen=True)
class FixedTest:
    """The test command fixed before planning (None: the plan chooses), who chose it, and the
    sandbox language its runner needs."""

    command: str | None
    origin: TestOrigin
    language: str | None = None


def fixed_test(configured: str | None, files: Mapping[str, bytes]) -> FixedTest:
    """The config's test command, else one derived from the repository's files."""
    if configured:
        return FixedTest(configured, CONFIGURED, language_of(configured))
    found = derive(files)
    if found is None:
        return FixedTest(None, PLANNED)
    return FixedTest(found.command, derived_from(found.source), language_of(found.command))


def derive(files: Mapping[str, bytes]) -> Derived | None:
    """The repository's own test command, from the first kind of file that gives one."""
    finders: tuple[Callable[[Mapping[str, bytes]], Derived | None], ...] = (
        from_workflows, from_package_json, from_pytest_config, from_test_files)
    return next((found for find in finders if (found := find(files)) is not None), None)


def from_workflows(files: Mapping[str, bytes]) -> Derived | None:
    """The first workflow step line that runs a recognised runner."""
    paths = sorted(path for path in files if path.startswith(WORKFLOWS_DIR)
                   and path.endswith((".yml", ".yaml")) and "/" not in path[len(WORKFLOWS_DIR):])
    for path in paths:
        for line in run_lines(files[path]):
            if (command := runnable(line, files)) is not None:
                return Derived(command, path)
    return None


def run_lines(raw: bytes) -> Iterator[str]:
    """The lines of a workflow's `run` steps that run at the repository's root."""
    try:
        workflow = yaml.safe_load(raw)
    except yaml.YAMLError:
        return
    if not isinstance(workflow, dict) or elsewhere(workflow):
        return
    jobs = workflow.get("jobs")
    for job in jobs.values() if isinstance(jobs, dict) else ():
        if not isinstance(job, dict) or elsewhere(job):
            continue
        for step in job.get("steps") or ():
            if isinstance(step, dict) and isinstance(step.get("run"), str) \
                    and "working-directory" not in step:
                yield from logical_lines(step["run"])


def elsewhere(section: dict[Any, Any]) -> bool:
    """Whether a workflow or job runs its steps in another directory by default."""
    defaults = section.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return isinstance(run, dict) and "working-directory" in run


def logical_lines(script: str) -> list[str]:
    """A step's script as whole command lines: continuations joined, comments dropped."""
    lines = (line.strip() for line in CONTINUED_LINE.sub(" ", script).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def runnable(line: str, files: Mapping[str, bytes]) -> str | None:
    """The line as a command the sandbox can run, when it runs a recognised runner."""
    try:
        env, words = split(line)
    except NotARunner:
        return None
    if len(words) > 2 and words[0] in WRAPPERS and words[1] == "run":
        words = words[2:]
    if words[0] == "python":  # Debian's images have python3 only
        words = ["python3", *words[1:]]
    command = " ".join([*(f"{name}={shlex.quote(value)}" for name, value in env),
                        shlex.join(words)])
    try:
        resolve(command, files)
    except NotARunner:
        return None
    return command


def from_package_json(files: Mapping[str, bytes]) -> Derived | None:
    """`npm test`, when package.json's test script runs a recognised runner."""
    if not isinstance(package_scripts(files).get("test"), str):
        return None
    try:
        resolve("npm test", files)
    except NotARunner:
        return None
    return Derived("npm test", "package.json")


def from_pytest_config(files: Mapping[str, bytes]) -> Derived | None:
    """pytest, when pyproject.toml, setup.cfg, tox.ini or pytest.ini configures it."""
    tool = pyproject(files).get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("pytest"), dict):
        return Derived(PYTEST_COMMAND, "pyproject.toml")
    for path, section in PYTEST_SECTIONS.items():
        text = files.get(path)
        if text is not None and (not section or section.encode() in text):
            return Derived(PYTEST_COMMAND, path)
    return None


def pyproject(files: Mapping[str, bytes]) -> dict[str, Any]:
    """pyproject.toml's tables ({} when there is no readable one)."""
    try:
        return tomllib.loads(files.get("pyproject.toml", b"").decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def from_test_files(files: Mapping[str, bytes]) -> Derived | None:
    """pytest, when a `tests/` directory holds `test_*.py` files."""
    if any(TEST_FILE.match(path) for path in files):
        return Derived(PYTEST_COMMAND, "tests/")
    return None
