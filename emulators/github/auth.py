"""App authentication as GitHub does it: RS256 app JWTs and expiring installation tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

from emulators.github.errors import ApiError, bad_credentials, not_accessible, not_found
from emulators.github.ratelimit import Bucket
from emulators.github.records import EmulatedApp, Installation, Repo, Token
from emulators.github.shapes.apps import permissions_of
from emulators.github.state import GitHubState, covers

MAX_JWT_SECONDS = 600
CLOCK_SKEW = 60


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: the app itself (JWT) or one of its installations (token)."""

    app: EmulatedApp
    installation: Installation | None = None
    token: Token | None = None

    @property
    def login(self) -> str:
        return self.app.bot_login

    def bucket(self, resource: str = "core") -> Bucket:
        """Whose rate limit the caller spends: its installation's (all its tokens share one),
        or the app's own for requests with the app's JWT."""
        if self.installation is not None:
            return Bucket("installation", str(self.installation.id), resource)
        return Bucket("app", str(self.app.id), resource)


def authenticate(state: GitHubState, header: str | None) -> Caller:
    """The caller named by an Authorization header, or GitHub's 401 answer."""
    if not header:
        raise ApiError(401, "Requires authentication")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not credential:
        raise bad_credentials()
    if credential.count(".") == 2:
        return Caller(verify_jwt(state, credential.strip()))
    return token_caller(state, credential.strip())


def verify_jwt(state: GitHubState, token: str) -> EmulatedApp:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        app = state.apps[int(claims["iss"])]
        jwt.decode(
            token,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise ApiError(401, "A JSON web token could not be decoded") from None
    _check_times(state.clock(), claims)
    return app


def _check_times(now: float, claims: dict[str, object]) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or iat > now + CLOCK_SKEW:
        raise ApiError(
            401,
            "'Issued at' claim ('iat') must be an Integer representing a time that is in the past",
        )
    if not isinstance(exp, int) or exp <= now:
        raise ApiError(
            401,
            "'Expiration time' claim ('exp') must be a numeric value "
            "representing the future time at which the assertion expires",
        )
    if exp - iat > MAX_JWT_SECONDS or exp > now + MAX_JWT_SECONDS + CLOCK_SKEW:
        raise ApiError(401, "'Expiration time' claim ('exp') is too far in the future")


def token_caller(state: GitHubState, credential: str) -> Caller:
    token = state.tokens.get(credential)
    if token is None or token.expires_at <= state.clock():
        raise bad_credentials()
    installation = state.installations.get(token.installation_id)
    if installation is None:
        raise bad_credentials()
    return Caller(state.apps[installation.app_id], installation, token)


def issue_token(
    state: GitHubState,
    installation: Installation,
    repositories: list[str] | None,
    permissions: dict[str, str] | None = None,
) -> Token:
    """A new token for an installation, optionally narrowed to some of its repositories and
    some of the app's permissions."""
    token = Token(
        "ghs_" + secrets.token_urlsafe(27)[:36],
        installation.id,
        state.clock() + state.token_lifetime,
        repositories,
        permissions,
    )
    state.tokens[token.token] = token
    return token


def require_app(caller: Caller) -> EmulatedApp:
    if caller.installation is not None:
        raise ApiError(401, "A JSON web token could not be decoded")
    return caller.app


def require_installation(caller: Caller) -> Installation:
    if caller.installation is None:
        raise not_accessible()
    return caller.installation


def has_permission(caller: Caller, permission: str, level: str = "read") -> bool:
    """Whether the caller's token grants a permission at a level (``read`` < ``write``)."""
    granted = permissions_of(caller.app)
    if caller.token is not None and caller.token.permissions is not None:
        granted = caller.token.permissions
    order = ("read", "write", "admin")
    have = granted.get(permission)
    return have in order and order.index(have) >= order.index(level)


def can_reach(caller: Caller, repo: Repo) -> bool:
    """Whether an installation token reaches a repository (a JWT reaches none)."""
    if caller.installation is None or not covers(caller.installation, repo):
        return False
    names = caller.token.repositories if caller.token else None
    return names is None or repo.name.lower() in {n.lower() for n in names}


def reachable_repo(state: GitHubState, caller: Caller, owner: str, name: str) -> Repo:
    """The repository if the caller's token covers it; GitHub answers 404 otherwise."""
    require_installation(caller)
    repo = state.repo(owner, name)
    if not can_reach(caller, repo):
        raise not_found()
    return repo
