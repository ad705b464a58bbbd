"""Kiln's web app (or any ASGI app) served by a real uvicorn in a background thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp

from emulators.serving import serving


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Yield the base URL while uvicorn serves ``app``; open streams get two seconds at exit."""
    with serving(app, lifespan=True, grace_seconds=2) as url:
        yield url
