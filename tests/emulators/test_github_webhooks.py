"""Webhook deliveries from the GitHub emulator, received by a local HTTP server."""

from __future__ import annotations

import json
import uuid
from typing import Any

from githubkit.webhooks import parse, verify

from bot.signature import signature_matches
from tests.emulators.conftest import GitHubWorld, ReceivedHook, WebhookReceiver

SECRET = "hook-secret"


def _checked(hook: ReceivedHook) -> dict[str, Any]:
    """Assert a delivery carries GitHub's headers and a valid signature; return its payload."""
    headers = {k.lower(): v for k, v in hook.headers.items()}
    assert verify(SECRET, hook.body, headers["x-hub-signature-256"])
    assert signature_matches(SECRET.encode(), hook.body, headers["x-hub-signature-256"])
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("GitHub-Hookshot/")
    uuid.UUID(headers["x-github-delivery"])
    assert headers["x-github-hook-id"].isdigit()
    assert headers["x-github-hook-installation-target-id"].isdigit()
    parse(headers["x-github-event"], hook.body)  # GitHub's own payload schema, via githubkit
    return dict(json.loads(hook.body))


def _events(receiver: WebhookReceiver) -> list[tuple[str, str | None]]:
    return [
        (h.headers["X-GitHub-Event"], json.loads(h.body).get("action")) for h in receiver.received
    ]


def test_user_actions_send_signed_webhooks(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(webhook_receiver.url)
    number = github.emu.open_issue("alice", "proj", "Add sub", "Please", "alice")
    github.emu.label_issue("alice", "proj", number, "build me", "alice")
    github.emu.comment("alice", "proj", number, "/kiln status", "carol")
    assert _events(webhook_receiver) == [
        ("issues", "opened"),
        ("issues", "labeled"),
        ("issue_comment", "created"),
    ]
    payloads = [_checked(hook) for hook in webhook_receiver.received]
    labeled = payloads[1]
    assert labeled["label"]["name"] == "build me"
    assert labeled["sender"]["login"] == "alice"
    assert labeled["installation"]["id"] == github.installation_id
    assert labeled["repository"]["full_name"] == "alice/proj"
    assert "organization" not in labeled
    assert payloads[2]["comment"]["body"] == "/kiln status"
    assert [(d.event, d.status_code) for d in github.emu.deliveries] == [
        ("issues", 202),
        ("issues", 202),
        ("issue_comment", 202),
    ]


def test_review_sends_line_comments_then_the_review(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.push("alice", "proj", "kiln/issue-1", {"a.py": "a = 1\n"})
    with github.client() as gh:
        number = gh.rest.pulls.create(
            "alice", "proj", title="T", head="kiln/issue-1", base="main"
        ).parsed_data.number
    github.emu.wait_for_deliveries()
    github.emu.set_webhook_url(webhook_receiver.url)
    github.emu.comment("alice", "proj", number, "@kiln rename a", "carol")
    github.emu.submit_review(
        "alice",
        "proj",
        number,
        "carol",
        body="Please fix",
        comments=[{"path": "a.py", "line": 1, "body": "b, not a"}],
    )
    assert _events(webhook_receiver) == [
        ("issue_comment", "created"),
        ("pull_request_review_comment", "created"),
        ("pull_request_review", "submitted"),
    ]
    on_pull, line, review = (_checked(h) for h in webhook_receiver.received)
    assert on_pull["issue"]["pull_request"]["url"].endswith(f"/pulls/{number}")
    assert (line["comment"]["path"], line["comment"]["line"]) == ("a.py", 1)
    assert review["review"]["state"] == "changes_requested"
    assert review["pull_request"]["number"] == number


def test_bot_actions_send_webhooks_in_the_background(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(webhook_receiver.url)
    number = github.emu.open_issue("alice", "proj", "T", "B", "alice")
    github.emu.push("alice", "proj", "kiln/issue-1", {"a.py": "a = 1\n"})
    with github.client() as gh:
        gh.rest.issues.create_comment("alice", "proj", number, body="Building…")
        gh.rest.pulls.create("alice", "proj", title="T", head="kiln/issue-1", base="main")
    github.emu.wait_for_deliveries()
    assert _events(webhook_receiver)[1:] == [
        ("issue_comment", "created"),
        ("pull_request", "opened"),
    ]
    comment, opened = (_checked(h) for h in webhook_receiver.received[1:])
    assert (comment["sender"]["login"], comment["sender"]["type"]) == ("kiln[bot]", "Bot")
    assert opened["pull_request"]["head"]["ref"] == "kiln/issue-1"


def test_org_repositories_name_the_organization(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.create_repo("acme", "tools", files={"a.txt": "a\n"})
    github.emu.install(github.app, "acme", ["tools"])
    github.emu.set_webhook_url(webhook_receiver.url)
    github.emu.open_issue("acme", "tools", "T", "B", "alice")
    payload = _checked(webhook_receiver.received[0])
    assert payload["organization"]["login"] == "acme"


def test_redelivery_keeps_the_delivery_id_and_body(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(webhook_receiver.url)
    github.emu.open_issue("alice", "proj", "T", "B", "alice")
    [first] = github.emu.deliveries
    again = github.emu.redeliver(first.id)
    assert again.id == first.id and again.status_code == 202
    original, repeated = webhook_receiver.received
    assert repeated.body == original.body
    assert repeated.headers["X-GitHub-Delivery"] == original.headers["X-GitHub-Delivery"]


def test_unreachable_receiver_is_recorded(github: GitHubWorld) -> None:
    github.emu.set_webhook_url("http://127.0.0.1:9/api/github/webhooks")
    github.emu.open_issue("alice", "proj", "T", "B", "alice")
    [delivery] = github.emu.deliveries
    assert delivery.status_code is None and delivery.error
