"""App endpoints: the app itself, its installations and their access tokens."""

from __future__ import annotations

from emulators.github import shapes
from emulators.github.auth import can_reach, issue_token, require_app, require_installation
from emulators.github.errors import invalid, not_found
from emulators.github.pagination import paginate
from emulators.github.records import Installation
from emulators.github.routing import Call, Reply, Route
from emulators.github.state import timestamp


def get_app(call: Call) -> Reply:
    return Reply(200, shapes.app(call.state, require_app(call.caller)))


def _own_installation(call: Call) -> Installation:
    app = require_app(call.caller)
    installation = call.state.installations.get(call.number("installation_id"))
    if installation is None or installation.app_id != app.id:
        raise not_found()
    return installation


def list_installations(call: Call) -> Reply:
    app = require_app(call.caller)
    found = [i for i in call.state.installations.values() if i.app_id == app.id]
    return paginate([shapes.installation(call.state, i) for i in found], call.query, call.url)


def get_installation(call: Call) -> Reply:
    return Reply(200, shapes.installation(call.state, _own_installation(call)))


def create_token(call: Call) -> Reply:
    installation = _own_installation(call)
    names = call.field("repositories")
    if names is not None:
        allowed = {
            r.name.lower()
            for r in call.state.repos.values()
            if r.owner.lower() == installation.account.lower()
            and (
                installation.repositories is None
                or r.name.lower() in {n.lower() for n in installation.repositories}
            )
        }
        if not {n.lower() for n in names} <= allowed:
            raise invalid(
                "There is at least one repository that does not exist or is not "
                "accessible to the parent installation."
            )
    granted = shapes.permissions_of(call.state.apps[installation.app_id])
    permissions = _narrowed_permissions(call.field("permissions"), granted)
    token = issue_token(call.state, installation, names, permissions)
    body = {
        "token": token.token,
        "expires_at": timestamp(token.expires_at),
        "permissions": permissions or granted,
        "repository_selection": "all"
        if names is None and installation.repositories is None
        else "selected",
    }
    return Reply(201, body)


def _narrowed_permissions(asked: dict[str, str] | None,
                          granted: dict[str, str]) -> dict[str, str] | None:
    """The permissions a token asks for, each at most what the app has (`granted`); None:
    all of them."""
    if asked is None:
        return None
    order = ("read", "write", "admin")
    for name, level in asked.items():
        have = granted.get(name)
        if have is None or level not in order or order.index(level) > order.index(have):
            raise invalid("The permissions requested are not granted to this installation.")
    # GitHub grants metadata:read to every token
    return {"metadata": "read", **asked}


def _installation_on(call: Call, account: str, repo_name: str | None) -> Reply:
    app = require_app(call.caller)
    for installation in call.state.installations.values():
        if installation.app_id != app.id or installation.account.lower() != account.lower():
            continue
        if repo_name is None:
            return Reply(200, shapes.installation(call.state, installation))
        repo = call.state.repo(account, repo_name)
        if call.state.app_installation(app.id, repo) is installation:
            return Reply(200, shapes.installation(call.state, installation))
    raise not_found()


def repo_installation(call: Call) -> Reply:
    return _installation_on(call, call.params["owner"], call.params["repo"])


def account_installation(call: Call) -> Reply:
    return _installation_on(call, call.params["account"], None)


def installation_repositories(call: Call) -> Reply:
    installation = require_installation(call.caller)
    repos = [r for r in call.state.repos.values() if can_reach(call.caller, r)]
    page = paginate([shapes.repo(call.state, r) for r in repos], call.query, call.url)
    selection = "all" if installation.repositories is None else "selected"
    body = {"total_count": len(repos), "repository_selection": selection, "repositories": page.body}
    return Reply(200, body, page.headers)


ROUTES = [
    Route("GET", "/app", get_app),
    Route("GET", "/app/installations", list_installations),
    Route("GET", "/app/installations/{installation_id}", get_installation),
    Route("POST", "/app/installations/{installation_id}/access_tokens", create_token),
    Route("GET", "/installation/repositories", installation_repositories),
    Route("GET", "/repos/{owner}/{repo}/installation", repo_installation),
    Route("GET", "/orgs/{account}/installation", account_installation),
    Route("GET", "/users/{account}/installation", account_installation),
]
