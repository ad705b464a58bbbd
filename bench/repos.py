"""Reading a repository: the worker's git reader against the old blob-by-blob REST read.

Generated repositories of realistic shape (nested packages, their tests, docs, a few large
files, symlinks, executable scripts) are loaded into the GitHub emulator; each is read both
ways through the worker's own installation client, in the same run: API calls (counted by the
worker's `ApiMeter`), seconds until the files are on the worker's disk or in its memory, and
the worker's Python memory (tracemalloc peak, in a second pass so it does not slow the timed
one; git runs in its own short-lived process, not counted here). The goals are printed as
bounds and a ratio measured in this run.

Run: ``.venv/bin/python -m bench.repos [--sizes 100,1000,10000]`` from the repository root.
"""

from __future__ import annotations

import argparse
import base64
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from pydantic import SecretStr

from emulators import localhost
from emulators.github import EmulatedApp, GitHubEmulator, SeedFile
from kiln.settings import Settings
from worker.github.clients import GitHubClients
from worker.github.repository import Repository

OWNER = "bench"
SIZES = (100, 1_000, 10_000)
LARGE_FILE_BYTES = (2_500_000, 1_200_000, 700_000)  # data files a real project keeps
MAX_CALLS = 10  # goal: API calls to read any repository
READY_SECONDS = 10.0  # goal: the 10,000-file repository read within this
RATIO_AT = 1_000  # goal: at least RATIO_GOAL times fewer calls than blob by blob, here
RATIO_GOAL = 100.0
UNLIMITED = 10**9  # the emulator's hourly quota for the bench: blob by blob needs more than
# a real installation's 5,000 for the largest repository, which is part of the point
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
        "README.md": "# generated\n", "pyproject.toml": '[project]\nname = "generated"\n'}
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

def read_with_git(gh: Any, repo: str, into: Path) -> int:
    """The worker's reader, called as a build calls it: the default branch, its head, one
    checkout. Returns how many files it read."""
    repository = Repository(gh, OWNER, repo)
    head = repository.branch_head(repository.default_branch())
    assert head is not None
    return len(repository.snapshot(head, into).modes)


def read_blob_by_blob(gh: Any, repo: str, into: Path) -> int:
    """The old way, kept here as the baseline: one recursive tree, then one REST call per
    blob, every file held in memory. Returns how many files it read."""
    branch = gh.rest.repos.get(OWNER, repo).parsed_data.default_branch
    head = gh.rest.git.get_ref(OWNER, repo, f"heads/{branch}").parsed_data.object_.sha
    tree_sha = gh.rest.git.get_commit(OWNER, repo, head).parsed_data.tree.sha
    tree = gh.rest.git.get_tree(OWNER, repo, tree_sha, recursive="1").parsed_data
    files = {entry.path: base64.b64decode(
                 gh.rest.git.get_blob(OWNER, repo, entry.sha).parsed_data.content)
             for entry in tree.tree if entry.type == "blob"}
    return len(files)


Reader = Callable[[Any, str, Path], int]
WAYS: dict[str, Reader] = {"git (worker)": read_with_git, "blob by blob": read_blob_by_blob}


@dataclass(frozen=True)
class Reading:
    """One repository read one way."""

    way: str
    size: int
    files: int
    calls: int
    seconds: float
    peak_bytes: int = 0


class Bench:
    """The emulator with one repository per size, and the worker's installation clients."""

    def __init__(self, exits: ExitStack, workdir: Path, sizes: list[int]) -> None:
        self.workdir = workdir
        self.emulator = GitHubEmulator()
        url = exits.enter_context(self.emulator.serve())
        self.emulator.set_rate_limit(UNLIMITED)
        app: EmulatedApp = self.emulator.create_app(slug="kiln", webhook_secret="bench")
        self.emulator.add_org(OWNER)
        for size in sizes:
            self.emulator.create_repo(OWNER, f"repo-{size}", files=generated_files(size))
        self.installation = self.emulator.install(app, OWNER)
        redis_url = exits.enter_context(localhost.redis_server(workdir))
        settings = Settings(
            github_app_id=app.id, github_private_key=SecretStr(app.private_key_pem),
            github_webhook_secret=SecretStr(app.webhook_secret), github_api_url=url,
            redis_url=redis_url, _env_file=None)  # type: ignore[call-arg]
        self.clients = GitHubClients(settings, redis.Redis.from_url(redis_url))

    def read(self, way: str, size: int, traced: bool = False) -> Reading:
        """Read the repository of `size` files one way, with a fresh client and directory."""
        meter = self.clients.meter(self.installation)
        into = Path(tempfile.mkdtemp(dir=self.workdir, prefix=f"{size}-"))
        with self.clients.installation(self.installation, meter) as gh, _traced(traced) as peak:
            began = time.perf_counter()
            files = WAYS[way](gh, f"repo-{size}", into / "checkout")
            seconds = time.perf_counter() - began
        return Reading(way, size, files, meter.calls, seconds, peak())


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
    lines = [f"{'files':>7}  {'way':<13} {'read':>7} {'API calls':>10} {'seconds':>8} "
             f"{'memory (MB)':>12}"]
    for r in readings:
        memory = peaks[(r.way, r.size)] / 1e6
        lines.append(f"{r.size:>7,}  {r.way:<13} {r.files:>7,} {r.calls:>10,} "
                     f"{r.seconds:>8.2f} {memory:>12.1f}")
    return lines


def goals(readings: list[Reading]) -> list[str]:
    """Each goal with what this run measured, and whether it was met."""
    by = {(r.way, r.size): r for r in readings}
    git = [r for r in readings if r.way == "git (worker)"]
    most = max(r.calls for r in git)
    lines = [_goal(f"at most {MAX_CALLS} API calls to read any repository (git)",
                   f"{most} at most", most <= MAX_CALLS)]
    if (big := by.get(("git (worker)", 10_000))) is not None:
        lines.append(_goal(f"10,000 files read within {READY_SECONDS:.0f} s (git)",
                           f"{big.seconds:.2f} s", big.seconds <= READY_SECONDS))
    if ("git (worker)", RATIO_AT) in by and ("blob by blob", RATIO_AT) in by:
        ratio = by[("blob by blob", RATIO_AT)].calls / by[("git (worker)", RATIO_AT)].calls
        lines.append(_goal(f"at least {RATIO_GOAL:.0f}x fewer API calls than blob by blob at "
                           f"{RATIO_AT:,} files", f"{ratio:.0f}x", ratio >= RATIO_GOAL))
    for r in git:
        old = by.get(("blob by blob", r.size))
        if old is not None:
            lines.append(f"  {r.size:>7,} files: git {old.seconds / r.seconds:.1f}x faster, "
                         f"{old.calls / r.calls:.0f}x fewer calls than blob by blob")
    return lines


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
    print("\n".join(table(timed, peaks)))
    print("memory: the worker's Python allocations at their peak (tracemalloc, second pass)")
    print("goals (this run):")
    print("\n".join(goals(timed)))


if __name__ == "__main__":
    main()
