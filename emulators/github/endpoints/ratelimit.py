"""``GET /rate_limit``: the caller's quotas, which asking for does not spend."""

from __future__ import annotations

from typing import Any

from emulators.github.ratelimit import Quota
from emulators.github.routing import Call, Reply, Route

RESOURCES = ("core", "search", "graphql")


def get_rate_limit(call: Call) -> Reply:
    now = call.state.clock()
    limits = call.state.rate_limits
    resources = {
        name: _shape(limits.quota(call.caller.bucket(name), now, start=False))
        for name in RESOURCES
    }
    return Reply(200, {"resources": resources, "rate": resources["core"]})


def _shape(quota: Quota) -> dict[str, Any]:
    return {
        "limit": quota.limit,
        "remaining": quota.remaining,
        "reset": quota.reset,
        "used": quota.used,
    }


ROUTES = [Route("GET", "/rate_limit", get_rate_limit)]
