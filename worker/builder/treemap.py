"""The first prompt's map of a repository, bounded in characters however large the tree.

Instruction files come first, then the paths the request names, the test directories, and
the tree: every directory with the files beneath it and their size, and the files of the top
levels. When that does not fit, the map drops detail in a fixed order (first the files of the
top-level directories, then the deepest directories) and says what it left out and how to see
it; only a tree with more top-level entries than fit is cut short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from worker.builder.entry import Entry, described, entries_of, human_size
from worker.builder.gittree import GitTree
from worker.builder.mentions import mentioned
from worker.builder.request import BuildRequest
from worker.builder.testfiles import TEST_DIRS, TEST_NAME
from worker.builder.workspace import tree_entries

MAP_LIMIT_CHARS = 32_000
SECTION_LINES = 40  # instruction files, named paths, test directories: each at most this
ROOT_FILES = 200  # files listed at the top level: its config files say what the project is
FILES_PER_DIRECTORY = 25  # files listed in one directory of the second level
# In this order: the first two at any depth, the copilot file by its path, the rest by their
# name before its extension, at the top level.
INSTRUCTIONS = ("agents.md", "claude.md", ".github/copilot-instructions.md", "readme",
                "contributing")
CUT_NOTE = "\n[map cut at {limit} characters: see the rest with list_files]"
HOW_TO_SEE = ("See any directory's files with list_files (directory=..., and offset=... for the "
              "next page), or with run_command (`find DIR -type f`).")


@dataclass
class _Directory:
    """A directory: the files beneath it at any depth, their size, its own files and subdirs."""

    level: int
    files: int = 0
    size: int = 0
    own: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    beneath: int = 0  # directories beneath it, at any depth


@dataclass(frozen=True)
class _Detail:
    """How much of the tree to show: files of directories above ``file_level``, and
    directories down to ``dir_level`` (1 is the top-level directories)."""

    file_level: int
    dir_level: int


def tree_map(entries: Mapping[str, Entry], texts: Iterable[str] = (),
             limit: int = MAP_LIMIT_CHARS) -> str:
    """The map of ``entries`` within ``limit`` characters; ``texts`` are the request's words
    (title, body, feedback), searched for the paths they name. Empty for an empty tree."""
    if not entries:
        return ""
    tree = _Tree(entries)
    head = "\n\n".join(section for section in (
        tree.summary(), tree.instructions(), tree.named(texts), tree.tests()) if section)
    for detail in tree.details():
        text = f"{head}\n\n{tree.render(detail)}"
        if len(text) <= limit:
            return text
    note = CUT_NOTE.format(limit=limit)
    line_end = text.rfind("\n", 0, limit - len(note))
    return text[:line_end if line_end > 0 else limit - len(note)] + note


def starting_entries(files: Mapping[str, bytes]) -> dict[str, Entry]:
    """The starting tree's entries: a checkout's from its git tree, reading no file; plain
    bytes (a new repository, tests) as regular files."""
    return tree_entries(files) if isinstance(files, GitTree) else entries_of(files)


def request_words(request: BuildRequest) -> list[str]:
    """The request's texts that may name paths: title, body, each review comment and its path."""
    return [request.title, request.body,
            *(f"{item.path or ''} {item.body}" for item in request.feedback)]


class _Tree:
    """The directories of one tree, and the map's sections over them."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries
        self.dirs: dict[str, _Directory] = {"": _Directory(0)}
        for path in sorted(entries):
            here = self._directory(path.rpartition("/")[0])
            here.own.append(path)
            here.files += 1
            here.size += entries[path].size
        # Deepest first, so each directory is complete before it is added to its parent.
        for path in sorted(self.dirs, key=lambda path: self.dirs[path].level, reverse=True):
            here = self.dirs[path]
            here.children.sort()
            if path:
                parent = self.dirs[path.rpartition("/")[0]]
                parent.files, parent.size = parent.files + here.files, parent.size + here.size
                parent.beneath += 1 + here.beneath

    def _directory(self, path: str) -> _Directory:
        """The directory at ``path``, made (with those above it) when new."""
        if path not in self.dirs:
            parent = path.rpartition("/")[0]
            self._directory(parent).children.append(path)
            self.dirs[path] = _Directory(path.count("/") + 1)
        return self.dirs[path]

    def summary(self) -> str:
        root = self.dirs[""]
        return (f"{_plural(root.files, 'file')}, {human_size(root.size)}, in the top directory "
                f"and {_plural(root.beneath, 'directory')} below it. A directory shows (files "
                "beneath it, their size).")

    def instructions(self) -> str:
        ranked = sorted((rank, path.count("/"), path) for path in self.entries
                        if (rank := _instruction_rank(path)) is not None)
        return _section("Instruction files (the repository's guidance; read any not quoted above):",
                        [self._line(path) for _rank, _depth, path in ranked])

    def named(self, texts: Iterable[str]) -> str:
        lines: list[str] = []
        for mention in mentioned(texts, self.entries):
            lines += [self._line(path) for path in mention.paths]
            if mention.more:
                lines.append(f"... {mention.more} more paths end in {mention.word}")
        return _section("Named in the request:", list(dict.fromkeys(lines)))

    def tests(self) -> str:
        top = [path for path in self.dirs if _is_test_dir(path)
               and not any(_is_test_dir(parent) for parent in _parents(path))]
        return _section("Test directories:", [self._line(path + "/") for path in sorted(top)]
                        + self._test_file_homes(set(top)))

    def _test_file_homes(self, test_dirs: set[str]) -> list[str]:
        """Directories outside the test directories holding files named like tests."""
        homes: dict[str, int] = {}
        for path in self.entries:
            if TEST_NAME.match(path.rpartition("/")[2]):
                homes[path.rpartition("/")[0]] = homes.get(path.rpartition("/")[0], 0) + 1
        return [f"{home or '.'}/ ({_plural(count, 'file')} named like tests)"
                for home, count in sorted(homes.items())
                if not test_dirs.intersection((home, *_parents(home)))]

    def _line(self, path: str) -> str:
        """``path (size)`` for a file, ``dir/ (files, size)`` for a directory."""
        if path.endswith("/"):
            here = self.dirs[path.rstrip("/")]
            return f"{path} ({here.files:,}, {human_size(here.size)})"
        return f"{path} ({described(self.entries[path])})"

    def details(self) -> list[_Detail]:
        """From the most detail to the least; the tree is drawn with the first that fits."""
        depth = max(directory.level for directory in self.dirs.values())
        return [_Detail(2, depth), *(_Detail(1, level) for level in range(depth, 0, -1))]

    def render(self, detail: _Detail) -> str:
        lines = [f"Tree (files listed for the top {detail.file_level} level"
                 f"{'s' if detail.file_level > 1 else ''}):"]
        self._walk("", detail, lines)
        return "\n".join([*lines, "", self._left_out(detail)])

    def _walk(self, path: str, detail: _Detail, lines: list[str]) -> None:
        here = self.dirs[path]
        indent = "  " * here.level
        if here.level < detail.file_level:
            shown = here.own[:_files_listed(here.level)]
            lines += [f"{indent}{_name(file)} ({described(self.entries[file])})" for file in shown]
            if len(here.own) > len(shown):
                lines.append(f"{indent}... {_plural(len(here.own) - len(shown), 'more file')}")
        if here.level >= detail.dir_level:
            return
        for child in here.children:
            sub = self.dirs[child]
            hidden = f"; {_plural(sub.beneath, 'subdirectory')} not shown" if (
                sub.level == detail.dir_level and sub.beneath) else ""
            lines.append(f"{indent}{_name(child)}/ ({sub.files:,}, {human_size(sub.size)}{hidden})")
            self._walk(child, detail, lines)

    def _left_out(self, detail: _Detail) -> str:
        listed = sum(min(len(here.own), _files_listed(here.level)) for here in self.dirs.values()
                     if here.level < detail.file_level)
        deeper = sum(1 for here in self.dirs.values() if here.level > detail.dir_level)
        files = self.dirs[""].files - listed
        parts = [f"{_plural(files, 'file')} not listed"] if files else []
        parts += [f"{_plural(deeper, 'directory')} deeper than level {detail.dir_level}, "
                  "only counted"] if deeper else []
        return f"Left out: {'; '.join(parts)}. {HOW_TO_SEE}" if parts else "Every file is listed."


def _section(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    more = [f"... and {len(lines) - SECTION_LINES} more"] if len(lines) > SECTION_LINES else []
    return "\n".join([title, *lines[:SECTION_LINES], *more])


def _files_listed(level: int) -> int:
    return ROOT_FILES if level == 0 else FILES_PER_DIRECTORY


def _plural(count: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{count:,} {word if count == 1 else plural}"


def _instruction_rank(path: str) -> int | None:
    """Where an instruction file goes in its section, or None for any other file."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    key = name if name in INSTRUCTIONS[:2] else lowered if "/" in lowered else name.split(".")[0]
    return INSTRUCTIONS.index(key) if key in INSTRUCTIONS else None


def _is_test_dir(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in TEST_DIRS


def _parents(path: str) -> list[str]:
    return [path.rsplit("/", depth)[0] for depth in range(1, path.count("/") + 1)]


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]
