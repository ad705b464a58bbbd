"""The test runners Kiln recognises: a command line read as one runner's invocation, and the
flags that make that runner write a machine-readable report where Kiln says.

Only a recognised runner can judge a build, because only its own report counts: whatever a
command prints can be faked (``echo "1 passed"``), a report at a path Kiln picks per run cannot
be faked by printing. The words run as given, each quoted: no shell syntax, no expansion.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path


class RunnerKind(StrEnum):
    """A test runner Kiln knows how to get a report from."""

    PYTEST = "pytest"
    UNITTEST = "unittest"
    NODE = "node --test"
    JEST = "jest"
    VITEST = "vitest"
    MOCHA = "mocha"
    TOX = "tox"


class ReportFormat(StrEnum):
    """How a runner writes its report; ``reportreader`` reads each in the sandbox."""

    JUNIT = "junit"
    UNITTEST = "unittest"
    TAP = "tap"
    JEST = "jest"  # jest's --json; vitest's json reporter writes the same fields
    MOCHA = "mocha"
    TOX = "tox"


class NotARunner(ValueError):
    """The command is not one invocation of a recognised runner; the message says why."""


RECOGNISED = ("pytest, python3 -m pytest, python3 -m unittest, node --test, jest, vitest, "
              "mocha, tox, or npm test (its package.json script running one of these)")
PYTHON_KINDS = frozenset({RunnerKind.PYTEST, RunnerKind.UNITTEST, RunnerKind.TOX})
FORMATS = {
    RunnerKind.PYTEST: ReportFormat.JUNIT, RunnerKind.UNITTEST: ReportFormat.UNITTEST,
    RunnerKind.NODE: ReportFormat.TAP, RunnerKind.JEST: ReportFormat.JEST,
    RunnerKind.VITEST: ReportFormat.JEST, RunnerKind.MOCHA: ReportFormat.MOCHA,
    RunnerKind.TOX: ReportFormat.TOX,
}
# The flags Kiln sets to get the report; a command that sets them itself is refused.
OWNED_FLAGS = {
    RunnerKind.PYTEST: ("--junitxml", "--junit-xml"),
    RunnerKind.UNITTEST: (),
    RunnerKind.NODE: ("--test-reporter", "--test-reporter-destination"),
    RunnerKind.JEST: ("--json", "--outputFile"),
    RunnerKind.VITEST: ("--reporter", "--outputFile"),
    RunnerKind.MOCHA: ("--reporter", "-R", "--reporter-option", "--reporter-options", "-O"),
    RunnerKind.TOX: ("--result-json",),
}
BY_NAME = {"pytest": RunnerKind.PYTEST, "py.test": RunnerKind.PYTEST, "jest": RunnerKind.JEST,
           "vitest": RunnerKind.VITEST, "mocha": RunnerKind.MOCHA, "tox": RunnerKind.TOX}
BY_MODULE = {"pytest": RunnerKind.PYTEST, "unittest": RunnerKind.UNITTEST, "tox": RunnerKind.TOX}
PYTHON = re.compile(r"python(3(\.\d+)?)?")
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
# Variables a command may set before its runner: none of them changes which program runs.
ENV_ALLOWED = frozenset({"PYTHONPATH", "NODE_ENV", "CI", "TZ", "LANG", "LC_ALL",
                         "PYTHONHASHSEED", "FORCE_COLOR", "NO_COLOR"})
SHELL_OPERATOR = re.compile(r"[;&|<>()]+")
NPM_TEST_NAMES = frozenset({"test", "t", "tst"})
NPM_QUIET = frozenset({"--silent", "-s"})
MAX_NPM_DEPTH = 3
# `python -m unittest` writes no report of its own: Kiln runs it through this small script,
# which runs unittest's own main and writes the result's counts to the report file.
UNITTEST_SHIM = (Path(__file__).parent / "unittest_report.py").read_text()


@dataclass(frozen=True)
class Runner:
    """One recognised runner's invocation: the variables it sets, its words, and how many of
    those name the program (Kiln's report flags go right after them, before any ``--``)."""

    kind: RunnerKind
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    program_words: int = 1

    @property
    def language(self) -> str:
        return "python" if self.kind in PYTHON_KINDS else "node"

    @property
    def report_format(self) -> ReportFormat:
        return FORMATS[self.kind]

    def reporting_argv(self, report: str) -> tuple[str, ...]:
        """The words to run so that the runner also writes its report to ``report``."""
        head, tail = self.argv[:self.program_words], self.argv[self.program_words:]
        if self.kind is RunnerKind.UNITTEST:
            return (self.argv[0], "-c", UNITTEST_SHIM, report, *tail)
        return (*head, *report_flags(self.kind, report), *tail)

    def shell_line(self, report: str) -> str:
        """The command line to run: every word quoted, so none of it is shell syntax."""
        assignments = [f"{name}={shlex.quote(value)}" for name, value in self.env]
        return " ".join([*assignments, shlex.join(self.reporting_argv(report))])


def report_flags(kind: RunnerKind, report: str) -> tuple[str, ...]:
    """The flags that make ``kind`` write its machine-readable report to ``report``."""
    if kind is RunnerKind.PYTEST:
        return (f"--junitxml={report}",)
    if kind is RunnerKind.NODE:
        # Two reporters: the readable one for the output, TAP (node 18 has no junit) for Kiln.
        return ("--test-reporter=spec", "--test-reporter-destination=stdout",
                "--test-reporter=tap", f"--test-reporter-destination={report}")
    if kind is RunnerKind.JEST:
        return ("--json", f"--outputFile={report}")
    if kind is RunnerKind.VITEST:
        return ("--reporter=default", "--reporter=json", f"--outputFile={report}")
    if kind is RunnerKind.MOCHA:
        return ("--reporter=json", "--reporter-option", f"output={report}")
    if kind is RunnerKind.TOX:
        return ("--result-json", report)
    return ()


def check(command: str) -> None:
    """Raise NotARunner unless ``command`` can run a recognised runner (``npm test`` is checked
    against package.json only when it runs)."""
    env, words = split(command)
    if npm_script(words) is None:
        runner_of(env, words)


def resolve(command: str, files: Mapping[str, bytes], depth: int = 0) -> Runner:
    """The runner ``command`` runs in a tree of ``files``; npm scripts come from package.json."""
    env, words = split(command)
    npm = npm_script(words)
    if npm is None:
        return runner_of(env, words)
    name, extra = npm
    script = package_scripts(files).get(name)
    if not isinstance(script, str):
        raise NotARunner(f'`{command}` needs a "{name}" script in package.json')
    if depth >= MAX_NPM_DEPTH:
        raise NotARunner(f"`{command}`: npm scripts call each other too deeply")
    try:
        runner = resolve(script, files, depth + 1)
    except NotARunner as exc:
        raise NotARunner(f"`{command}` runs the package.json script `{script}`: {exc}") from None
    owned_flag_check(runner.kind, extra)
    return replace(runner, argv=(*runner.argv, *extra), env=(*env, *runner.env))


def language_of(command: str) -> str | None:
    """The sandbox language a command's runner needs; None when it is not a runner."""
    try:
        env, words = split(command)
        return "node" if npm_script(words) is not None else runner_of(env, words).language
    except NotARunner:
        return None


def is_runner_argv(argv: list[str]) -> bool:
    """Whether words a runner recorded (tox's commands) run a recognised runner; the program
    may be named by its path."""
    if not argv:
        return False
    try:
        runner_of((), [posixpath.basename(argv[0]), *argv[1:]])
    except NotARunner:
        return False
    return True


def split(command: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """The variables a command sets and its words; NotARunner for shell syntax."""
    words = shell_words(command)
    env: list[tuple[str, str]] = []
    while words and (assignment := ASSIGNMENT.fullmatch(words[0])):
        name, value = assignment.groups()
        if name not in ENV_ALLOWED:
            raise NotARunner(f"`{name}` may not be set before the runner "
                             f"(only {', '.join(sorted(ENV_ALLOWED))})")
        env.append((name, value))
        words.pop(0)
    if not words:
        raise NotARunner("the command is empty")
    return tuple(env), words


def shell_words(command: str) -> list[str]:
    """The words sh would see; NotARunner when the command uses shell syntax."""
    if any(char in command for char in "$`\n\\"):
        raise NotARunner("`$`, backquotes, backslashes and line breaks are not allowed: Kiln "
                         "runs the command's words as given, without a shell")
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split, lexer.commenters = True, ""
        tokens = list(lexer)
        words = shlex.split(command)
    except ValueError as exc:
        raise NotARunner(f"the command cannot be read: {exc}") from None
    operator = next((token for token in tokens if SHELL_OPERATOR.fullmatch(token)), None)
    if operator is not None:
        raise NotARunner(f"`{operator}` is shell syntax: give one runner invocation, without "
                         ";, &&, ||, pipes, redirections or subshells")
    return words


def runner_of(env: tuple[tuple[str, str], ...], words: list[str]) -> Runner:
    """The runner ``words`` invoke; NotARunner when they invoke anything else."""
    program, args = words[0], words[1:]
    if program == "npx" and args:
        # The sandbox has the installed tools on PATH; npx itself would look for the network.
        return runner_of(env, args)
    kind, program_words = _kind_of(program, args)
    owned_flag_check(kind, args)
    return Runner(kind, tuple(words), env, program_words)


def _kind_of(program: str, args: list[str]) -> tuple[RunnerKind, int]:
    if program in BY_NAME:
        return BY_NAME[program], 1
    if PYTHON.fullmatch(program) and len(args) >= 2 and args[0] == "-m" \
            and args[1] in BY_MODULE:
        return BY_MODULE[args[1]], 3
    if program == "node" and "--test" in args \
            and all(arg.startswith("-") for arg in args[:args.index("--test")]):
        return RunnerKind.NODE, 1
    if "/" in program:
        raise NotARunner(f"`{program}` is a path: name the runner itself ({RECOGNISED})")
    raise NotARunner(f"`{' '.join([program, *args])[:80]}` is not a recognised test runner; "
                     f"use {RECOGNISED}")


def owned_flag_check(kind: RunnerKind, args: list[str] | tuple[str, ...]) -> None:
    """NotARunner when ``args`` set a flag Kiln sets itself to get the report."""
    for arg in args:
        flag = next((f for f in OWNED_FLAGS[kind] if arg == f or arg.startswith(f + "=")), None)
        if flag is not None:
            raise NotARunner(f"`{flag}` is set by Kiln itself to read {kind}'s report; "
                             "leave it out")


def npm_script(words: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """The npm script ``words`` run and the arguments passed on to it; None when not npm."""
    if words[0] != "npm":
        return None
    rest = words[1:]
    cut = rest.index("--") if "--" in rest else len(rest)
    before, extra = rest[:cut], tuple(rest[cut + 1:])
    if any(word.startswith("-") and word not in NPM_QUIET for word in before):
        raise NotARunner("npm's own options are not supported (but --silent); pass the "
                         "runner's arguments after --")
    names = [word for word in before if not word.startswith("-")]
    if len(names) == 1 and names[0] in NPM_TEST_NAMES:
        return "test", extra
    if len(names) == 2 and names[0] in ("run", "run-script"):
        return names[1], extra
    raise NotARunner("npm runs tests here only as `npm test` or `npm run <script>`")


def package_scripts(files: Mapping[str, bytes]) -> dict[str, object]:
    """package.json's ``scripts`` ({} when there is no readable one)."""
    raw = files.get("package.json")
    try:
        data = json.loads(raw) if raw is not None else None
    except (ValueError, UnicodeDecodeError):
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return scripts if isinstance(scripts, dict) else {}
