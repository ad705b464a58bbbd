"""The REST endpoints the emulator implements, grouped by GitHub's API sections."""

from __future__ import annotations

from emulators.github.endpoints import (
    apps,
    checks,
    contents,
    git,
    graphql,
    issues,
    pulls,
    ratelimit,
    repos,
)
from emulators.github.routing import Route

ROUTES: list[Route] = [
    *apps.ROUTES,
    *repos.ROUTES,
    *contents.ROUTES,
    *issues.ROUTES,
    *git.ROUTES,
    *pulls.ROUTES,
    *checks.ROUTES,
    *graphql.ROUTES,
    *ratelimit.ROUTES,
]
