"""Users, bots and organizations, as GitHub embeds them in nearly every other shape."""

from __future__ import annotations

from typing import Any

from emulators.github.records import Account
from emulators.github.shapes.ids import node_id
from emulators.github.state import GitHubState

# URL templates GitHub lists on every user, relative to the user's API URL
USER_URL_TEMPLATES = {
    "followers_url": "/followers",
    "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}",
    "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions",
    "organizations_url": "/orgs",
    "repos_url": "/repos",
    "events_url": "/events{/privacy}",
    "received_events_url": "/received_events",
}
ORG_URL_TEMPLATES = {
    "repos_url": "/repos",
    "events_url": "/events",
    "hooks_url": "/hooks",
    "issues_url": "/issues",
    "members_url": "/members{/member}",
    "public_members_url": "/public_members{/member}",
}


def recorded(state: GitHubState, login: str) -> Account:
    """The login's account; rendering never creates one, so a miss is the emulator's bug."""
    found = state.accounts.get(login.lower())
    if found is None:
        raise LookupError(f"no account {login!r}: record it where it enters the state")
    return found


def user(state: GitHubState, login: str) -> dict[str, Any]:
    account = recorded(state, login)
    url = f"{state.base_url}/users/{account.login}"
    return {
        **_identity(account, "U"),
        "avatar_url": f"{state.base_url}/avatars/u/{account.id}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{state.base_url}/{account.login}",
        **{key: url + suffix for key, suffix in USER_URL_TEMPLATES.items()},
        "type": account.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def organization(state: GitHubState, login: str) -> dict[str, Any]:
    account = recorded(state, login)
    url = f"{state.base_url}/orgs/{account.login}"
    return {
        **_identity(account, "O"),
        "url": url,
        **{key: url + suffix for key, suffix in ORG_URL_TEMPLATES.items()},
        "avatar_url": f"{state.base_url}/avatars/u/{account.id}",
        "description": None,
    }


def _identity(account: Account, kind: str) -> dict[str, Any]:
    return {"login": account.login, "id": account.id, "node_id": node_id(kind, account.id)}
