"""The manifest flow's handshake: where the manifest goes, the state that comes back, the code."""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import quote, urlencode

STATE_COOKIE = "kiln_setup_state"
STATE_SECONDS = 3600  # GitHub wants the whole flow done within an hour
# GitHub logins: letters, digits and single dashes inside, at most 39 characters.
ORGANIZATION = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
# The code goes into an API path: nothing that could leave its path segment.
CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")


def new_state() -> str:
    """A fresh unguessable value, sent with the manifest and kept in the browser's cookie."""
    return secrets.token_urlsafe(24)


def state_matches(issued: str | None, returned: str | None) -> bool:
    """Whether GitHub's redirect carries the state this browser was given (else: forged)."""
    if not issued or not returned:
        return False
    return hmac.compare_digest(issued.encode(), returned.encode())


def valid_organization(name: str) -> bool:
    return ORGANIZATION.fullmatch(name) is not None


def valid_code(code: str) -> bool:
    return CODE.fullmatch(code) is not None


def creation_url(web_url: str, organization: str, state: str) -> str:
    """GitHub's "new App from a manifest" address, for a personal account or an organization."""
    account = f"/organizations/{quote(organization)}" if organization else ""
    return f"{web_url.rstrip('/')}{account}/settings/apps/new?{urlencode({'state': state})}"
