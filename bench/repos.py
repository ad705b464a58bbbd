"""Reading a repository: the worker's git reader against the old blob-by-blob REST read.

Generated repositories of realistic shape (nested packages, their tests, docs, a few large
files, symlinks, executable scripts) are loaded into the GitHub emulator; each is read both
ways through the worker's own installation client, in the same run: API calls (counted by the
worker's `ApiMeter`), seconds until the files are on the worker's disk or in its memory, and
the worker's Python memory (tracemalloc peak, in a second pass so it does not slow the timed
one; git runs in its own short-lived process, not counted here). With Docker, each read is
also timed until it is ready in a sandbox (started, seeded as a build seeds it, `git status`
answered there), and each repository is built once through the web app and a real worker
(`bench.repo_build`): seconds from the label to the model's first request and to a ready
sandbox, and the API calls of the whole build. The goals are printed as bounds and a ratio
measured in this run.

Run: ``.venv/bin/python -m bench.repos [--sizes 100,1000,10000]`` from the repository root.
"""

from __future__ import annotations

import argparse
import base64
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker

from bench import repo_build
from bench.e2e import OWNER, USER, Kiln
from emulators import localhost
from emulators.github import SeedFile
from sandbox import Sandbox, SandboxConfig
from worker.builder.workspace import Workspace
from worker.github.clients import GitHubClients
from worker.github.repository import Repository

SIZES = (100, 1_000, 10_000)
LARGE_FILE_BYTES = (2_500_000, 1_200_000, 700_000)  # data files a real project keeps
MAX_CALLS = 10  # goal: API calls to read any repository
READY_SECONDS = 10.0  # goal: the 10,000-file repository ready in the sandbox within this
READY_AT = 10_000
RATIO_AT = 1_000  # goal: at least RATIO_GOAL times fewer calls than blob by blob, here
RATIO_GOAL = 100.0
UNLIMITED = 10**9  # the emulator's hourly quota for the bench: blob by blob needs more than
# a real installation's 5,000 for the largest repository, which is part of the point
PYPROJECT = '[project]\nname = "generated"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n'
SOURCE = '''"""Module {name}."""

from __future__ import annotations


class {title}:
    """Keeps {name} state."""

    def __init__(self, size: int = {n}) -> None:
        self.size = size
        self.items: list[int] = []

    def add(self, value: int) -> None:
        self.items.append(value * {n})

'''
TEST = '''from {module} import {title}


def test_{name}_adds() -> None:
    thing = {title}()
    thing.add(2)
    assert thing.items == [{double}]
'''


# --- repositories of realistic shape ------------------------------------------------------

def generated_files(count: int, seed: int = 12) -> dict[str, SeedFile | str | bytes]:
    """`count` files: packages nested three deep with a test for every third module, docs,
    executable scripts (about 1%), symlinks (about 0.5%) and a few large data files."""
    rng = random.Random(seed)
    files: dict[str, SeedFile | str | bytes] = {
        "README.md": "# generated\n", "pyproject.toml": PYPROJECT}
    for index, size in enumerate(LARGE_FILE_BYTES[:max(1, count // 3000)]):
        files[f"data/fixture_{index}.bin"] = rng.randbytes(size)
    modules: list[str] = []
    while len(files) < count:
        n = len(files)
        if n % 100 == 7:
            files[f"scripts/tool_{n}.sh"] = SeedFile.executable(f"#!/bin/sh\necho {n}\n")
        elif n % 200 == 11 and modules:
            files[f"links/alias_{n}.py"] = SeedFile.symlink(f"../{rng.choice(modules)}")
        elif n % 50 == 3:
            files[f"docs/section_{n % 7}/page_{n}.md"] = f"# Page {n}\n\n" + "Text. " * 200
        elif n % 3 == 0 and modules:
            files.update(_test_of(modules[-1]))
        else:
            path = f"src/pkg_{n % 13}/sub_{n % 7}/deep_{n % 3}/module_{n}.py"
            files[path] = SOURCE.format(name=f"module_{n}", title=f"Thing{n}", n=n)
            modules.append(path)
    return files


def _test_of(module: str) -> dict[str, SeedFile | str | bytes]:
    name = Path(module).stem
    dotted = module.removeprefix("src/").removesuffix(".py").replace("/", ".")
    n = int(name.rpartition("_")[2])
    title = f"Thing{n}"
    return {f"tests/{Path(module).parent.relative_to('src')}/test_{name}.py":
            TEST.format(module=dotted, title=title, name=name, double=2 * n)}


# --- the two ways of reading ----------------------------------------------------------------

def read_with_git(gh: Any, repo: str, into: Path) -> Mapping[str, bytes]:
    """The worker's reader, called as a build calls it: the default branch, its head, one
    checkout. Returns the files as a build gets them (read from the checkout when asked)."""
    repository = Repository(gh, OWNER, repo)
    head = repository.branch_head(repository.default_branch())
    assert head is not None
    return repository.snapshot(head, into).files


def read_blob_by_blob(gh: Any, repo: str, into: Path) -> Mapping[str, bytes]:
    """The old way, kept here as the baseline: one recursive tree, then one REST call per
    blob, every file held in memory (a symlink as a file holding its target, modes lost)."""
    branch = gh.rest.repos.get(OWNER, repo).parsed_data.default_branch
    head = gh.rest.git.get_ref(OWNER, repo, f"heads/{branch}").parsed_data.object_.sha
    tree_sha = gh.rest.git.get_commit(OWNER, repo, head).parsed_data.tree.sha
    tree = gh.rest.git.get_tree(OWNER, repo, tree_sha, recursive="1").parsed_data
    files = {entry.path: base64.b64decode(
                 gh.rest.git.get_blob(OWNER, repo, entry.sha).parsed_data.content)
             for entry in tree.tree if entry.type == "blob"}
    return files


Reader = Callable[[Any, str, Path], Mapping[str, bytes]]
GIT, BLOB = "git (worker)", "blob by blob"
WAYS: dict[str, Reader] = {GIT: read_with_git, BLOB: read_blob_by_blob}


@dataclass(frozen=True)
class Reading:
    """One repository read one way."""

    way: str
    size: int
    files: int
    calls: int
    seconds: float
    ready_seconds: float | None = None  # read, then in a started sandbox as git answers there
    peak_bytes: int = 0


def repo_name(size: int) -> str:
    return f"repo-{size}"


class Bench:
    """Kiln installed in the emulator (as `bench.e2e` runs it) with one generated repository
    per size, the worker's installation clients, and Docker's client when Docker answers."""

    def __init__(self, exits: ExitStack, workdir: Path, sizes: list[int]) -> None:
        self.workdir = workdir
        self.kiln = Kiln(exits, workdir, exits.enter_context(localhost.redis_server(workdir)))
        exits.callback(self.kiln.stop_workers)
        self.kiln.emulator.set_rate_limit(UNLIMITED)
        for size in sizes:
            self.kiln.emulator.create_repo(OWNER, repo_name(size), files=generated_files(size))
            self.kiln.emulator.set_permission(OWNER, repo_name(size), USER, "write")
        self.clients = GitHubClients(self.kiln.settings, self.kiln.redis)
        self.sandboxes = SandboxConfig.from_settings(self.kiln.settings)
        self.docker = reachable_docker()

    def read(self, way: str, size: int, traced: bool = False) -> Reading:
        """Read the repository of `size` files one way, with a fresh client and directory;
        untraced, and with Docker, also timed until it is ready in a sandbox."""
        meter = self.clients.meter(self.kiln.installation)
        into = Path(tempfile.mkdtemp(dir=self.workdir, prefix=f"{size}-"))
        with self.clients.installation(self.kiln.installation, meter) as gh, \
                _traced(traced) as peak:
            began = time.perf_counter()
            files = WAYS[way](gh, repo_name(size), into / "checkout")
            seconds = time.perf_counter() - began
        ready = None if traced else self.ready(files, began)
        return Reading(way, size, len(files), meter.calls, seconds, ready, peak())

    def ready(self, files: Mapping[str, bytes], began: float) -> float | None:
        """Seconds from `began` until `files` are in a started sandbox as a build puts them
        there and git in the sandbox has answered `git status` (stopping it is off the
        clock); None without Docker."""
        if self.docker is None:
            return None
        with Sandbox.start(self.docker, self.sandboxes.image_for("python"), self.sandboxes) as box:
            Workspace(box, files)
            box.git(["status", "--porcelain"])
            return time.perf_counter() - began


def reachable_docker() -> docker.DockerClient | None:
    """Docker's client, or None (said once) when the engine does not answer."""
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        print(f"Docker does not answer ({exc}): sandbox and whole-build figures are skipped")
        return None
    return client


@contextmanager
def _traced(on: bool) -> Iterator[Callable[[], int]]:
    """Inside: tracemalloc running when `on`; the peak it saw is read after the block."""
    peak = [0]
    if on:
        tracemalloc.start()
    try:
        yield lambda: peak[0]
    finally:
        if on:
            peak[0] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


# --- the report -----------------------------------------------------------------------------

def table(readings: list[Reading], peaks: dict[tuple[str, int], int]) -> list[str]:
    lines = [f"{'files':>7}  {'way':<13} {'read':>7} {'API calls':>10} {'read (s)':>9} "
             f"{'ready (s)':>10} {'memory (MB)':>12}"]
    for r in readings:
        memory = peaks[(r.way, r.size)] / 1e6
        ready = "-" if r.ready_seconds is None else f"{r.ready_seconds:.2f}"
        lines.append(f"{r.size:>7,}  {r.way:<13} {r.files:>7,} {r.calls:>10,} "
                     f"{r.seconds:>9.2f} {ready:>10} {memory:>12.1f}")
    return lines


def build_table(builds: list[repo_build.Build], readings: list[Reading]) -> list[str]:
    """The whole builds, and what blob by blob would make of the first model call: the same
    build with this run's git read swapped for this run's blob-by-blob read."""
    by = {(r.way, r.size): r for r in readings}
    lines = [f"{'files':>7}  {'first model call (s)':>20} {'ready (s)':>10} {'build (s)':>10} "
             f"{'API calls':>10}  {'state':<7} {'blob by blob: first call (s)':>28}"]
    for b in builds:
        git, old = by[(GIT, b.size)], by[(BLOB, b.size)]
        derived = b.first_call - git.seconds + old.seconds
        lines.append(f"{b.size:>7,}  {b.first_call:>20.2f} {b.ready:>10.2f} {b.total:>10.2f} "
                     f"{b.calls:>10,}  {b.state.value:<7} {derived:>28.2f}")
    return lines


def goals(readings: list[Reading], builds: list[repo_build.Build]) -> list[str]:
    """Each goal with what this run measured, and whether it was met."""
    by = {(r.way, r.size): r for r in readings}
    most = max(r.calls for r in readings if r.way == GIT)
    lines = [_goal(f"at most {MAX_CALLS} API calls to read any repository (git)",
                   f"{most} at most", most <= MAX_CALLS)]
    lines += _ready_goals(by.get((GIT, READY_AT)),
                          next((b for b in builds if b.size == READY_AT), None))
    if (GIT, RATIO_AT) in by and (BLOB, RATIO_AT) in by:
        ratio = by[(BLOB, RATIO_AT)].calls / by[(GIT, RATIO_AT)].calls
        lines.append(_goal(f"at least {RATIO_GOAL:.0f}x fewer API calls than blob by blob at "
                           f"{RATIO_AT:,} files", f"{ratio:.0f}x", ratio >= RATIO_GOAL))
    for r in (r for r in readings if r.way == GIT):
        old = by.get((BLOB, r.size))
        if old is not None:
            lines.append(f"  {r.size:>7,} files: git {old.seconds / r.seconds:.1f}x faster, "
                         f"{old.calls / r.calls:.0f}x fewer calls than blob by blob")
    return lines


def _ready_goals(reading: Reading | None, build: repo_build.Build | None) -> list[str]:
    """The ready-in-the-sandbox bound, on the reader and sandbox alone and on a whole build."""
    text = f"{READY_AT:,} files ready in the sandbox within {READY_SECONDS:.0f} s"
    lines = []
    if reading is not None and (seconds := reading.ready_seconds) is not None:
        lines.append(_goal(f"{text} (fetch, sandbox start, seed, git status)",
                           f"{seconds:.2f} s", seconds <= READY_SECONDS))
    if build is not None:
        lines.append(_goal(f"{text} (whole build: from the label, the plan included)",
                           f"{build.ready:.2f} s", build.ready <= READY_SECONDS))
    return lines or [f"  [not measured] {text}: needs Docker and the {READY_AT:,}-file size"]


def _goal(text: str, measured: str, met: bool) -> str:
    return f"  [{'met' if met else 'MISSED'}] {text}: {measured}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated repository sizes in files (default %(default)s)")
    sizes = [int(size) for size in parser.parse_args(argv).sizes.split(",")]
    with ExitStack() as exits, tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp:
        print(f"generating {', '.join(f'{s:,}' for s in sizes)}-file repositories ...",
              flush=True)
        bench = Bench(exits, Path(tmp), sizes)
        timed = [bench.read(way, size) for size in sizes for way in WAYS]
        for reading in timed:
            assert reading.files == reading.size, f"{reading} did not read every file"
        peaks = {(way, size): bench.read(way, size, traced=True).peak_bytes
                 for size in sizes for way in WAYS}
        builds = whole_builds(bench, sizes)
    print("\n".join(table(timed, peaks)))
    print("read: until the files are on the worker; ready: until, besides, a sandbox is started,"
          " holds them as a build puts them there, and git there answered `git status`")
    print("memory: the worker's Python allocations at their peak (tracemalloc, second pass)")
    if builds:
        print("whole builds (label -> model's first request; -> `git status` answered in the "
              "sandbox; -> record final):")
        print("\n".join(build_table(builds, timed)))
    print("goals (this run):")
    print("\n".join(goals(timed, builds)))


def whole_builds(bench: Bench, sizes: list[int]) -> list[repo_build.Build]:
    """One build of each repository through the web app and a worker (needs Docker)."""
    if bench.docker is None:
        return []
    repo_build.start(bench.kiln, len(sizes))
    return [repo_build.build(bench.kiln, repo_name(size), size) for size in sizes]


if __name__ == "__main__":
    main()
