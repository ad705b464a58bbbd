"""The emulator's GraphQL endpoint, through githubkit's own GraphQL client."""

from __future__ import annotations

import pytest
from githubkit.exception import GraphQLFailed

from tests.emulators.conftest import GitHubWorld, WebhookReceiver

READY = """
mutation($id: ID!) {
  markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft number } }
}
"""


def _draft(github: GitHubWorld) -> tuple[int, str]:
    github.emu.push("alice", "proj", "kiln/issue-1", {"a.py": "a = 1\n"})
    with github.client() as gh:
        pull = gh.rest.pulls.create("alice", "proj", title="T", head="kiln/issue-1",
                                    base="main", draft=True).parsed_data
    return pull.number, pull.node_id


def test_a_draft_is_marked_ready_with_its_webhook(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    number, node = _draft(github)
    github.emu.wait_for_deliveries()
    github.emu.set_webhook_url(webhook_receiver.url)
    with github.client() as gh:
        data = gh.graphql.request(READY, {"id": node})
        again = gh.graphql.request(READY, {"id": node})
        rest_view = gh.rest.pulls.get("alice", "proj", number).parsed_data

    assert data == {"markPullRequestReadyForReview": {"pullRequest": {
        "isDraft": False, "number": number}}}
    assert again == data
    assert rest_view.draft is False
    github.emu.wait_for_deliveries()
    events = [(hook.headers["X-GitHub-Event"], hook.body) for hook in webhook_receiver.received]
    assert len(events) == 1 and events[0][0] == "pull_request"
    assert b'"action":"ready_for_review"' in events[0][1].replace(b" ", b"")


def test_an_unknown_node_is_a_graphql_error(github: GitHubWorld) -> None:
    with github.client() as gh, pytest.raises(GraphQLFailed) as failed:
        gh.graphql.request(READY, {"id": "UFI6bm8tc3VjaA=="})

    assert failed.value.response.errors[0].type == "NOT_FOUND"


def test_other_documents_fail_loudly(github: GitHubWorld) -> None:
    with github.client() as gh, pytest.raises(GraphQLFailed) as failed:
        gh.graphql.request("query { viewer { login } }")

    assert failed.value.response.errors[0].type == "NOT_IMPLEMENTED"
