"""The whole manifest flow in headless Chromium: `uvicorn bot.app:app` with no App, the
emulator's GitHub pages, .env written; restarted, the same Kiln answers the App's webhooks."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dotenv import dotenv_values

from emulators.github import GitHubEmulator
from emulators.localhost import free_port, wait_until
from tests.bot.test_app import uvicorn, wait_until_up
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
OWNER, REPO, MAINTAINER = "mona", "hello", "mona"


class Kiln:
    """``uvicorn bot.app:app`` in ``workdir`` (with its .env), started and stopped by the test."""

    def __init__(self, workdir: Path, redis_url: str) -> None:
        self.workdir = workdir
        self.env = {"REDIS_URL": redis_url}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = uvicorn(self.env, self.port, self.workdir)
        wait_until_up(self.url, self.proc)

    def stop(self) -> str:
        """Stop it; what it printed."""
        assert self.proc is not None
        self.proc.terminate()
        output, _ = self.proc.communicate(timeout=30)
        self.proc = None
        return output


@pytest.fixture
def github() -> Iterator[tuple[GitHubEmulator, str]]:
    with GitHubEmulator() as emulator, emulator.serve() as url:
        emulator.sign_in(MAINTAINER)
        emulator.create_repo(OWNER, REPO, files={"README.md": "# hello\n"})
        yield emulator, url


@pytest.fixture
def kiln(github, redis_url: str, redis_conn: Any, tmp_path: Path) -> Iterator[Kiln]:
    _, url = github
    (tmp_path / ".env").write_text(f"GITHUB_API_URL={url}\nGITHUB_WEB_URL={url}\n")
    server = Kiln(tmp_path, redis_url)
    yield server
    if server.proc is not None:
        server.stop()


def create_app_in_the_browser(browser: Any, kiln: Kiln) -> str:
    """What the operator does: open /setup, press the button, name the App, press Create."""
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(f"{kiln.url}/setup")
    assert page.is_visible("#no-public-url")  # the webhook goes where the page was opened
    page.click("#create button")
    page.fill("input[name=name]", "Kiln Browser")
    page.click("button:text-is(\"Create GitHub App\")")
    page.wait_for_selector("#install")
    page.screenshot(path=str(ARTIFACTS / "setup-done.png"), full_page=True)
    text = page.inner_text("main")
    install = page.get_attribute("#install", "href")
    page.close()
    return f"{text}\n{install}"


def test_app_created_in_the_browser_configures_kiln(browser, github, kiln) -> None:
    emulator, url = github
    kiln.start()
    assert httpx.get(f"{kiln.url}/api/github/webhooks").status_code == 404

    shown = create_app_in_the_browser(browser, kiln)
    setup_log = kiln.stop()

    (app,) = emulator.state.apps.values()
    saved = dotenv_values(kiln.workdir / ".env")
    assert saved["GITHUB_APP_ID"] == str(app.id) and saved["GITHUB_APP_SLUG"] == "kiln-browser"
    assert saved["GITHUB_WEBHOOK_SECRET"] == app.webhook_secret
    assert saved["GITHUB_PRIVATE_KEY"] == app.private_key_pem.strip()
    assert saved["GITHUB_API_URL"] == url
    assert f"{url}/apps/kiln-browser/installations/new" in shown and "Restart Kiln" in shown
    assert app.webhook_url == f"{kiln.url}/api/github/webhooks"
    assert "kiln-browser" in setup_log and "PRIVATE KEY" not in setup_log

    kiln.start()
    emulator.install(app, OWNER)
    number = emulator.open_issue(OWNER, REPO, "Add a greeting", "greet() says hi", MAINTAINER)
    emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)

    labelled = wait_until(lambda: [d for d in emulator.deliveries if d.action == "labeled"],
                          20, "the labelled delivery")
    assert [d.status_code for d in labelled] == [202]
    assert httpx.get(f"{kiln.url}/setup/").status_code == 404
