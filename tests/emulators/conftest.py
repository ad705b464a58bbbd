"""Fixtures for the emulator tests: a served scripted model, a served GitHub emulator, clients."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy

from emulators.github import EmulatedApp, GitHubEmulator
from emulators.model import ScriptedModel, Turn

API_KEY = "test-key"
ServeModel = Callable[..., tuple[ScriptedModel, openai.OpenAI]]


@pytest.fixture
def serve_model() -> Iterator[ServeModel]:
    """Start a ScriptedModel over real HTTP; returns it with an openai client pointed at it."""
    with ExitStack() as stack:
        def start(turns: list[Turn], max_retries: int = 0) -> tuple[ScriptedModel, openai.OpenAI]:
            model = ScriptedModel(turns)
            base_url = stack.enter_context(model.serve())
            client = openai.OpenAI(base_url=base_url, api_key=API_KEY,
                                   max_retries=max_retries, timeout=10)
            return model, stack.enter_context(client)

        yield start


# --- GitHub emulator -------------------------------------------------------

REPO_FILES = {"README.md": "# proj\n", "src/app.py": "def add(a, b):\n    return a + b\n"}


@dataclass
class GitHubWorld:
    """A served emulator with one app installed on alice's repositories and on the acme org."""

    emu: GitHubEmulator
    url: str
    app: EmulatedApp
    installation_id: int
    org_installation_id: int

    def client(self, installation_id: int | None = None, app: EmulatedApp | None = None,
               **options: Any) -> GitHub[Any]:
        """A githubkit client authenticated as the installation (of Kiln's app unless `app`
        says), with its own token cache."""
        app = app or self.app
        strategy = AppInstallationAuthStrategy(
            app.id, app.private_key_pem, installation_id or self.installation_id)
        return GitHub(strategy, base_url=self.url, http_cache=False, timeout=10,
                      cache_strategy=MemCacheStrategy(), **options)

    def app_client(self, **options: Any) -> GitHub[Any]:
        strategy = AppAuthStrategy(self.app.id, self.app.private_key_pem)
        return GitHub(strategy, base_url=self.url, http_cache=False, timeout=10,
                      cache_strategy=MemCacheStrategy(), **options)

    def token(self, installation_id: int | None = None, **narrowed: Any) -> str:
        """A fresh installation token, minted the way Kiln mints one (app JWT, then REST)."""
        with self.app_client() as app:
            made = app.rest.apps.create_installation_access_token(
                installation_id or self.installation_id, **narrowed)
            return made.parsed_data.token


def commit_via_api(gh: GitHub[Any], files: dict[str, str], parent: str, message: str) -> str:
    """Commit to alice/proj the way Kiln publishes: blobs, a tree on the parent's, a commit."""
    base = gh.rest.git.get_commit("alice", "proj", parent).parsed_data.tree.sha
    entries: list[Any] = []
    for path, text in files.items():
        blob = gh.rest.git.create_blob("alice", "proj", content=text, encoding="utf-8").parsed_data
        entries.append({"path": path, "mode": "100644", "type": "blob", "sha": blob.sha})
    tree = gh.rest.git.create_tree("alice", "proj", tree=entries, base_tree=base).parsed_data
    made = gh.rest.git.create_commit(
        "alice", "proj", message=message, tree=tree.sha, parents=[parent]
    )
    return made.parsed_data.sha


@pytest.fixture
def github() -> Iterator[GitHubWorld]:
    """alice/proj (alice admin, bob read-only), the acme org, and the kiln app on both."""
    emu = GitHubEmulator()
    app = emu.create_app(slug="kiln", webhook_secret="hook-secret")
    for login in ("alice", "bob", "carol"):
        emu.add_user(login)
    emu.add_org("acme")
    emu.create_repo("alice", "proj", files=REPO_FILES)
    emu.create_repo("alice", "other", files={"x.txt": "x\n"})
    emu.set_permission("alice", "proj", "carol", "write")
    emu.set_permission("alice", "proj", "bob", "read")
    installation = emu.install(app, "alice")
    org_installation = emu.install(app, "acme", repositories=[])
    with emu, emu.serve() as url:
        yield GitHubWorld(emu, url, app, installation, org_installation)


@dataclass
class ReceivedHook:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A tiny local HTTP server that records every webhook delivery and answers 202."""

    def __init__(self) -> None:
        self.received: list[ReceivedHook] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(ReceivedHook(dict(self.headers.items()), body))
                answer = b'{"ok": true}'
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                """Keep test output quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/github/webhooks"


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
