"""The REST endpoints the emulator implements, grouped by GitHub's API sections."""

from __future__ import annotations

from emulators.github.endpoints import (
    actions,
    apps,
    checks,
    contents,
    git,
    graphql,
    hooks,
    issues,
    pulls,
    ratelimit,
    repos,
    statuses,
)
from emulators.github.routing import Route

ROUTES: list[Route] = [
    *apps.ROUTES,
    *hooks.ROUTES,
    # before repos': its `commits/{ref:path}` would take `commits/{ref}/status`, `/check-runs`
    *statuses.ROUTES,
    *checks.ROUTES,
    *actions.ROUTES,
    *repos.ROUTES,
    *contents.ROUTES,
    *issues.ROUTES,
    *git.ROUTES,
    *pulls.ROUTES,
    *graphql.ROUTES,
    *ratelimit.ROUTES,
]
