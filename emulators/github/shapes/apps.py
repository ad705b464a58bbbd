"""The app and its installations, as the app endpoints show them."""

from __future__ import annotations

from typing import Any

from emulators.github.records import EmulatedApp, Installation
from emulators.github.shapes.accounts import recorded, user
from emulators.github.shapes.ids import node_id
from emulators.github.state import GitHubState

APP_PERMISSIONS = {
    "actions": "read",
    "administration": "write",
    "checks": "write",
    "contents": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "read",
}
APP_EVENTS = [
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "check_run",
    "check_suite",
    "workflow_run",
    "status",
]
# installation fields the emulator does not model, with the values of a plain installation
INSTALLATION_FIXED_FIELDS: dict[str, Any] = {
    "single_file_name": None,
    "has_multiple_single_files": False,
    "single_file_paths": [],
    "suspended_by": None,
    "suspended_at": None,
}


def app(state: GitHubState, app: EmulatedApp) -> dict[str, Any]:
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("A", app.id),
        "client_id": f"Iv1.{app.id:016x}",
        "owner": user(state, app.bot_login),
        "name": app.slug,
        "description": "",
        "external_url": f"{state.base_url}/apps/{app.slug}",
        "html_url": f"{state.base_url}/apps/{app.slug}",
        "created_at": app.created_at,
        "updated_at": app.created_at,
        "permissions": permissions_of(app),
        "events": APP_EVENTS,
    }


def permissions_of(app: EmulatedApp) -> dict[str, str]:
    """What the app may do: what it was created with, else what Kiln's App asks for."""
    return app.permissions or APP_PERMISSIONS


def installation(state: GitHubState, inst: Installation) -> dict[str, Any]:
    app = state.apps[inst.app_id]
    account = recorded(state, inst.account)
    return {
        "id": inst.id,
        "account": user(state, inst.account),
        "repository_selection": "all" if inst.repositories is None else "selected",
        "access_tokens_url": f"{state.base_url}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{state.base_url}/installation/repositories",
        "html_url": f"{state.base_url}/settings/installations/{inst.id}",
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.type,
        "permissions": permissions_of(app),
        "events": APP_EVENTS,
        "created_at": inst.created_at,
        "updated_at": inst.created_at,
        **INSTALLATION_FIXED_FIELDS,
    }


def via_app(state: GitHubState, login: str) -> dict[str, Any] | None:
    """The app whose bot wrote something (``performed_via_github_app``), None for a person."""
    found = next((a for a in state.apps.values() if a.bot_login == login), None)
    return None if found is None else app(state, found)
