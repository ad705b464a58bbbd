"""Which sandbox images may run: Kiln's base images, and the operator's names or patterns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

SETTING = "SANDBOX_IMAGE_ALLOW"


def parse_patterns(text: str) -> tuple[str, ...]:
    """The comma-separated names or glob patterns of the setting, blanks dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def spellings(image: str) -> tuple[str, ...]:
    """An image as written and, untagged, with the ``latest`` tag Docker gives it."""
    name = image.rsplit("/", 1)[-1]
    return (image,) if ":" in name or "@" in image else (image, f"{image}:latest")


@dataclass(frozen=True)
class ImageAllowlist:
    """The images a repository's `.github/kiln.yml` may name; everything else is refused."""

    base: frozenset[str]
    patterns: tuple[str, ...] = ()

    @classmethod
    def of(cls, base: Iterable[str], patterns: Iterable[str] = ()) -> ImageAllowlist:
        return cls(frozenset(base), tuple(patterns))

    def allows(self, image: str) -> bool:
        names = spellings(image)
        base = {spelling for name in self.base for spelling in spellings(name)}
        patterns = [spelling for pattern in self.patterns for spelling in spellings(pattern)]
        # A pattern matches the whole name, so `python:*` allows no `evil.example/python:3`.
        return any(name in base for name in names) or any(
            fnmatchcase(name, pattern) for name in names for pattern in patterns)
