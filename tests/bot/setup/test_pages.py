"""The setup pages in-process against the GitHub emulator: the form, the state check, saving."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from base64 import b64encode
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from githubkit import GitHub
from starlette.testclient import TestClient

from bot.setup import setup_app
from bot.setup.conversion import ConversionFailed, convert
from bot.setup.handshake import STATE_COOKIE
from emulators.github import GitHubEmulator
from emulators.github.manifests import CREATE_PATH
from kiln.settings import Settings

AUTH = ("operator", "hunter2-hunter2")


@pytest.fixture
def github() -> Iterator[tuple[GitHubEmulator, str]]:
    with GitHubEmulator() as emulator, emulator.serve() as url:
        emulator.sign_in("mona")
        emulator.add_org("acme")
        yield emulator, url


@pytest.fixture
def kiln(github, tmp_path: Path, monkeypatch) -> Iterator[TestClient]:
    """Kiln's web process with no App: the setup pages, in ``tmp_path`` (where .env is)."""
    monkeypatch.chdir(tmp_path)
    _, url = github
    settings = Settings(_env_file=None, github_api_url=url, github_web_url=url,  # type: ignore[call-arg]
                        public_url="https://kiln.acme.test", dashboard_username=AUTH[0],
                        dashboard_password=AUTH[1])
    with TestClient(setup_app(settings), base_url="https://kiln.acme.test",
                    headers=basic(*AUTH)) as client:
        yield client


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{username}:{password}".encode()).decode()}


def form_of(page: str) -> tuple[str, dict[str, Any]]:
    """The create form's action and the manifest it posts."""
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page)[1])
    manifest = unescape(re.search(r'name="manifest" value="([^"]+)"', page)[1])
    return action, json.loads(manifest)


def created_code(kiln: TestClient, github_url: str, organization: str = "") -> tuple[str, str]:
    """Open the page, do on the emulator what the operator's browser does; GitHub's redirect."""
    page = kiln.get("/setup/", params={"organization": organization} if organization else None)
    action, manifest = form_of(page.text)
    state = parse_qs(urlsplit(action).query)["state"][0]
    form = {"name": "Kiln Acme", "manifest": json.dumps(manifest), "state": state,
            "organization": organization}
    back = httpx.post(github_url + CREATE_PATH, data=form)
    location = urlsplit(back.headers["location"])
    return location.path, location.query


def test_page_posts_the_manifest_with_a_state_bound_to_the_browser(kiln) -> None:
    page = kiln.get("/setup/")

    action, manifest = form_of(page.text)
    assert action.endswith("/settings/apps/new?state=" + kiln.cookies[STATE_COOKIE])
    assert manifest["hook_attributes"]["url"] == "https://kiln.acme.test/api/github/webhooks"
    assert manifest["redirect_url"] == "https://kiln.acme.test/setup/done"
    assert page.headers["cache-control"] == "no-store"
    assert "secure" in page.headers["set-cookie"].lower()
    assert 'id="no-public-url"' not in page.text


def test_page_opened_elsewhere_brings_the_browser_back_there(github, kiln) -> None:
    # The operator opened the page on the machine itself; the webhook stays at PUBLIC_URL.
    page = kiln.get("http://localhost:8000/setup/")

    _, manifest = form_of(page.text)
    assert manifest["redirect_url"] == "http://localhost:8000/setup/done"
    assert manifest["hook_attributes"]["url"] == "https://kiln.acme.test/api/github/webhooks"
    assert "secure" not in page.headers["set-cookie"].lower()


def test_organization_field_moves_the_form_to_the_organization(kiln) -> None:
    action, _ = form_of(kiln.get("/setup/", params={"organization": "acme"}).text)
    refused = kiln.get("/setup/", params={"organization": "acme/../../x"})

    assert "/organizations/acme/settings/apps/new?state=" in action
    assert refused.status_code == 400 and "not an organization" in refused.text


def test_done_saves_the_app_into_env_and_links_its_install_page(github, kiln, tmp_path,
                                                               caplog) -> None:
    emulator, url = github
    (tmp_path / ".env").write_text("KILN_MODEL=gpt-4.1\n")
    path, query = created_code(kiln, url, "acme")

    with caplog.at_level(logging.INFO, logger="kiln.setup"):
        done = kiln.get(f"{path}?{query}")

    assert done.status_code == 200 and 'id="saved"' in done.text
    assert f'href="{url}/apps/kiln-acme/installations/new"' in done.text
    (app,) = emulator.state.apps.values()
    saved = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert (saved.app.app_id, saved.github_app_slug) == (app.id, "kiln-acme")
    assert saved.app.private_key_pem == app.private_key_pem.strip()
    assert saved.app.webhook_secret == app.webhook_secret
    assert "kiln-acme" in caplog.text and "PRIVATE KEY" not in caplog.text
    assert app.webhook_secret not in caplog.text


def test_done_without_an_env_file_shows_the_settings_once(github, kiln, tmp_path) -> None:
    emulator, url = github
    path, query = created_code(kiln, url)

    done = kiln.get(f"{path}?{query}")

    (app,) = emulator.state.apps.values()
    assert 'id="unsaved"' in done.text and not (tmp_path / ".env").exists()
    assert f"GITHUB_APP_ID={app.id}" in done.text
    assert app.private_key_pem.strip().splitlines()[1] in done.text
    assert done.headers["cache-control"] == "no-store"


def test_a_state_this_browser_was_not_given_is_refused(github, kiln) -> None:
    _, url = github
    path, query = created_code(kiln, url)
    code = parse_qs(query)["code"][0]

    forged = kiln.get(path, params={"code": code, "state": "someone-elses"})

    assert forged.status_code == 400 and "does not carry the state" in forged.text
    with httpx.Client(base_url=url) as plain:  # the code was not spent
        assert plain.post(f"/app-manifests/{code}/conversions").status_code == 201


def test_a_spent_code_says_to_start_again(github, kiln) -> None:
    path, query = created_code(kiln, github[1])
    kiln.get(f"{path}?{query}")
    state = parse_qs(query)["state"][0]
    kiln.cookies.set(STATE_COOKIE, state, path="/setup")

    again = kiln.get(f"{path}?{query}")

    assert again.status_code == 502 and "used once and expires" in again.text


def test_pages_need_the_dashboards_credentials(kiln) -> None:
    assert kiln.get("/setup/", headers=basic("operator", "wrong")).status_code == 401


def test_conversion_of_an_unknown_code_fails_in_words(github) -> None:
    _, url = github
    with pytest.raises(ConversionFailed, match="used once and expires"):
        asyncio.run(convert(GitHub(base_url=url), "0" * 40))


def test_health_says_the_process_waits_for_an_app(kiln) -> None:
    answer = kiln.get("/healthz")

    assert answer.status_code == 200 and answer.json()["app"] == "not configured"
