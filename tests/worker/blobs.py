"""Git blob ids computed in the test, as the builder fingerprints a manifest."""

from __future__ import annotations

import hashlib


def blob_id(data: bytes) -> bytes:
    """What ``git hash-object`` prints for ``data`` (ASCII, without its newline)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest().encode()
