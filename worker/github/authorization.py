"""Who may start or steer a build: users with write, maintain or admin permission."""

from __future__ import annotations

from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed

STEERING_PERMISSIONS = frozenset({"admin", "maintain", "write"})


def may_steer(permission: str | None, role_name: str | None = None) -> bool:
    """Decide from GitHub's answer: `permission` is the legacy level, `role_name` the role."""
    return permission in STEERING_PERMISSIONS or role_name in STEERING_PERMISSIONS


def is_authorized(gh: GitHub[Any], owner: str, repo: str, login: str) -> bool:
    """Ask GitHub for the user's permission; someone GitHub does not know may not steer."""
    try:
        answer = gh.rest.repos.get_collaborator_permission_level(owner, repo, login).parsed_data
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return False
        raise
    return may_steer(answer.permission, answer.role_name)
