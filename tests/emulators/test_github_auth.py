"""App authentication against the GitHub emulator: JWTs, installation tokens and their scope."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from githubkit import GitHub, TokenAuthStrategy
from githubkit.cache import MemCacheStrategy
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld


def _jwt(github: GitHubWorld, iat: int, exp: int, key: str | None = None) -> str:
    return jwt.encode(
        {"iss": str(github.app.id), "iat": iat, "exp": exp},
        key or github.app.private_key_pem,
        algorithm="RS256",
    )


def _get(github: GitHubWorld, path: str, authorization: str) -> httpx.Response:
    return httpx.get(github.url + path, headers={"Authorization": authorization}, timeout=10)


def test_app_endpoints_take_the_app_jwt(github: GitHubWorld) -> None:
    with github.app_client() as app:
        me = app.rest.apps.get_authenticated().parsed_data
        installation = app.rest.apps.get_repo_installation("alice", "proj").parsed_data
        token = app.rest.apps.create_installation_access_token(installation.id).parsed_data
        listed = app.rest.apps.list_installations().parsed_data
    assert me is not None and (me.id, me.slug) == (github.app.id, "kiln")
    assert installation.id == github.installation_id
    assert token.token.startswith("ghs_")
    assert {i.id for i in listed} == {github.installation_id, github.org_installation_id}


def test_jwt_signed_with_another_key_is_refused(github: GitHubWorld) -> None:
    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    now = int(time.time())
    answer = _get(github, "/app", "Bearer " + _jwt(github, now - 60, now + 500, other))
    assert answer.status_code == 401
    assert answer.json()["documentation_url"]


@pytest.mark.parametrize(
    ("iat_offset", "exp_offset"),
    [
        (-900, -300),  # expired
        (-60, 900),  # lives longer than ten minutes
        (300, 500),  # issued in the future
    ],
)
def test_jwt_times_are_checked(github: GitHubWorld, iat_offset: int, exp_offset: int) -> None:
    now = int(time.time())
    token = _jwt(github, now + iat_offset, now + exp_offset)
    assert _get(github, "/app", f"Bearer {token}").status_code == 401


def test_installation_token_is_not_an_app_credential(github: GitHubWorld) -> None:
    with github.app_client() as app:
        token = app.rest.apps.create_installation_access_token(github.installation_id)
    answer = _get(github, "/app", f"token {token.parsed_data.token}")
    assert answer.status_code == 401


def test_expired_token_gets_bad_credentials(github: GitHubWorld) -> None:
    github.emu.token_lifetime = 0.5
    with github.app_client() as app:
        token = app.rest.apps.create_installation_access_token(github.installation_id)
    time.sleep(1)
    client = GitHub(
        TokenAuthStrategy(token.parsed_data.token),
        base_url=github.url,
        http_cache=False,
        timeout=10,
        cache_strategy=MemCacheStrategy(),
    )
    with client, pytest.raises(RequestFailed) as refused:
        client.rest.repos.get("alice", "proj")
    assert refused.value.response.status_code == 401
    assert refused.value.response.json()["message"] == "Bad credentials"


def test_token_reaches_only_its_installation(github: GitHubWorld) -> None:
    with github.client(github.org_installation_id) as org, pytest.raises(RequestFailed) as hidden:
        org.rest.repos.get("alice", "proj")
    assert hidden.value.response.status_code == 404
    assert hidden.value.response.json()["message"] == "Not Found"


def test_installation_lists_its_repositories(github: GitHubWorld) -> None:
    with github.client() as gh:
        listed = gh.rest.apps.list_repos_accessible_to_installation().parsed_data
    assert sorted(r.full_name for r in listed.repositories) == ["alice/other", "alice/proj"]


def test_token_narrowed_to_some_repositories(github: GitHubWorld) -> None:
    with github.app_client() as app:
        token = app.rest.apps.create_installation_access_token(
            github.installation_id, repositories=["proj"]
        ).parsed_data.token
    assert _get(github, "/repos/alice/proj", f"token {token}").status_code == 200
    assert _get(github, "/repos/alice/other", f"Bearer {token}").status_code == 404


def test_requests_need_credentials(github: GitHubWorld) -> None:
    assert httpx.get(github.url + "/repos/alice/proj", timeout=10).status_code == 401
    assert _get(github, "/repos/alice/proj", "token ghs_forged").json()["message"] == (
        "Bad credentials"
    )
    now = int(time.time())
    app_jwt = _jwt(github, now - 30, now + 500)
    assert _get(github, "/repos/alice/proj", f"Bearer {app_jwt}").status_code == 403
