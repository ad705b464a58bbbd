"""How a request reaches a handler: the route table, the call context and the reply."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.github.auth import Caller, has_permission, reachable_repo
from emulators.github.errors import invalid, not_accessible, not_found
from emulators.github.records import Issue, PullData, Repo
from emulators.github.state import GitHubState
from emulators.github.webhooks import Outgoing, WebhookSender


@dataclass
class Reply:
    """An answer; ``unexpected`` marks a request to an endpoint the emulator does not know.
    A ``bytes`` body is sent as it is (a raw media type), anything else as JSON."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    unexpected: bool = False


@dataclass
class Call:
    """One request as a handler sees it; ``events`` collects webhooks to send afterwards."""

    state: GitHubState
    webhooks: WebhookSender
    caller: Caller
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    url: str
    events: list[Outgoing] = field(default_factory=list)
    accept: str = ""

    def repo(self) -> Repo:
        return reachable_repo(self.state, self.caller, self.params["owner"], self.params["repo"])

    def require(self, permission: str, level: str = "read") -> None:
        """GitHub's 403 unless the token grants the permission (tokens may be minted narrower)."""
        if not has_permission(self.caller, permission, level):
            raise not_accessible()

    def pull(self) -> tuple[Repo, Issue, PullData]:
        """The pull request the path names, with its repository; 404 for a plain issue."""
        repo = self.repo()
        issue, pull = self.state.pull(repo, self.number())
        return repo, issue, pull

    def number(self, name: str = "number") -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def field(self, name: str, default: Any = None, required: bool = False) -> Any:
        body = self.body if isinstance(self.body, dict) else {}
        if required and name not in body:
            raise invalid('Invalid request.\n\n"' + name + "\" wasn't supplied.")
        return body.get(name, default)

    def emit(self, repo: Repo, event: str, action: str | None, fields: dict[str, Any]) -> None:
        """Queue the webhooks GitHub sends for what the app just did (sender: its bot)."""
        self.events += self.webhooks.build(repo, event, action, self.caller.login, fields)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler

    @property
    def regex(self) -> re.Pattern[str]:
        return compile_pattern(self.pattern)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``/repos/{owner}/{repo}/git/ref/{ref:path}`` as a regex with named groups."""

    def group(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        return f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", group, pattern) + "$")


class Router:
    """Finds the handler for a method and path; None means GitHub would not know it either."""

    def __init__(self, routes: list[Route]) -> None:
        self._table = [(r.method, r.regex, r.handler) for r in routes]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, regex, handler in self._table:
            found = regex.match(path)
            if found and route_method == method:
                return handler, found.groupdict()
        return None
