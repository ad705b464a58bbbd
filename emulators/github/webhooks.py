"""Signed webhook deliveries as GitHub sends them: synchronously for users, queued for bots."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import httpx

from emulators.github import shapes
from emulators.github.records import Delivery, EmulatedApp, Repo
from emulators.github.state import GitHubState

USER_AGENT = "GitHub-Hookshot/emulator"
DELIVERY_TIMEOUT = 10.0


@dataclass(frozen=True)
class Outgoing:
    """A delivery ready to send: where, what, and under which headers."""

    url: str
    body: bytes
    headers: dict[str, str]
    event: str
    action: str | None
    app_id: int | None = None
    installation_id: int | None = None
    repository_id: int | None = None
    redelivery: bool = False


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """Builds GitHub's payloads and delivers them; a background thread sends the queued ones."""

    def __init__(self, state: GitHubState) -> None:
        self.state = state
        self._queue: queue.Queue[Outgoing | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def build(
        self, repo: Repo, event: str, action: str | None, sender: str, fields: dict[str, Any]
    ) -> list[Outgoing]:
        """Deliveries for each installed app with a webhook URL; call with the state locked."""
        outgoing = []
        for installation in self.state.installations_for(repo):
            app = self.state.apps[installation.app_id]
            if app.webhook_url is None:
                continue
            payload = self._payload(repo, action, sender, fields)
            payload["installation"] = {
                "id": installation.id,
                "node_id": shapes.node_id("II", installation.id),
            }
            sent = self._outgoing(app, event, action, payload)
            outgoing.append(replace(sent, installation_id=installation.id, repository_id=repo.id))
        return outgoing

    def _payload(
        self, repo: Repo, action: str | None, sender: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {} if action is None else {"action": action}
        payload.update(fields)
        payload["repository"] = shapes.repo(self.state, repo, viewer_permissions=False)
        if self.state.is_organization(repo.owner):
            payload["organization"] = shapes.organization(self.state, repo.owner)
        payload["sender"] = shapes.user(self.state, sender)
        return payload

    def _outgoing(
        self, app: EmulatedApp, event: str, action: str | None, payload: dict[str, Any]
    ) -> Outgoing:
        assert app.webhook_url is not None
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": str(app.hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(app.id),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-Hub-Signature": "sha1="
            + hmac.new(app.webhook_secret.encode(), body, hashlib.sha1).hexdigest(),
            "X-Hub-Signature-256": sign(app.webhook_secret, body),
        }
        return Outgoing(app.webhook_url, body, headers, event, action, app.id)

    def send(self, outgoing: Outgoing) -> Delivery:
        """POST one delivery and record its outcome (connection errors included)."""
        started = time.monotonic()
        delivery = Delivery(
            outgoing.headers["X-GitHub-Delivery"],
            outgoing.event,
            outgoing.action,
            None,
            None,
            0.0,
            outgoing.body,
            dict(outgoing.headers),
            outgoing.url,
            delivered_at=self.state.clock(),
            redelivery=outgoing.redelivery,
            app_id=outgoing.app_id,
            installation_id=outgoing.installation_id,
            repository_id=outgoing.repository_id,
        )
        try:
            # a fresh connection per delivery, as GitHub's hookshot makes
            response = httpx.post(
                outgoing.url, content=outgoing.body, headers=outgoing.headers,
                timeout=DELIVERY_TIMEOUT,
            )  # fmt: skip
            delivery.status_code = response.status_code
            delivery.response_json = _json_or_text(response)
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        delivery.seconds = time.monotonic() - started
        with self.state.lock:
            delivery.number = self.state.next_id()
            self.state.deliveries.append(delivery)
        return delivery

    def redeliver(self, delivery_id: str) -> Delivery:
        """Send the first delivery with this GUID again, now (as the App's settings page does)."""
        with self.state.lock:
            old = next(d for d in self.state.deliveries if d.id == delivery_id)
            outgoing = redelivery_of(self.state, old)
        return self.send(outgoing)

    def enqueue(self, outgoing: list[Outgoing]) -> None:
        for item in outgoing:
            self._queue.put(item)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self.send(item)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def wait(self) -> None:
        self._queue.join()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(DELIVERY_TIMEOUT + 5)
            self._thread = None


def redelivery_of(state: GitHubState, old: Delivery) -> Outgoing:
    """The same body under the same headers (the GUID too), marked as a redelivery, sent to
    where the App's webhook points now; call with the state locked."""
    app = state.apps.get(old.app_id) if old.app_id is not None else None
    url = app.webhook_url if app is not None and app.webhook_url else old.url
    return Outgoing(url, old.body, old.headers, old.event, old.action, old.app_id,
                    old.installation_id, old.repository_id, redelivery=True)


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
