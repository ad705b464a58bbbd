"""A job function for checking that RQ runs what the web side queues."""

from __future__ import annotations

from typing import Any


def echo(**kwargs: Any) -> dict[str, Any]:
    """Return the job's keyword arguments, so a test can read them back as its result."""
    return kwargs
