"""The emulator's App-manifest flow: GitHub's pages register the App, the code converts once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import RequestFailed

from emulators.github import GitHubEmulator
from emulators.github.manifests import CREATE_PATH, redirect_target, slug_for

MANIFEST = {
    "name": "Kiln Test",
    "url": "https://kiln.test",
    "hook_attributes": {"url": "https://kiln.test/api/github/webhooks"},
    "redirect_url": "https://kiln.test/setup/done",
    "public": False,
    "default_events": ["issues", "issue_comment"],
    "default_permissions": {"issues": "write", "contents": "write"},
}


@pytest.fixture
def github() -> Iterator[tuple[GitHubEmulator, str]]:
    with GitHubEmulator() as emulator, emulator.serve() as url:
        emulator.sign_in("mona")
        yield emulator, url


def create(url: str, name: str, manifest: dict[str, Any], state: str = "s1",
           organization: str = "") -> httpx.Response:
    """What the browser sends when the Create button is pressed."""
    form = {"name": name, "manifest": json.dumps(manifest), "state": state,
            "organization": organization}
    return httpx.post(url + CREATE_PATH, data=form)


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def test_posted_manifest_shows_the_create_page(github) -> None:
    _, url = github

    page = httpx.post(f"{url}/settings/apps/new?state=abc",
                      data={"manifest": json.dumps(MANIFEST)})

    assert page.status_code == 200
    assert 'value="Kiln Test"' in page.text and 'name="state" value="abc"' in page.text
    assert "https://kiln.test/api/github/webhooks" in page.text


def test_create_redirects_with_code_and_state_and_registers_the_app(github) -> None:
    emulator, url = github

    response = create(url, "Kiln Test", MANIFEST, state="s-42")

    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == MANIFEST["redirect_url"]
    assert parse_qs(location.query)["state"] == ["s-42"]
    (app,) = emulator.state.apps.values()
    assert (app.slug, app.webhook_url) == ("kiln-test", "https://kiln.test/api/github/webhooks")


def test_conversion_answers_githubs_shape_once(github) -> None:
    emulator, url = github
    code = code_from(create(url, "Kiln Test", MANIFEST))

    with GitHub(base_url=url) as gh:
        created = gh.rest.apps.create_from_manifest(code).parsed_data
        with pytest.raises(RequestFailed) as again:
            gh.rest.apps.create_from_manifest(code)

    assert again.value.response.status_code == 404
    assert (created.slug, created.name, created.owner.login) == ("kiln-test", "Kiln Test", "mona")
    assert created.events == ["issues", "issue_comment"]
    assert created.permissions.issues == "write" and created.permissions.metadata == "read"
    assert created.html_url == f"{url}/apps/kiln-test"
    app = emulator.state.apps[created.id]
    assert (created.pem, created.webhook_secret) == (app.private_key_pem, app.webhook_secret)
    with GitHub(AppAuthStrategy(created.id, created.pem), base_url=url) as as_app:
        assert as_app.rest.apps.get_authenticated().parsed_data.slug == "kiln-test"


def test_unknown_and_expired_codes_are_404(github) -> None:
    emulator, url = github
    code = code_from(create(url, "Kiln Test", MANIFEST))
    emulator.state.clock = lambda: 4e9  # long after the hour the code lives

    for unknown in ("0" * 40, code):
        answer = httpx.post(f"{url}/app-manifests/{unknown}/conversions")
        assert (answer.status_code, answer.json()["message"]) == (404, "Not Found")


def test_organization_flow_makes_the_org_the_owner(github) -> None:
    emulator, url = github
    emulator.add_org("acme")

    page = httpx.post(f"{url}/organizations/acme/settings/apps/new",
                      data={"manifest": json.dumps(MANIFEST)})
    code = code_from(create(url, "Acme Kiln", MANIFEST, organization="acme"))

    assert "Create GitHub App for acme" in page.text
    with GitHub(base_url=url) as gh:
        assert gh.rest.apps.create_from_manifest(code).parsed_data.owner.login == "acme"
    missing = httpx.post(f"{url}/organizations/nobody/settings/apps/new",
                         data={"manifest": json.dumps(MANIFEST)})
    assert missing.status_code == 404


def test_taken_name_and_bad_manifest_are_refused(github) -> None:
    emulator, url = github
    emulator.create_app(slug="kiln-test")

    taken = create(url, "Kiln  test!", MANIFEST)
    no_url = httpx.post(f"{url}/settings/apps/new",
                        data={"manifest": json.dumps({"name": "x"})})

    assert taken.status_code == 422 and "Name is already in use" in taken.text
    assert no_url.status_code == 422 and "url is required" in no_url.text


def test_nobody_signed_in_is_refused() -> None:
    with GitHubEmulator() as emulator, emulator.serve() as url:
        page = httpx.post(f"{url}/settings/apps/new", data={"manifest": json.dumps(MANIFEST)})

    assert page.status_code == 401


def test_slug_and_redirect_rules() -> None:
    assert slug_for("My  Kiln (prod)") == "my-kiln-prod"
    assert redirect_target("https://k.test/done?x=1", "c0de", "") == \
        "https://k.test/done?x=1&code=c0de"
