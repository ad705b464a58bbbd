"""The first prompt's repository map: complete on a generated 10,000-file tree, always bounded."""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

from worker.builder.entry import Entry, Kind, entries_of
from worker.builder.gittree import GitTree
from worker.builder.mentions import Mention, mentioned
from worker.builder.treemap import MAP_LIMIT_CHARS, starting_entries, tree_map

DIRECTORY_LINE = re.compile(r"^( *)(.+)/ \(([\d,]+), ")
ROOT = {"README.md": Entry(4_000), "AGENTS.md": Entry(900), "pyproject.toml": Entry(1_500),
        "CLAUDE.md": Entry(9, Kind.SYMLINK, "AGENTS.md"), ".gitignore": Entry(120),
        ".github/copilot-instructions.md": Entry(700), ".github/workflows/ci.yml": Entry(800),
        "bin/release": Entry(300, Kind.EXECUTABLE), "docs/README.md": Entry(2_000),
        "vendor/lib": Entry(0, Kind.SUBMODULE, "a" * 40)}
KINDS = {"src/shop": ("mod{n}.py", 0.6), "tests/unit": ("test_mod{n}.py", 0.2),
         "tests/integration": ("test_flow{n}.py", 0.1), "docs/guide": ("page{n}.md", 0.1)}


def generated_tree(total: int, seed: int = 12) -> dict[str, Entry]:
    """A repository of realistic shape: nested packages, tests beside them, docs, a few large
    fixtures, symlinks and executables; about 14 files a directory."""
    rng = random.Random(seed)
    tree = dict(ROOT)
    for top, (pattern, share) in KINDS.items():
        directories = _directories(rng, top, int(total * share / 14))
        for _ in range(int(total * share)):
            name = pattern.format(n=len(tree))
            tree[f"{rng.choice(directories)}/{name}"] = Entry(rng.randint(200, 30_000))
    for n in range(5):
        tree[f"tests/fixtures/blob{n}.bin"] = Entry(2 * 1024 * 1024)
        tree[f"src/shop/alias{n}.py"] = Entry(7, Kind.SYMLINK, f"mod{n}.py")
    while len(tree) < total:
        tree[f"scripts/tool{len(tree)}.sh"] = Entry(500, Kind.EXECUTABLE)
    return dict(list(tree.items())[:total])


def _directories(rng: random.Random, top: str, count: int) -> list[str]:
    directories = [top]
    while len(directories) < count:
        parent = rng.choice(directories)
        if parent.count("/") < 6:
            name = rng.choice(["core", "api", "io", "db"])
            directories.append(f"{parent}/{name}{len(directories)}")
    return directories


def every_directory(paths: list[str]) -> dict[str, int]:
    """Each directory of ``paths`` and the number of paths beneath it."""
    counts: dict[str, int] = {}
    for path in paths:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            counts[directory] = counts.get(directory, 0) + 1
    return counts


def mapped_directories(text: str) -> dict[str, int]:
    """The directories the map's tree draws, by full path, with the count it gives each."""
    tree = text.split("\nTree (", 1)[1]
    found: dict[str, int] = {}
    stack: list[str] = []
    for line in tree.splitlines()[1:]:
        match = DIRECTORY_LINE.match(line)
        if match:
            level = len(match[1]) // 2
            stack[level:] = [match[2]]
            found["/".join(stack)] = int(match[3].replace(",", ""))
    return found


def test_the_map_of_10000_files_draws_every_directory_within_its_bound() -> None:
    entries = generated_tree(10_000)
    text = tree_map(entries, ["Fix the rounding in src/shop/mod100.py; see tests/unit/"])
    assert len(entries) == 10_000 and len(text) <= MAP_LIMIT_CHARS
    assert mapped_directories(text) == every_directory(list(entries))
    assert "files listed for the top 2 levels" in text
    assert "docs/ (" in text and "  README.md (2.0 KB)" in text  # a top-level directory's files
    assert re.search(r"Left out: [\d,]+ files not listed\. See any directory's files with "
                     r"list_files", text)


def test_instruction_files_then_named_paths_then_tests_come_first() -> None:
    entries = generated_tree(10_000)
    named_path = next(path for path in entries if path.endswith("/mod100.py"))
    module_path = next(path for path in entries if path.endswith("/mod200.py"))
    module = module_path.removeprefix("src/").removesuffix(".py").replace("/", ".")
    text = tree_map(entries, [f"Fix {named_path}", f"and {module}."])
    sections = [text.index(title) for title in (
        "Instruction files", "Named in the request", "Test directories", "Tree (")]
    assert sections == sorted(sections)
    instructions = text.split("\n\n")[1].splitlines()
    assert instructions == [
        "Instruction files (the repository's guidance; read any not quoted above):",
        "AGENTS.md (900 B)",
        "CLAUDE.md (symlink to AGENTS.md)", ".github/copilot-instructions.md (700 B)",
        "README.md (3.9 KB)"]
    named = text.split("Named in the request:\n", 1)[1].split("\n\n")[0].splitlines()
    assert named[0].startswith(f"{named_path} (")
    assert named[1].startswith(f"{module_path} (")  # named by its dotted module name
    tests = text.split("Test directories:\n", 1)[1].split("\n\n")[0]
    assert tests.startswith("tests/ (") and "tests/unit" not in tests  # the topmost only


def test_a_tree_too_large_to_draw_whole_drops_deep_directories_and_says_so() -> None:
    entries = {f"pkg{a}/sub{b}/leaf{c}/m.py": Entry(10)
               for a in range(20) for b in range(20) for c in range(10)}
    text = tree_map(entries)
    assert len(text) <= MAP_LIMIT_CHARS
    drawn = mapped_directories(text)
    assert {f"pkg{a}" for a in range(20)} <= set(drawn)
    assert not any(path.count("/") == 2 for path in drawn)
    assert "\npkg0/ (200, 2.0 KB)\n  sub0/ (10, 100 B; 10 subdirectories not shown)\n" in text
    assert "4,000 directories deeper than level 2, only counted" in text


def test_even_a_tree_of_countless_top_level_directories_stays_within_the_bound() -> None:
    entries = {f"directory-with-a-long-name-{n:05}/file.py": Entry(1) for n in range(5_000)}
    text = tree_map(entries, limit=20_000)
    assert len(text) <= 20_000
    assert text.endswith("[map cut at 20000 characters: see the rest with list_files]")


def test_a_small_tree_is_listed_whole() -> None:
    text = tree_map(entries_of({"b": b"x" * 2048, "a": b"", "pkg/deep/x.py": b"1"}))
    assert text.endswith("a (0 B)\nb (2.0 KB)\npkg/ (1, 1 B)\n  deep/ (1, 1 B)\n\n"
                         "Left out: 1 file not listed. See any directory's files with "
                         "list_files (directory=..., and offset=... for the next page), or with "
                         "run_command (`find DIR -type f`).")
    assert tree_map({}) == ""


def test_words_of_the_request_name_paths() -> None:
    paths = ["pkg/utils.py", "lib/utils.py", "pkg/sub/mod.py", "docs/a.md",
             *(f"m{n}/utils.py" for n in range(6))]
    found = mentioned(["See `pkg/sub/mod.py`, docs/ and utils.py.", "Also pkg.sub.mod, e.g. x"],
                      paths)
    assert found == [
        Mention("pkg/sub/mod.py", ("pkg/sub/mod.py",)),
        Mention("docs", ("docs/",)),
        Mention("utils.py", ("lib/utils.py", "m0/utils.py", "m1/utils.py", "m2/utils.py",
                             "m3/utils.py"), more=3),
        Mention("pkg.sub.mod", ("pkg/sub/mod.py",))]


def test_a_checkouts_map_shows_links_executables_and_submodules(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("x = 1\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    os.symlink("src/app.py", root / "app.py")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "update-index", "--add", "--cacheinfo", f"160000,{'b' * 40},ext"],
                   check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    text = tree_map(starting_entries(GitTree.open(root)))
    assert "app.py (symlink to src/app.py)" in text
    assert "run.sh (10 B, executable)" in text
    assert f"ext (submodule at {'b' * 12}, not in the workspace)" in text
