"""GitHub's limits on reading file contents through the REST API."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass
class ContentLimits:
    """What the contents and blob endpoints serve: blobs up to ``blob_bytes`` (100 MB), file
    content inline only up to ``contents_bytes`` (1 MB; larger files come without it), and at
    most ``directory_entries`` entries (1,000) in a directory listing."""

    blob_bytes: int = 100 * MB
    contents_bytes: int = 1 * MB
    directory_entries: int = 1000
