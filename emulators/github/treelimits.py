"""GitHub's limits on a recursive tree: past 100,000 entries or 7 MB it comes truncated."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass
class TreeLimits:
    """Settable, so tests reach them with small repositories."""

    entries: int = 100_000
    json_bytes: int = 7 * MB
