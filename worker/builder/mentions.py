"""The paths of a tree that a request's text names: whole paths, path endings, dotted modules."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

TOKEN = re.compile(r"[\w./-]+")
PER_NAME = 5  # an ambiguous name (``utils.py``) shows this many of its paths


@dataclass(frozen=True)
class Mention:
    """A word of the request and the paths it names: files, and directories ending in ``/``."""

    word: str
    paths: tuple[str, ...]
    more: int = 0  # paths it also names, past PER_NAME


def mentioned(texts: Iterable[str], paths: Collection[str]) -> list[Mention]:
    """The words of ``texts`` that name paths of the tree, in order of first mention."""
    index = _Index(paths)
    found: dict[str, Mention] = {}
    for word in _words(texts):
        if word not in found and (mention := index.find(word)) is not None:
            found[word] = mention
    return list(found.values())


def _words(texts: Iterable[str]) -> list[str]:
    """Words that could be paths: they hold a ``/`` or a ``.`` (``pkg/``, ``a.py``, ``a.b``),
    the ends of a sentence aside."""
    raw = [match.rstrip(".") for text in texts for match in TOKEN.findall(text)]
    words = [(token, token.strip(".-/")) for token in raw]
    return [word for token, word in words if len(word) > 2 and ("/" in token or "." in word)]


class _Index:
    """Paths and their directories, found by their last component."""

    def __init__(self, paths: Collection[str]) -> None:
        self.by_name: dict[str, list[str]] = defaultdict(list)
        homes = {path.rpartition("/")[0] for path in paths}
        directories = {home.rsplit("/", depth)[0] for home in homes
                       for depth in range(home.count("/") + 1)} - {""}
        for path in sorted(paths):
            self.by_name[path.rsplit("/", 1)[-1]].append(path)
        for directory in sorted(directories):
            self.by_name[directory.rsplit("/", 1)[-1]].append(directory + "/")

    def find(self, word: str) -> Mention | None:
        """Paths equal to or ending in ``word``; a dotted module name also as a path."""
        module = word.replace(".", "/")
        for key in (word, module + ".py", module, module + "/__init__.py"):
            hits = [path for path in self.by_name.get(key.rsplit("/", 1)[-1], ())
                    if path.rstrip("/") == key or path.rstrip("/").endswith("/" + key)]
            if hits:
                return Mention(word, tuple(hits[:PER_NAME]), max(0, len(hits) - PER_NAME))
        return None
