"""GitHub's webhook signature: HMAC-SHA256 of the raw body with the shared secret."""

from __future__ import annotations

import hmac

PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub would send for ``body``."""
    # The one-shot C digest: hmac.new's Python object costs more than hashing 12 KB.
    return PREFIX + hmac.digest(secret, body, "sha256").hex()


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the right signature for ``body``, compared in constant time."""
    if not header or not header.startswith(PREFIX):
        return False
    # Header values arrive latin-1 decoded; compare bytes so any character is safe.
    return hmac.compare_digest(sign(secret, body).encode(), header.encode("latin-1"))
